import type { Device } from '../config/site-schema.js';
import type { Bilingual, Tier } from '../../core/vocabulary.js';
import type { FaultId } from '../../core/fault-catalogue.js';
import { asBool, asNumber, fmt, num, type CompiledRule, type DeviceView, type Params } from './fault-rule.js';

/**
 * The elevator events of the lift remote-monitoring standard (GB/T 24476) and the 96333 rescue
 * platforms, judged from the signals a lift controller gives (docs/faults.md, "Elevator faults").
 * An elevator box that reports the events as codes decides them instead (elevator-code-rule.ts).
 *
 * Points, by id: `moving` (the controller runs the car), `inDoorZone` (the car is in a landing's
 * door zone), `doorsClosed`, `occupied`, `alarmButton`, `floor`, `position` (m from the bottom
 * landing), `speed` (m/s), `powerOn` (main power present), `topLimit` / `bottomLimit` (the
 * over-travel limit switch above the top / below the bottom landing has tripped).
 */

const S = 1000;

type Builder = (device: Device, p: Params) => CompiledRule | null;
type ElevatorSignalFault =
  | 'elevator-overtravel-top'
  | 'elevator-overtravel-bottom'
  | 'elevator-moving-doors-open'
  | 'elevator-overspeed'
  | 'elevator-stopped-outside-landing'
  | 'elevator-door-cycling'
  | 'elevator-unintended-movement'
  | 'elevator-power-lost';

/** Tier and words of each elevator fault (the code rule uses them too). */
export const ELEVATOR_FAULT_WORDS: Readonly<Record<ElevatorSignalFault | 'elevator-entrapment' | 'elevator-out-of-service', { tier: Tier; title: Bilingual }>> = {
  'elevator-entrapment': { tier: 'emergency', title: { zh: '电梯困人', en: 'Elevator entrapment' } },
  'elevator-overtravel-top': { tier: 'emergency', title: { zh: '电梯冲顶', en: 'Elevator over-travel at the top' } },
  'elevator-overtravel-bottom': { tier: 'emergency', title: { zh: '电梯蹲底', en: 'Elevator over-travel at the bottom' } },
  'elevator-moving-doors-open': { tier: 'emergency', title: { zh: '电梯开门走梯', en: 'Elevator moving with doors open' } },
  'elevator-overspeed': { tier: 'emergency', title: { zh: '电梯超速', en: 'Elevator over-speed' } },
  'elevator-unintended-movement': { tier: 'emergency', title: { zh: '轿厢意外移动', en: 'Unintended car movement' } },
  'elevator-stopped-outside-landing': { tier: 'general', title: { zh: '电梯非平层停梯', en: 'Elevator stopped outside a landing zone' } },
  'elevator-door-cycling': { tier: 'general', title: { zh: '电梯反复开关门', en: 'Elevator door cycling' } },
  // General: with someone inside a car stopped between floors, elevator-entrapment raises the emergency.
  'elevator-power-lost': { tier: 'general', title: { zh: '电梯停电', en: 'Elevator power lost' } },
  'elevator-out-of-service': { tier: 'general', title: { zh: '电梯停用', en: 'Elevator out of service' } },
};

const nearFloor = (v: DeviceView): Bilingual => {
  const floor = asNumber(v.value('floor'));
  return floor === undefined ? { zh: '', en: '' } : { zh: `（约 ${fmt(floor, 0)} 层）`, en: ` (near floor ${fmt(floor, 0)})` };
};

/** One signal rule: its points, delays and condition; the title is the table's with the device's name. */
function signalRule(d: Device, fault: ElevatorSignalFault, o: { points: string[]; onDelayS: number; offDelayS: number; p: Params; test: CompiledRule['test']; why: (v: DeviceView) => Bilingual; lookbackMs?: number; timeDriven?: boolean }): CompiledRule {
  const meta = ELEVATOR_FAULT_WORDS[fault];
  return {
    fault,
    tier: meta.tier,
    skill: 'elevator',
    points: o.points,
    onDelayMs: num(o.p, 'onDelaySeconds', o.onDelayS) * S,
    offDelayMs: num(o.p, 'offDelaySeconds', o.offDelayS) * S,
    ...(o.lookbackMs === undefined ? {} : { lookbackMs: o.lookbackMs }),
    ...(o.timeDriven === true ? { timeDriven: true } : {}),
    test: o.test,
    describe: (v) => {
      const why = o.why(v);
      const at = nearFloor(v);
      return { title: { zh: `${meta.title.zh}：${d.name}`, en: `${meta.title.en}: ${d.nameEn ?? d.name}` }, description: { zh: `${why.zh}${at.zh}`, en: `${why.en}${at.en}` } };
    },
  };
}

