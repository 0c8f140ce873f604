import { createHash } from 'node:crypto';
import { DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAServer, SecurityPolicy, StatusCodes, Variant, type UAVariable } from 'node-opcua';
import { type Clock, systemClock, type TimerHandle } from '../../core/clock.js';
import { freePort } from '../free-port.js';

type ElevatorPoint = 'position' | 'floor' | 'moving' | 'inDoorZone' | 'doorsClosed' | 'occupied' | 'alarmButton' | 'faultCode' | 'available' | 'speed' | 'powerOn' | 'topLimit' | 'bottomLimit';

/** The address space of one elevator: browse name and data type per point (docs: simulators/README.md). */
const POINTS: Readonly<Record<ElevatorPoint, { browseName: string; dataType: DataType }>> = {
  position: { browseName: 'CarPosition', dataType: DataType.Double },
  floor: { browseName: 'Floor', dataType: DataType.Int16 },
  moving: { browseName: 'Moving', dataType: DataType.Boolean },
  inDoorZone: { browseName: 'InDoorZone', dataType: DataType.Boolean },
  doorsClosed: { browseName: 'DoorsClosed', dataType: DataType.Boolean },
  occupied: { browseName: 'Occupied', dataType: DataType.Boolean },
  alarmButton: { browseName: 'AlarmButton', dataType: DataType.Boolean },
  faultCode: { browseName: 'FaultCode', dataType: DataType.UInt16 },
  available: { browseName: 'Available', dataType: DataType.Boolean },
  // The signals of the lift-monitoring events (GB/T 24476): speed, main power, the over-travel limit switches.
  speed: { browseName: 'Speed', dataType: DataType.Double },
  powerOn: { browseName: 'PowerOn', dataType: DataType.Boolean },
  topLimit: { browseName: 'TopLimit', dataType: DataType.Boolean },
  bottomLimit: { browseName: 'BottomLimit', dataType: DataType.Boolean },
};

export const ELEVATOR_POINTS = Object.keys(POINTS) as ElevatorPoint[];

const FLOOR_HEIGHT_M = 3.2;
/** How fast a car runs with its doors open (开门走梯): a levelling speed. */
const CREEP_MPS = 0.3;

interface CarState {
  position: number;
  target: number;
  moving: boolean;
  doorsClosed: boolean;
  occupied: boolean;
  alarmButton: boolean;
  faultCode: number;
  available: boolean;
  /** Metres per second the car moved over the last tick (signed). */
  speed: number;
  powerOn: boolean;
  /** Driven past the top or bottom landing (over-travel): the limit switch there trips. */
  overTravel: 'top' | 'bottom' | null;
  /** Runs to its target with the doors open (开门走梯), then stops there. */
  runOpen: boolean;
  /** When frozen the motion model stops (entrapment, out of service, scenario control). */
  frozen: boolean;
}

export interface SimulatedElevatorOptions {
  /** Name prefixes, one elevator each: ['ElevatorA'] gives ns=1;s=ElevatorA.CarPosition ... */
  readonly elevators?: readonly string[];
  readonly floors?: number;
  readonly clock?: Clock;
  readonly tickMs?: number;
  /** The car's speed while it travels, m/s (default 1.75, a common passenger lift). */
  readonly ratedSpeedMps?: number;
  readonly random?: () => number;
  /** Also host N generic Double variables ns=1;s=Bench.V{i} (benchmarks). */
  readonly genericVariables?: number;
  readonly users?: Readonly<Record<string, string>>;
  /** Endpoints offered; default every mode. `['Sign', 'SignAndEncrypt']` refuses unsecured clients. */
  readonly securityModes?: ReadonlyArray<'None' | 'Sign' | 'SignAndEncrypt'>;
  /** Default every policy node-opcua knows. */
  readonly securityPolicies?: ReadonlyArray<'None' | 'Basic256Sha256' | 'Aes128_Sha256_RsaOaep' | 'Aes256_Sha256_RsaPss'>;
  /**
   * Folder for the server's own certificate and its trust lists; unknown client certificates are
   * trusted on first sight (a lab server). Default: node-opcua's per-user folder.
   */
  readonly pkiDir?: string;
}

/** What the server knows of one client session (tests check the security the client asked for). */
export interface SimulatedSessionInfo {
  readonly securityMode: 'None' | 'Sign' | 'SignAndEncrypt' | 'Invalid';
  readonly securityPolicy: string;
  readonly userName: string | null;
  /** SHA-1 of the client certificate's DER, hex, as OPC UA thumbprints are; null when unsecured. */
  readonly clientCertificateThumbprint: string | null;
  readonly subscriptions: number;
}

