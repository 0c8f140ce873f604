import { silenceWindowMs as bacnetSilence } from '../../adapters/bacnet/config.js';
import { silenceWindowMs as httpSilence } from '../../adapters/http-push/config.js';
import { silenceWindowMs as modbusSilence } from '../../adapters/modbus/config.js';
import { silenceWindowMs as mqttSilence } from '../../adapters/mqtt/config.js';
import { silenceWindowMs as opcuaSilence } from '../../adapters/opcua/config.js';
import { silenceWindowMs as snmpSilence } from '../../adapters/snmp/config.js';
import type { Device } from '../config/site-schema.js';
import type { Tier } from '../../core/vocabulary.js';
import { FAULT_DEVICE_KINDS, type FaultId } from '../../core/fault-catalogue.js';
import { eventRule } from './event-faults.js';
import { elevatorCodeRule } from './elevator-code-rule.js';
import { ELEVATOR_SIGNAL_FAULTS } from './elevator-faults.js';
import { asBool, asNumber, fmt, num, type CompiledRule, type DeviceView, type Params } from './fault-rule.js';
import { threshold } from './threshold-rule.js';
import { UPS_FAULTS, upsMainsOut, upsPowerLossWords } from './ups-faults.js';

const S = 1000;

type Builder = (device: Device, p: Params) => CompiledRule | null;

const place = (d: Device): { zh: string; en: string } => ({ zh: d.location.description, en: d.location.descriptionEn ?? d.location.description });

/**
 * Whether the car has stood still with its doors closed for `ms` up to now, by the points'
 * history: the last sample of `moving` and `doorsClosed` at or before that instant, and every one
 * since, say so. Unknown that far back (detection started later, or no sample then): not yet.
 */
function stoodClosedFor(v: DeviceView, ms: number): boolean {
  const from = v.now - ms;
  if (from < v.startedAt) return false;
  const stopped = v.history('moving')?.heldSince(from, (x) => asBool(x) === false) ?? false;
  return stopped && (v.history('doorsClosed')?.heldSince(from, (x) => asBool(x) === true) ?? false);
}

/** A unit's fault or alarm point (true, or a non-zero code) for onDelaySeconds: one general hvac ticket. */
const hvacFault: { build: Builder } = {
  build: (d, p) => ({
    fault: 'hvac-fault',
    tier: 'general',
    skill: 'hvac',
    points: ['fault', 'alarm'],
    onDelayMs: num(p, 'onDelaySeconds', 10) * S,
    offDelayMs: num(p, 'offDelaySeconds', 60) * S,
    test: (v) => {
      const fault = onOrCode(v.value('fault'));
      const alarm = onOrCode(v.value('alarm'));
      if (fault === undefined && alarm === undefined) return null;
      return fault === true || alarm === true;
    },
    describe: (v) => {
      const fault = onOrCode(v.value('fault')) === true;
      const why = fault ? { zh: '机组报故障', en: 'the unit reports a fault' } : { zh: '机组报警', en: 'the unit reports an alarm' };
      return {
        title: { zh: `空调机组故障：${d.name}`, en: `HVAC unit fault: ${d.nameEn ?? d.name}` },
        description: { zh: `${place(d).zh}：${why.zh}，持续 ${fmt(num(p, 'onDelaySeconds', 10), 0)} 秒以上`, en: `${place(d).en}: ${why.en} for more than ${fmt(num(p, 'onDelaySeconds', 10), 0)} s` },
      };
    },
  }),
};

/** A fault/alarm point as a boolean: a binary point's state, or a code where 0 means none. */
function onOrCode(v: Parameters<typeof asBool>[0]): boolean | undefined {
  const b = asBool(v);
  if (b !== undefined) return b;
  const n = asNumber(v);
  return n === undefined ? undefined : n !== 0;
}