/** A limit switch tripped, or the car's position past the landing by more than the margin. */
function overTravel(d: Device, p: Params, end: 'top' | 'bottom'): CompiledRule {
  const top = end === 'top';
  const limitPoint = top ? 'topLimit' : 'bottomLimit';
  // The top landing's height is the site's to give (no safe default); the bottom landing is 0 m unless set.
  const landing = top ? num(p, 'topLandingMeters', Number.NaN) : num(p, 'bottomLandingMeters', 0);
  const margin = num(p, 'overTravelMeters', 0.3);
  const past = (pos: number): boolean => (top ? pos > landing + margin : pos < landing - margin);
  return signalRule(d, top ? 'elevator-overtravel-top' : 'elevator-overtravel-bottom', {
    points: [limitPoint, 'position'],
    onDelayS: 0,
    offDelayS: 30,
    p,
    test: (v) => {
      const limit = asBool(v.value(limitPoint));
      const pos = Number.isNaN(landing) ? undefined : asNumber(v.value('position'));
      if (limit === undefined && pos === undefined) return null;
      return limit === true || (pos !== undefined && past(pos));
    },
    why: (v) => {
      const pos = asNumber(v.value('position'));
      const where = pos === undefined ? { zh: '', en: '' } : { zh: `，轿厢位置 ${fmt(pos, 2)} m`, en: `, car at ${fmt(pos, 2)} m` };
      return top
        ? { zh: `轿厢越过顶层平层位置${asBool(v.value(limitPoint)) === true ? '，上极限开关动作' : ''}${where.zh}`, en: `Car past the top landing${asBool(v.value(limitPoint)) === true ? ', top limit switch tripped' : ''}${where.en}` }
        : { zh: `轿厢越过底层平层位置${asBool(v.value(limitPoint)) === true ? '，下极限开关动作' : ''}${where.zh}`, en: `Car past the bottom landing${asBool(v.value(limitPoint)) === true ? ', bottom limit switch tripped' : ''}${where.en}` };
    },
  });
}

/** Closings of the doors since the car last ran, within the window (door cycling). */
function closingsSinceRun(v: DeviceView, windowMs: number): number {
  const from = v.now - windowMs;
  let lastRun = -Infinity;
  for (const s of v.history('moving')?.since(from) ?? []) if (s.quality === 'good' && asBool(s.value) === true) lastRun = s.ts;
  let closings = 0;
  let before: boolean | undefined;
  for (const s of v.history('doorsClosed')?.since(from) ?? []) {
    if (s.quality !== 'good') continue;
    const closed = asBool(s.value);
    if (closed === true && before === false && s.ts > lastRun) closings += 1;
    before = closed;
  }
  return closings;
}