/**
 * Elevators over OPC UA (node-opcua server). When nothing drives them they travel between floors,
 * stop in the door zone and open their doors; scenarios freeze them, entrap them, or fault them.
 */
export class SimulatedElevatorServer {
  readonly #o: SimulatedElevatorOptions;
  readonly #clock: Clock;
  readonly #cars = new Map<string, CarState>();
  readonly #vars = new Map<string, UAVariable>();
  readonly #badStatus = new Map<string, 'BadSensorFailure' | 'BadCommunicationError'>();
  #server: OPCUAServer | null = null;
  #certificateManager: OPCUACertificateManager | null = null;
  #tick: TimerHandle | null = null;
  #port = 0;

  constructor(o: SimulatedElevatorOptions = {}) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    for (const name of o.elevators ?? ['ElevatorA']) {
      this.#cars.set(name, { position: 0, target: 0, moving: false, doorsClosed: false, occupied: false, alarmButton: false, faultCode: 0, available: true, speed: 0, powerOn: true, overTravel: null, runOpen: false, frozen: false });
    }
  }

  get endpoint(): string {
    return `opc.tcp://127.0.0.1:${this.#port}/UA/Elevator`;
  }

  get port(): number {
    return this.#port;
  }

  async start(port = this.#port): Promise<string> {
    if (this.#server !== null) return this.endpoint;
    this.#port = port === 0 ? await freePort() : port;
    const users = this.#o.users;
    const o = this.#o;
    const certificateManager = o.pkiDir === undefined ? null : new OPCUACertificateManager({ rootFolder: o.pkiDir, automaticallyAcceptUnknownCertificate: true });
    this.#certificateManager = certificateManager;
    const server = new OPCUAServer({
      port: this.#port,
      hostname: '127.0.0.1',
      resourcePath: '/UA/Elevator',
      buildInfo: { productName: 'Simulated elevator', buildNumber: '1', buildDate: new Date(0) },
      allowAnonymous: users === undefined,
      ...(users === undefined ? {} : { userManager: { isValidUser: (u: string, p: string) => users[u] === p } }),
      ...(o.securityModes === undefined ? {} : { securityModes: o.securityModes.map((m) => MessageSecurityMode[m]) }),
      ...(o.securityPolicies === undefined ? {} : { securityPolicies: o.securityPolicies.map((p) => SecurityPolicy[p]) }),
      ...(certificateManager === null ? {} : { serverCertificateManager: certificateManager }),
    });
    await server.initialize();
    const space = server.engine.addressSpace;
    if (space === null) throw new Error('OPC UA address space missing');
    const ns = space.getOwnNamespace();
    for (const name of this.#cars.keys()) {
      const obj = ns.addObject({ organizedBy: space.rootFolder.objects, browseName: name });
      for (const [pointId, def] of Object.entries(POINTS)) {
        const v = ns.addVariable({ componentOf: obj, browseName: def.browseName, nodeId: `s=${name}.${def.browseName}`, dataType: def.dataType });
        this.#vars.set(`${name}.${pointId}`, v);
      }
    }
    for (let i = 0; i < (this.#o.genericVariables ?? 0); i++) {
      const v = ns.addVariable({ organizedBy: space.rootFolder.objects, browseName: `V${i}`, nodeId: `s=Bench.V${i}`, dataType: DataType.Double });
      this.#vars.set(`Bench.V${i}`, v);
      v.setValueFromSource(new Variant({ dataType: DataType.Double, value: 0 }));
    }
    await server.start();
    this.#server = server;
    this.#publishAll();
    this.#tick = this.#clock.setInterval(() => this.#step(), this.#o.tickMs ?? 500);
    return this.endpoint;
  }

  async stop(): Promise<void> {
    this.#tick?.cancel();
    this.#tick = null;
    const s = this.#server;
    this.#server = null;
    this.#vars.clear();
    if (s !== null) await s.shutdown(0);
    const cm = this.#certificateManager;
    this.#certificateManager = null;
    await cm?.dispose();
  }

  /** The sessions open on the server now. */
  sessions(): SimulatedSessionInfo[] {
    const engine = this.#server?.engine;
    if (engine === undefined) return [];
    return engine.getSessions().map((session) => {
      const channel = session.channel;
      const cert = channel?.clientCertificate ?? null;
      const token: unknown = session.userIdentityToken;
      const userName = typeof token === 'object' && token !== null && 'userName' in token && typeof token.userName === 'string' ? token.userName : null;
      return {
        securityMode: channel === undefined ? 'Invalid' : (MessageSecurityMode[channel.securityMode] as SimulatedSessionInfo['securityMode']),
        securityPolicy: channel?.securityPolicy ?? 'unknown',
        userName,
        clientCertificateThumbprint: cert === null || cert.length === 0 ? null : createHash('sha1').update(cert).digest('hex'),
        subscriptions: session.publishEngine.subscriptions.length,
      };
    });
  }

  /**
   * A subscription that stops delivering while its session lives on: the server drops every
   * subscription of every session without telling the client, so no data and no keep-alive
   * reach it again. Returns how many were dropped.
   */
  stallSubscriptions(): number {
    let n = 0;
    for (const session of this.#server?.engine.getSessions() ?? []) {
      for (const sub of [...session.publishEngine.subscriptions]) {
        sub.terminate();
        n += 1;
      }
    }
    return n;
  }

  /** The server going away and coming back on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start(this.#port);
  }

  /** Drives one point (freezes the motion model of that car so the value stays). */
  set(pointId: string, value: number | boolean, elevator = this.#first()): void {
    const car = this.#car(elevator);
    car.frozen = true;
    switch (pointId as ElevatorPoint) {
      case 'position':
        car.position = Number(value);
        break;
      case 'floor':
        car.position = Number(value) * FLOOR_HEIGHT_M;
        break;
      case 'moving':
        car.moving = Boolean(value);
        if (!car.moving) car.speed = 0;
        break;
      case 'doorsClosed':
        car.doorsClosed = Boolean(value);
        break;
      case 'occupied':
        car.occupied = Boolean(value);
        break;
      case 'alarmButton':
        car.alarmButton = Boolean(value);
        break;
      case 'faultCode':
        car.faultCode = Number(value);
        break;
      case 'available':
        car.available = Boolean(value);
        break;
      case 'speed':
        car.speed = Number(value);
        break;
      case 'powerOn':
        car.powerOn = Boolean(value);
        break;
      case 'topLimit':
        car.overTravel = value ? 'top' : null;
        break;
      case 'bottomLimit':
        car.overTravel = value ? 'bottom' : null;
        break;
      case 'inDoorZone':
        // Door zone follows from the position; put the car between floors to leave it.
        car.position = value ? Math.round(car.position / FLOOR_HEIGHT_M) * FLOOR_HEIGHT_M : Math.floor(car.position / FLOOR_HEIGHT_M) * FLOOR_HEIGHT_M + FLOOR_HEIGHT_M / 2;
        break;
      default:
        throw new Error(`unknown elevator point ${pointId}`);
    }
    this.#publish(elevator);
  }

  /** Stops between floors with the doors closed and someone inside. */
  entrap(elevator = this.#first()): void {
    const car = this.#car(elevator);
    Object.assign(car, { frozen: true, runOpen: false, moving: false, speed: 0, doorsClosed: true, occupied: true, alarmButton: true });
    car.position = Math.floor(car.position / FLOOR_HEIGHT_M) * FLOOR_HEIGHT_M + FLOOR_HEIGHT_M / 2;
    this.#publish(elevator);
  }

  outOfService(code = 21, elevator = this.#first()): void {
    const car = this.#car(elevator);
    Object.assign(car, { frozen: true, runOpen: false, moving: false, speed: 0, faultCode: code, available: false, occupied: false, alarmButton: false });
    car.position = Math.round(car.position / FLOOR_HEIGHT_M) * FLOOR_HEIGHT_M;
    this.#publish(elevator);
  }

  /**
   * 冲顶 / 蹲底: the car runs past the top (or below the bottom) landing by half a metre and stops
   * there on its limit switch, doors closed, nobody inside (so no entrapment joins the over-travel).
   */
  overTravel(end: 'top' | 'bottom', elevator = this.#first()): void {
    const car = this.#car(elevator);
    const top = ((this.#o.floors ?? 20) - 1) * FLOOR_HEIGHT_M;
    Object.assign(car, { frozen: true, runOpen: false, moving: false, speed: 0, doorsClosed: true, occupied: false, alarmButton: false, overTravel: end });
    car.position = end === 'top' ? top + 0.5 : -0.5;
    this.#publish(elevator);
  }

  /**
   * 开门走梯: the car creeps off with its doors open at a re-levelling speed (0.3 m/s) toward the far
   * end of the shaft, and stops there. Slow and long on purpose: a subscription sampling every
   * second sees it at any scenario speed.
   */
  moveWithDoorsOpen(elevator = this.#first()): void {
    const car = this.#car(elevator);
    const floors = this.#o.floors ?? 20;
    const floor = Math.round(car.position / FLOOR_HEIGHT_M);
    const to = floor < floors / 2 ? floors - 1 : 0;
    Object.assign(car, { frozen: true, runOpen: true, moving: true, doorsClosed: false, overTravel: null, target: to * FLOOR_HEIGHT_M });
    car.position = floor * FLOOR_HEIGHT_M;
    this.#publish(elevator);
  }

  /** Back to normal service. */
  normal(elevator = this.#first()): void {
    const car = this.#car(elevator);
    Object.assign(car, { frozen: false, faultCode: 0, available: true, alarmButton: false, occupied: false, doorsClosed: false, moving: false, speed: 0, powerOn: true, overTravel: null, runOpen: false });
    car.position = Math.max(0, Math.min(((this.#o.floors ?? 20) - 1) * FLOOR_HEIGHT_M, Math.round(car.position / FLOOR_HEIGHT_M) * FLOOR_HEIGHT_M));
    car.target = car.position;
    this.#publish(elevator);
  }

  /** Makes a point report a bad status code (e.g. a sensor failure) until cleared with null. */
  badStatus(pointId: string, status: 'BadSensorFailure' | 'BadCommunicationError' | null, elevator = this.#first()): void {
    const key = `${elevator}.${pointId}`;
    if (status === null) this.#badStatus.delete(key);
    else this.#badStatus.set(key, status);
    this.#publish(elevator);
  }

  setGeneric(i: number, value: number): void {
    this.#vars.get(`Bench.V${i}`)?.setValueFromSource(new Variant({ dataType: DataType.Double, value }));
  }

  #first(): string {
    const first = this.#cars.keys().next();
    if (first.done === true) throw new Error('no elevator');
    return first.value;
  }

  #car(name: string): CarState {
    const c = this.#cars.get(name);
    if (c === undefined) throw new Error(`no elevator ${name}`);
    return c;
  }

  #step(): void {
    const random = this.#o.random ?? Math.random;
    const floors = this.#o.floors ?? 20;
    const tickS = (this.#o.tickMs ?? 500) / 1000;
    const step = (this.#o.ratedSpeedMps ?? 1.75) * tickS;
    for (const [name, car] of this.#cars) {
      if (car.runOpen) {
        this.#travel(car, CREEP_MPS * tickS, tickS);
        if (!car.moving) car.runOpen = false;
        this.#publish(name);
        continue;
      }
      if (car.frozen) continue;
      if (car.moving) {
        this.#travel(car, step, tickS);
        if (!car.moving) {
          car.doorsClosed = false;
          car.occupied = random() < 0.3;
        }
      } else if (random() < 0.1) {
        car.target = Math.floor(random() * floors) * FLOOR_HEIGHT_M;
        if (car.target !== car.position) {
          car.doorsClosed = true;
          car.moving = true;
          car.occupied = random() < 0.7;
        }
      }
      this.#publish(name);
    }
  }

  /** One tick of travel toward the target at the rated speed; stops on arrival. */
  #travel(car: CarState, step: number, tickS: number): void {
    const before = car.position;
    const dir = Math.sign(car.target - car.position);
    car.position += dir * Math.min(step, Math.abs(car.target - car.position));
    car.speed = (car.position - before) / tickS;
    if (Math.abs(car.target - car.position) < 0.01) {
      car.position = car.target;
      car.moving = false;
      car.speed = 0;
    }
  }

  #publishAll(): void {
    for (const name of this.#cars.keys()) this.#publish(name);
  }

  #publish(name: string): void {
    const car = this.#car(name);
    const floor = Math.round(car.position / FLOOR_HEIGHT_M);
    const inDoorZone = Math.abs(car.position - floor * FLOOR_HEIGHT_M) < 0.1;
    const values: Record<ElevatorPoint, number | boolean> = {
      position: Math.round(car.position * 100) / 100,
      floor,
      moving: car.moving,
      inDoorZone,
      doorsClosed: car.doorsClosed,
      occupied: car.occupied,
      alarmButton: car.alarmButton,
      faultCode: car.faultCode,
      available: car.available,
      speed: Math.round(car.speed * 100) / 100,
      powerOn: car.powerOn,
      topLimit: car.overTravel === 'top',
      bottomLimit: car.overTravel === 'bottom',
    };
    for (const p of ELEVATOR_POINTS) {
      const v = this.#vars.get(`${name}.${p}`);
      if (v === undefined) continue;
      const bad = this.#badStatus.get(`${name}.${p}`);
      const variant = new Variant({ dataType: POINTS[p].dataType, value: values[p] });
      v.setValueFromSource(variant, bad === undefined ? StatusCodes.Good : StatusCodes[bad]);
    }
  }
}

