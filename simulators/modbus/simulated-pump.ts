import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import { ModbusMultiUnitSimulator } from './multi-unit-simulator.js';
import type { UnitMemory } from './unit-memory.js';

/**
 * The demo domestic-water pump `pump-dw-1` (unit 1), register map exactly as in
 * config/demo-site.json:
 *   coil 0            runCommand  bool
 *   discrete input 0  running     bool (run feedback)
 *   holding 0         faultCode   uint16: 0 ok, 1 overload, 2 phase loss, 3 dry running
 *   input 0-1         pressure    float32, big-endian words, bar (~4.1 running)
 *   input 2-3         flow        float32, big-endian words, m3/h (~12 with a daily pattern)
 *   input 4           current     uint16, scale 0.1, A (~18 running, 0 stopped)
 */
export const PUMP_POINTS = ['runCommand', 'running', 'faultCode', 'pressure', 'flow', 'current'] as const;
export type PumpPointId = (typeof PUMP_POINTS)[number];

/**
 * normal: plausible values with small noise; failure: run command on, no feedback; burst: pressure
 * falls fast, flow rises; dry: the suction is lost (an empty break tank) and the pump runs dry:
 * run feedback on, no flow, the motor unloaded (about 40 % of its current), the outlet at the
 * riser's static pressure, and no fault code (a pump without dry-run protection).
 */
export type PumpMode = 'normal' | 'failure' | 'burst' | 'dry';

export interface SimulatedPumpOptions {
  readonly unitId?: number;
  readonly clock?: Clock;
  /** Model step. Default 200 ms. */
  readonly tickMs?: number;
  /** Noise amplitude as a fraction of the value. Default 0.01; 0 for exact values in tests. */
  readonly noise?: number;
  readonly random?: () => number;
  /** Share a gateway with other simulated units; by default the pump gets a server of its own. */
  readonly simulator?: ModbusMultiUnitSimulator;
}

const NOMINAL_PRESSURE = 4.1; // bar at the pump outlet, running
const STATIC_PRESSURE = 2.2; // bar the riser holds with the pump stopped
const NOMINAL_FLOW = 12; // m3/h, daily mean
const NOMINAL_CURRENT = 18; // A, running
const DRY_CURRENT = 0.4 * NOMINAL_CURRENT; // A, an impeller turning in air

export class SimulatedPump {
  readonly simulator: ModbusMultiUnitSimulator;
  readonly unitId: number;
  readonly #memory: UnitMemory;
  readonly #clock: Clock;
  readonly #tickMs: number;
  readonly #noise: number;
  readonly #random: () => number;
  readonly #pinned = new Map<PumpPointId, number | boolean>();
  #mode: PumpMode = 'normal';
  #pressure = NOMINAL_PRESSURE;
  #burstFlow = 0;
  #timer: TimerHandle | null = null;

  constructor(opts: SimulatedPumpOptions = {}) {
    this.unitId = opts.unitId ?? 1;
    this.simulator = opts.simulator ?? new ModbusMultiUnitSimulator();
    this.#clock = opts.clock ?? systemClock;
    this.#tickMs = opts.tickMs ?? 200;
    this.#noise = opts.noise ?? 0.01;
    this.#random = opts.random ?? Math.random;
    this.#memory = this.simulator.addUnit(this.unitId);
    this.#memory.setBits('coil', 0, [true]); // a domestic pump is commanded on by default
    this.#memory.onWrite = () => this.#step(); // react to a run command at once, not next tick
    this.#step();
  }

  get mode(): PumpMode {
    return this.#mode;
  }

  /** The pump's registers, for another transport to serve (an RTU slave on a serial line). */
  get memory(): UnitMemory {
    return this.#memory;
  }

  /** Starts the model and, unless shared, the Modbus server. Resolves with the port. */
  async start(port = 0): Promise<number> {
    this.startModel();
    return this.simulator.start(port);
  }

  async stop(): Promise<void> {
    this.stopModel();
    await this.simulator.stop();
  }

  /** Runs the model alone, for a pump served by something other than its TCP server. Idempotent. */
  startModel(): void {
    if (this.#timer === null) this.#timer = this.#clock.setInterval(() => this.#step(), this.#tickMs);
  }

  stopModel(): void {
    this.#timer?.cancel();
    this.#timer = null;
  }

  setMode(mode: PumpMode): void {
    this.#mode = mode;
    this.#burstFlow = 0;
    this.#step();
  }

  /** Drives one point to a value until release(); runCommand is written as the coil itself. */
  set(pointId: PumpPointId, value: number | boolean): void {
    if (pointId === 'runCommand') this.#memory.setBits('coil', 0, [value === true || value === 1]);
    else this.#pinned.set(pointId, value);
    this.#step();
  }

  release(pointId: PumpPointId): void {
    this.#pinned.delete(pointId);
    this.#step();
  }

  #jitter(v: number): number {
    return v * (1 + this.#noise * (this.#random() * 2 - 1));
  }

  /** Flow follows the day: low at night, peaks morning and evening around a 12 m3/h mean. */
  #dailyFlow(): number {
    const hours = (this.#clock.now() / 3_600_000) % 24;
    return NOMINAL_FLOW * (1 + 0.3 * Math.sin((2 * Math.PI * (hours - 9)) / 24) + 0.1 * Math.sin((4 * Math.PI * hours) / 24));
  }

  #step(): void {
    const command = this.#memory.getBit('coil', 0);
    const dt = this.#tickMs / 1000;
    let running = command && this.#mode !== 'failure';
    let pressure: number;
    let flow: number;
    if (this.#mode === 'burst') {
      // A burst main: pressure falls ~1 bar/s to a floor, flow climbs to about 3x baseline.
      this.#pressure = Math.max(0.4, this.#pressure - 1.0 * dt);
      this.#burstFlow = Math.min(2 * NOMINAL_FLOW, this.#burstFlow + 8 * dt);
      pressure = this.#pressure;
      flow = this.#dailyFlow() + this.#burstFlow;
    } else if (this.#mode === 'dry' && running) {
      this.#pressure = STATIC_PRESSURE;
      pressure = this.#jitter(STATIC_PRESSURE);
      flow = 0;
    } else {
      this.#pressure = running ? NOMINAL_PRESSURE : STATIC_PRESSURE;
      pressure = this.#jitter(this.#pressure);
      flow = running ? this.#jitter(this.#dailyFlow()) : 0;
    }
    let current = running ? this.#jitter(this.#mode === 'dry' ? DRY_CURRENT : NOMINAL_CURRENT) : 0;
    const pin = this.#pinned;
    if (pin.has('running')) running = pin.get('running') === true || pin.get('running') === 1;
    if (typeof pin.get('pressure') === 'number') pressure = pin.get('pressure') as number;
    if (typeof pin.get('flow') === 'number') flow = pin.get('flow') as number;
    if (typeof pin.get('current') === 'number') current = pin.get('current') as number;
    const faultCode = Number(pin.get('faultCode') ?? 0);
    const m = this.#memory;
    m.setBits('discrete-input', 0, [running]);
    m.setValue('holding-register', 0, 'uint16', faultCode);
    m.setValue('input-register', 0, 'float32', pressure);
    m.setValue('input-register', 2, 'float32', flow);
    m.setValue('input-register', 4, 'uint16', current, { scale: 0.1 });
  }
}