export const ELEVATOR_SIGNAL_FAULTS: Readonly<Record<ElevatorSignalFault, { build: Builder }>> = {
  'elevator-overtravel-top': { build: (d, p) => overTravel(d, p, 'top') },
  'elevator-overtravel-bottom': { build: (d, p) => overTravel(d, p, 'bottom') },
  'elevator-moving-doors-open': {
    // The controller runs the car with its doors open outside the door zone; inside it, doors
    // opening while the car levels in is the pre-opening the standard allows.
    build: (d, p) =>
      signalRule(d, 'elevator-moving-doors-open', {
        points: ['moving', 'doorsClosed', 'inDoorZone'],
        onDelayS: 2,
        offDelayS: 10,
        p,
        test: (v) => {
          const moving = asBool(v.value('moving'));
          const closed = asBool(v.value('doorsClosed'));
          if (moving === undefined || closed === undefined) return null;
          return moving && !closed && asBool(v.value('inDoorZone')) !== true;
        },
        why: () => ({ zh: '轿厢运行中门未关闭，且不在平层区', en: 'The car runs with its doors open, outside the door zone' }),
      }),
  },
  'elevator-overspeed': {
    build: (d, p) => {
      const rated = num(p, 'ratedSpeedMps', 1.75);
      const limit = rated * num(p, 'overSpeedShare', 1.15);
      return signalRule(d, 'elevator-overspeed', {
        points: ['speed'],
        onDelayS: 1,
        offDelayS: 10,
        p,
        test: (v) => {
          const speed = asNumber(v.value('speed'));
          return speed === undefined ? null : Math.abs(speed) > limit;
        },
        why: (v) => {
          const speed = fmt(Math.abs(asNumber(v.value('speed')) ?? 0), 2);
          return { zh: `轿厢速度 ${speed} m/s，超过额定速度 ${fmt(rated, 2)} m/s 的 ${fmt(limit / rated * 100, 0)}%`, en: `Car speed ${speed} m/s, above ${fmt(limit / rated * 100, 0)} % of the rated ${fmt(rated, 2)} m/s` };
        },
      });
    },
  },
  'elevator-stopped-outside-landing': {
    // Nobody inside (or occupancy unknown): with someone inside it is elevator-entrapment's to raise;
    // with the power off, elevator-power-lost says why it stopped, and past a limit switch the over-travel.
    build: (d, p) =>
      signalRule(d, 'elevator-stopped-outside-landing', {
        points: ['moving', 'inDoorZone', 'occupied', 'alarmButton', 'powerOn', 'topLimit', 'bottomLimit'],
        onDelayS: 10,
        offDelayS: 10,
        p,
        test: (v) => {
          const moving = asBool(v.value('moving'));
          const zone = asBool(v.value('inDoorZone'));
          if (moving === undefined || zone === undefined) return null;
          const someone = asBool(v.value('occupied')) === true || asBool(v.value('alarmButton')) === true;
          const explained = asBool(v.value('powerOn')) === false || asBool(v.value('topLimit')) === true || asBool(v.value('bottomLimit')) === true;
          return !moving && !zone && !someone && !explained;
        },
        why: () => ({ zh: '轿厢停在平层区外，轿内无人', en: 'The car stopped outside a door zone with no one inside' }),
      }),
  },
  'elevator-door-cycling': {
    build: (d, p) => {
      const windowMs = num(p, 'windowSeconds', 60) * S;
      const cycles = num(p, 'cycles', 5);
      return signalRule(d, 'elevator-door-cycling', {
        points: ['doorsClosed', 'moving'],
        onDelayS: 0,
        offDelayS: 30,
        p,
        lookbackMs: windowMs,
        // The window slides on with no reading: the closings age out of it.
        timeDriven: true,
        test: (v) => {
          const moving = asBool(v.value('moving'));
          if (asBool(v.value('doorsClosed')) === undefined) return null;
          return moving !== true && closingsSinceRun(v, windowMs) >= cycles;
        },
        why: (v) => ({ zh: `${fmt(windowMs / S, 0)} 秒内门关闭 ${closingsSinceRun(v, windowMs)} 次而轿厢未运行`, en: `Doors closed ${closingsSinceRun(v, windowMs)} times in ${fmt(windowMs / S, 0)} s without the car running` }),
      });
    },
  },
  'elevator-unintended-movement': {
    // The controller does not run the car, its doors are open, and it leaves the door zone (or moves):
    // the unintended car movement the lift standards require a car to be stopped from.
    build: (d, p) =>
      signalRule(d, 'elevator-unintended-movement', {
        points: ['moving', 'doorsClosed', 'inDoorZone', 'speed'],
        onDelayS: 1,
        offDelayS: 30,
        p,
        test: (v) => {
          const moving = asBool(v.value('moving'));
          const closed = asBool(v.value('doorsClosed'));
          const zone = asBool(v.value('inDoorZone'));
          const speed = asNumber(v.value('speed'));
          if (moving === undefined || closed === undefined || (zone === undefined && speed === undefined)) return null;
          return !moving && !closed && (zone === false || (speed !== undefined && Math.abs(speed) > num(p, 'driftSpeedMps', 0.1)));
        },
        why: () => ({ zh: '轿厢未被驱动、门开着，却离开了平层区', en: 'The car left the door zone with its doors open while not driven' }),
      }),
  },
  'elevator-power-lost': {
    build: (d, p) =>
      signalRule(d, 'elevator-power-lost', {
        points: ['powerOn'],
        onDelayS: 3,
        offDelayS: 10,
        p,
        test: (v) => {
          const on = asBool(v.value('powerOn'));
          return on === undefined ? null : !on;
        },
        why: (v) => ({ zh: `电梯主电源断电${asBool(v.value('occupied')) === true ? '，轿内有人' : ''}`, en: `Main power of the elevator lost${asBool(v.value('occupied')) === true ? ', someone inside' : ''}` }),
      }),
  },
};

export const isElevatorSignalFault = (f: FaultId): f is ElevatorSignalFault => f in ELEVATOR_SIGNAL_FAULTS;