/** Each built-in fault (DESIGN "Built-in faults") and the defaults a device may override; its device kinds are in the catalogue. */
export const BUILTIN_FAULTS: Readonly<Record<Exclude<FaultId, 'device-offline'>, { build: Builder }>> = {
  'water-leak': {
    build: (d, p) => ({
      fault: 'water-leak',
      tier: 'emergency',
      skill: 'plumbing',
      points: ['wet'],
      onDelayMs: num(p, 'onDelaySeconds', 5) * S,
      offDelayMs: num(p, 'offDelaySeconds', 10) * S,
      test: (v) => asBool(v.value('wet')) ?? null,
      describe: () => ({
        title: { zh: `漏水：${d.name}`, en: `Water leak: ${d.nameEn ?? d.name}` },
        description: { zh: `${place(d).zh} 漏水传感器检测到积水，持续 ${fmt(num(p, 'onDelaySeconds', 5), 0)} 秒以上`, en: `The leak sensor at ${place(d).en} has been wet for more than ${fmt(num(p, 'onDelaySeconds', 5), 0)} s` },
      }),
    }),
  },
  'battery-low': {
    build: (d, p) =>
      d.battery
        ? threshold(p, {
            fault: 'battery-low', tier: 'low', skill: 'iot', point: 'battery', direction: 'below',
            limit: num(p, 'belowPercent', 15), hysteresis: num(p, 'hysteresisPercent', 5), onDelayS: 0, offDelayS: 60,
            words: (v, limit) => ({
              title: { zh: `电池电量低：${d.name}`, en: `Battery low: ${d.nameEn ?? d.name}` },
              description: { zh: `电池电量 ${fmt(v, 0)}%，低于 ${limit}%`, en: `Battery at ${fmt(v, 0)} %, below ${limit} %` },
            }),
          })
        : null,
  },
  'power-loss': {
    build: (d, p) => {
      const half = num(p, 'nominalVolts', 220) * num(p, 'belowShare', 0.5);
      const phases = ['voltageA', 'voltageB', 'voltageC'];
      return {
        fault: 'power-loss',
        tier: 'emergency',
        skill: 'electrical',
        points: d.kind === 'ups' ? ['onBattery', 'outputSource', 'inputVoltage'] : phases,
        // A UPS on battery is the UPS's own decision (it has already ridden through the dip it
        // tolerates), and its upsTrapOnBattery is the first word of a mains failure: raise at once.
        // A meter's phase voltage is a raw sample and keeps its 3 s. The trap and the polls feed
        // one point, onBattery, so a trap and the poll that confirms it are one alarm, one ticket.
        onDelayMs: num(p, 'onDelaySeconds', d.kind === 'ups' ? 0 : 3) * S,
        offDelayMs: num(p, 'offDelaySeconds', 10) * S,
        test: (v) => {
          if (d.kind === 'ups') return upsMainsOut(v, p);
          // Runs on every phase reading of every meter: a plain loop, no arrays made per reading.
          let known = false;
          for (const ph of phases) {
            const x = asNumber(v.value(ph));
            if (x === undefined) continue;
            if (x < half) return true;
            known = true;
          }
          return known ? false : null;
        },
        describe: (v) => {
          if (d.kind === 'ups') return upsPowerLossWords(d, v);
          const vs = phases.map((ph) => `${ph.slice(-1)} ${fmt(asNumber(v.value(ph)) ?? 0, 0)} V`).join(', ');
          return {
            title: { zh: `停电：${d.name}`, en: `Power loss: ${d.nameEn ?? d.name}` },
            description: { zh: `相电压低于额定值一半（${vs}）`, en: `Phase voltage below half of nominal (${vs})` },
          };
        },
      };
    },
  },
  overcurrent: {
    build: (d, p) =>
      threshold(p, {
        fault: 'overcurrent', tier: 'emergency', skill: 'electrical', point: 'current', direction: 'above',
        limit: num(p, 'tripAmps', 400), hysteresis: num(p, 'hysteresisAmps', 20), onDelayS: 2, offDelayS: 30,
        words: (v, limit) => ({
          title: { zh: `过流：${d.name}`, en: `Overcurrent: ${d.nameEn ?? d.name}` },
          description: { zh: `电流 ${fmt(v)} A，超过脱扣值 ${limit} A`, en: `Current ${fmt(v)} A above the trip level of ${limit} A` },
        }),
      }),
  },
  'sump-high-level': {
    build: (d, p) =>
      threshold(p, {
        fault: 'sump-high-level', tier: 'emergency', skill: 'plumbing', point: 'level', direction: 'above',
        limit: num(p, 'highLevel', 0.8), hysteresis: num(p, 'hysteresisLevel', 0.05), onDelayS: 10, offDelayS: 30,
        words: (v, limit) => ({
          title: { zh: `集水井高水位：${d.name}`, en: `Sump high level: ${d.nameEn ?? d.name}` },
          description: { zh: `水位 ${fmt(v, 2)} m，高于警戒水位 ${limit} m`, en: `Level ${fmt(v, 2)} m above the high mark of ${limit} m` },
        }),
      }),
  },
  'pump-failure': {
    build: (d, p) => ({
      fault: 'pump-failure',
      tier: d.supply === 'domestic' || d.supply === 'fire' ? 'emergency' : 'general',
      skill: 'plumbing',
      points: ['runCommand', 'running', 'faultCode'],
      onDelayMs: num(p, 'onDelaySeconds', 10) * S,
      offDelayMs: num(p, 'offDelaySeconds', 30) * S,
      test: (v) => {
        const code = asNumber(v.value('faultCode'));
        if (code !== undefined && code !== 0) return true;
        const cmd = asBool(v.value('runCommand'));
        const fb = asBool(v.value('running'));
        if (cmd === undefined || fb === undefined) return code === undefined ? null : false;
        // A pump that is off on purpose (no run command) is not a failure.
        return cmd && !fb;
      },
      describe: (v) => {
        const code = asNumber(v.value('faultCode')) ?? 0;
        const why =
          code !== 0
            ? { zh: `故障代码 ${code}${code === 3 ? '（干转）' : ''}`, en: `fault code ${code}${code === 3 ? ' (dry running)' : ''}` }
            : { zh: '有运行指令但无运行反馈', en: 'run command on but no run feedback' };
        return { title: { zh: `水泵故障：${d.name}`, en: `Pump failure: ${d.nameEn ?? d.name}` }, description: { zh: `${d.name}：${why.zh}`, en: `${d.nameEn ?? d.name}: ${why.en}` } };
      },
    }),
  },
  'burst-pipe': {
    build: (d, p) => {
      const windowMs = num(p, 'windowSeconds', 10) * S;
      const dropBar = num(p, 'pressureDropBar', 1.5);
      const lowBar = num(p, 'lowPressureBar', 1.5);
      const highFlow = num(p, 'highFlow', 30);
      /**
       * A sudden drop, once seen, holds while the pressure stays down. Comparing now with a window
       * ago alone saw a step drop (4.1 -> 0.6 bar in one reading) for less than the window, so a
       * 10 s on-delay never completed and a burst with the flow held raised nothing. Released once
       * the pressure has won back half the drop (a recovery), or once the flow falls by more than a
       * fifth (a pump that stopped: its pressure and flow fall together, whichever is read first).
       */
      let latched: { from: number; flowFrom: number } | null = null;
      const seen = (v: DeviceView) => {
        const before = v.history('pressure')?.numberAt(v.now - windowMs)?.value;
        const flowBefore = v.history('flow')?.numberAt(v.now - windowMs)?.value;
        return { before, now: asNumber(v.value('pressure')), flow: asNumber(v.value('flow')), flowBefore };
      };
      return {
        fault: 'burst-pipe',
        lookbackMs: windowMs,
        tier: 'emergency',
        skill: 'plumbing',
        points: ['pressure', 'flow'],
        onDelayMs: num(p, 'onDelaySeconds', 10) * S,
        offDelayMs: num(p, 'offDelaySeconds', 60) * S,
        test: (v) => {
          const c = seen(v);
          if (c.now === undefined) {
            latched = null;
            return null;
          }
          if (latched !== null && (c.now >= latched.from - dropBar / 2 || c.flow === undefined || c.flow < latched.flowFrom * 0.8)) latched = null;
          if (latched === null && c.before !== undefined && c.before - c.now >= dropBar) {
            // A pump that stops also loses pressure fast, but its flow falls with it; a burst pipe
            // loses pressure while the flow holds or rises.
            const flowHeld = c.flow !== undefined && c.flowBefore !== undefined && c.flow >= c.flowBefore;
            if (flowHeld) latched = { from: c.before, flowFrom: c.flowBefore ?? 0 };
          }
          const flowWithLowPressure = c.flow !== undefined && c.flow >= highFlow && c.now <= lowBar;
          return latched !== null || flowWithLowPressure;
        },
        describe: (v) => {
          const c = seen(v);
          const secs = fmt(windowMs / S, 0);
          const from = fmt(latched?.from ?? c.before ?? c.now ?? 0);
          const to = fmt(c.now ?? 0);
          const flow = fmt(c.flow ?? 0);
          const rose = latched === null || (c.flow ?? 0) > latched.flowFrom;
          return {
            title: { zh: `疑似爆管：${d.name}`, en: `Suspected burst pipe: ${d.nameEn ?? d.name}` },
            description: {
              zh: `压力在 ${secs} 秒内从 ${from} 降至 ${to} bar，流量${rose ? '升至' : '保持在'} ${flow} m3/h`,
              en: `Pressure fell from ${from} to ${to} bar in ${secs} s while flow ${rose ? 'rose to' : 'held at'} ${flow} m3/h`,
            },
          };
        },
      };
    },
  },
  'elevator-entrapment': {
    build: (d, p) => {
      const onDelayMs = num(p, 'onDelaySeconds', 30) * S;
      // At a landing, someone behind closed doors is normal for a moment (the car waits for its
      // next call); this long, the doors are not opening for them.
      const atLandingMs = Math.max(num(p, 'atLandingSeconds', 120) * S, onDelayMs);
      return {
        fault: 'elevator-entrapment',
        tier: 'emergency',
        skill: 'elevator',
        points: ['moving', 'inDoorZone', 'doorsClosed', 'occupied', 'alarmButton'],
        onDelayMs,
        offDelayMs: num(p, 'offDelaySeconds', 10) * S,
        // The stop at a landing is judged over the points' history (a sample at or before its
        // start is kept), also when no reading arrives.
        lookbackMs: atLandingMs,
        timeDriven: true,
        // Shown live on the engineering page while the on-delay confirms it (before the ticket).
        suspect: { zh: '疑似困人', en: 'Suspected entrapment' },
        test: (v) => {
          const moving = asBool(v.value('moving'));
          const zone = asBool(v.value('inDoorZone'));
          const closed = asBool(v.value('doorsClosed'));
          if (moving === undefined || zone === undefined || closed === undefined) return null;
          if (moving || !closed) return false;
          const occupied = asBool(v.value('occupied')) === true;
          const alarm = asBool(v.value('alarmButton')) === true;
          if (!occupied && !alarm) return false;
          // Outside a door zone, or the alarm button pressed: the on-delay alone confirms it.
          if (!zone || alarm) return true;
          // Stopped at a floor with doors open is normal service; with doors closed, only this long.
          return stoodClosedFor(v, atLandingMs - onDelayMs);
        },
        describe: (v) => {
          const floor = fmt(asNumber(v.value('floor')) ?? 0, 0);
          const bell = asBool(v.value('alarmButton')) === true;
          if (asBool(v.value('inDoorZone')) === true) {
            return {
              title: { zh: `电梯困人：${d.name}`, en: `Elevator entrapment: ${d.nameEn ?? d.name}` },
              description: {
                zh: `轿厢停在 ${floor} 层平层位置，门关闭未开，有人${bell ? '，警铃已按下' : `，已超过 ${fmt(atLandingMs / S / 60, 0)} 分钟`}`,
                en: `Car stopped at floor ${floor} with doors closed and not opening, occupied${bell ? ', alarm button pressed' : ` for more than ${fmt(atLandingMs / S / 60, 0)} min`}`,
              },
            };
          }
          return {
            title: { zh: `电梯困人：${d.name}`, en: `Elevator entrapment: ${d.nameEn ?? d.name}` },
            description: {
              zh: `轿厢停在平层区外（约 ${floor} 层附近），门关闭，有人${bell ? '，警铃已按下' : ''}`,
              en: `Car stopped outside a door zone near floor ${floor}, doors closed, occupied${bell ? ', alarm button pressed' : ''}`,
            },
          };
        },
      };
    },
  },
  'elevator-out-of-service': {
    build: (d, p) => ({
      fault: 'elevator-out-of-service',
      tier: 'general',
      skill: 'elevator',
      points: ['faultCode', 'available', 'occupied'],
      onDelayMs: num(p, 'onDelaySeconds', 5 * 60) * S,
      offDelayMs: num(p, 'offDelaySeconds', 30) * S,
      test: (v) => {
        const code = asNumber(v.value('faultCode'));
        const available = asBool(v.value('available'));
        if (code === undefined && available === undefined) return null;
        if (code !== undefined && code !== 0) return true;
        return available === false && asBool(v.value('occupied')) !== true;
      },
      describe: (v) => {
        const code = asNumber(v.value('faultCode')) ?? 0;
        return {
          title: { zh: `电梯停用：${d.name}`, en: `Elevator out of service: ${d.nameEn ?? d.name}` },
          description: code !== 0 ? { zh: `故障代码 ${code}`, en: `Fault code ${code}` } : { zh: '电梯不可用，轿厢内无人', en: 'Unavailable with no one inside' },
        };
      },
    }),
  },
  'hvac-fault': hvacFault,
  'ups-load-unpowered': { build: UPS_FAULTS['ups-load-unpowered'] },
  'ups-battery-low': { build: UPS_FAULTS['ups-battery-low'] },
  'ups-battery-fault': { build: UPS_FAULTS['ups-battery-fault'] },
  'ups-bypass': { build: UPS_FAULTS['ups-bypass'] },
  'ups-overload': { build: UPS_FAULTS['ups-overload'] },
  'ups-battery-temperature': { build: UPS_FAULTS['ups-battery-temperature'] },
  // Raised by the panel's own events (a point of kind `event` mapping codes to these faults).
  'fire-panel-alarm': { build: (d, p) => eventRule(d, 'fire-panel-alarm', p) },
  'fire-panel-fault': { build: (d, p) => eventRule(d, 'fire-panel-fault', p) },
  ...ELEVATOR_SIGNAL_FAULTS,
};

/** The rules that apply to one device: the built-ins of its kind with its overrides. */
export function rulesFor(device: Device): CompiledRule[] {
  const out: CompiledRule[] = [];
  for (const id of Object.keys(BUILTIN_FAULTS) as (keyof typeof BUILTIN_FAULTS)[]) {
    const def = BUILTIN_FAULTS[id];
    if (!FAULT_DEVICE_KINDS[id].includes(device.kind)) continue;
    const override = device.faults[id];
    if (override === false) continue;
    const points = new Set(device.source.points.map((p) => p.id));
    const params = (override ?? {}) as Params;
    // A pushed event that names the fault (an elevator cloud's "trapped") decides it instead of the sampled points.
    // So does an elevator box's event code (its `eventCodes` table, elevator-code-rule.ts).
    const rule = eventRule(device, id, params) ?? elevatorCodeRule(device, id, params) ?? def.build(device, params);
    if (rule === null) continue;
    // A rule only applies when the device actually has at least one of the points it needs.
    if (!rule.points.some((p) => points.has(p))) continue;
    out.push(rule);
  }
  return out;
}

/**
 * How long a device may stay silent before it is offline: the site's `windowSeconds`, else what its
 * protocol's adapter knows of it (adapters/<protocol>/config.ts: a heartbeat, three polls, none).
 *
 * device-offline is not a rule like the others: a rule judges the values a device sends, and this
 * judges their absence, which no reading arrives to trigger. The detection engine's sweep checks
 * it on elapsed time for every device at once (detection-engine.ts).
 */
export function offlineWindowMs(device: Device): number | null {
  const o = device.faults['device-offline'];
  if (o === false) return null;
  const override = o === undefined ? undefined : (o as Params)['windowSeconds'];
  if (typeof override === 'number') return override * S;
  const s = device.source;
  switch (s.protocol) {
    case 'mqtt':
      return mqttSilence(s);
    case 'modbus':
      return modbusSilence(s);
    case 'http':
      return httpSilence(s);
    case 'opcua':
      return opcuaSilence(s);
    case 'bacnet':
      return bacnetSilence(s);
    case 'snmp':
      return snmpSilence(s);
    default: {
      const never: never = s;
      return never;
    }
  }
}

export function offlineTier(device: Device): Tier {
  return device.battery ? 'low' : 'general';
}
