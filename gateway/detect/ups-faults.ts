import type { Device } from '../config/site-schema.js';
import type { Bilingual } from '../../core/vocabulary.js';
import { asBool, asNumber, fmt, num, type CompiledRule, type DeviceView, type Params } from './fault-rule.js';
import { threshold } from './threshold-rule.js';

/**
 * The faults of a UPS (device kind `ups`), on the points of the UPS-MIB mapping (RFC 1628,
 * adapters/snmp/ups-mib.ts): any source that maps the same point ids (a Modbus or BACnet UPS) gets
 * them too. What each reads and its defaults: docs/faults.md.
 */

const S = 1000;

const name = (d: Device): Bilingual => ({ zh: d.name, en: d.nameEn ?? d.name });

/** upsOutputSource as the mapping reads it: `battery` is the UPS feeding the load from its battery, `none` nothing feeding it. */
function source(v: DeviceView): string | undefined {
  const s = v.value('outputSource');
  return typeof s === 'string' ? s : undefined;
}

/** On battery: the boolean point, or the output source itself (a UPS that maps only one of them). */
function onBattery(v: DeviceView): boolean | undefined {
  const s = source(v);
  if (s === 'battery') return true;
  const b = asBool(v.value('onBattery'));
  if (b !== undefined) return b;
  return s === undefined ? undefined : false;
}

/** upsBatteryStatus low(3) or depleted(4). */
const batteryLow = (v: DeviceView): boolean => v.value('batteryStatus') === 'low' || v.value('batteryStatus') === 'depleted';

/** "剩余约 4 分钟，电量 12%" from what the same answer said (unknown parts left out). */
export function batteryWords(v: DeviceView): Bilingual {
  const minutes = asNumber(v.value('runtimeMinutes'));
  const charge = asNumber(v.value('batteryChargePercent'));
  const depleted = v.value('batteryStatus') === 'depleted';
  const zh = [minutes === undefined ? '' : `剩余约 ${fmt(minutes, 0)} 分钟`, charge === undefined ? '' : `电量 ${fmt(charge, 0)}%`, depleted ? '电池耗尽' : ''].filter(Boolean).join('，');
  const en = [minutes === undefined ? '' : `about ${fmt(minutes, 0)} min of battery left`, charge === undefined ? '' : `charge ${fmt(charge, 0)} %`, depleted ? 'battery depleted' : ''].filter(Boolean).join(', ');
  return { zh, en };
}

/**
 * Mains out, for a UPS: on battery; or, when the UPS reads its input line, that line below half of
 * nominal; or nothing feeding the output with nothing saying mains are there. A UPS whose battery
 * ran flat and switched its output off (`none`) has not got mains back: this stays on, and the
 * load being unpowered is a fault of its own (ups-load-unpowered).
 */
export function upsMainsOut(v: DeviceView, p: Params): boolean | null {
  if (onBattery(v) === true) return true;
  const input = asNumber(v.value('inputVoltage'));
  if (input !== undefined) return input < num(p, 'nominalVolts', 220) * num(p, 'belowShare', 0.5);
  if (source(v) === 'none') return true;
  const b = onBattery(v);
  return b === undefined ? null : b;
}

export function upsPowerLossWords(d: Device, v: DeviceView): { title: Bilingual; description: Bilingual } {
  const battery = batteryWords(v);
  const what = source(v) === 'none' ? { zh: 'UPS 输出已中断（市电仍未恢复）', en: 'The UPS output is off and mains have not come back' } : { zh: 'UPS 已转电池供电（市电中断）', en: 'The UPS is running on battery (mains failed)' };
  return {
    title: { zh: `停电：${d.name}`, en: `Power loss: ${d.nameEn ?? d.name}` },
    description: { zh: `${what.zh}${battery.zh === '' ? '' : `，${battery.zh}`}`, en: `${what.en}${battery.en === '' ? '' : `; ${battery.en}`}` },
  };
}

export const UPS_FAULTS = {
  /** The output is off or fed by nothing while it should feed the load: everything behind the UPS is dark. */
  'ups-load-unpowered': (d: Device, p: Params): CompiledRule => ({
    fault: 'ups-load-unpowered',
    tier: 'emergency',
    skill: 'electrical',
    points: ['outputSource'],
    onDelayMs: num(p, 'onDelaySeconds', 0) * S,
    offDelayMs: num(p, 'offDelaySeconds', 10) * S,
    test: (v) => {
      const s = source(v);
      return s === undefined ? null : s === 'none';
    },
    describe: (v) => {
      const input = asNumber(v.value('inputVoltage'));
      const battery = batteryWords(v);
      return {
        title: { zh: `UPS 输出中断，负载断电：${name(d).zh}`, en: `UPS output off, load unpowered: ${name(d).en}` },
        description: {
          zh: `UPS 不再向负载供电${input === undefined ? '' : `，输入电压 ${fmt(input, 0)} V`}${battery.zh === '' ? '' : `，${battery.zh}`}`,
          en: `The UPS feeds its load no more${input === undefined ? '' : `; input ${fmt(input, 0)} V`}${battery.en === '' ? '' : `; ${battery.en}`}`,
        },
      };
    },
  }),
  /** On battery with little left: minutes before the load goes dark. */
  'ups-battery-low': (d: Device, p: Params): CompiledRule => {
    const below = num(p, 'runtimeBelowMinutes', 10);
    return {
      fault: 'ups-battery-low',
      tier: 'emergency',
      skill: 'electrical',
      points: ['onBattery', 'outputSource', 'runtimeMinutes', 'batteryStatus'],
      onDelayMs: num(p, 'onDelaySeconds', 0) * S,
      offDelayMs: num(p, 'offDelaySeconds', 30) * S,
      test: (v) => {
        // Still so once the output went off (`none`): the battery is flat, mains are still out.
        const discharging = onBattery(v) === true || source(v) === 'none';
        const minutes = asNumber(v.value('runtimeMinutes'));
        if (minutes === undefined && v.value('batteryStatus') === undefined) return null;
        return discharging && (batteryLow(v) || (minutes !== undefined && minutes < below));
      },
      describe: (v) => {
        const b = batteryWords(v);
        return {
          title: { zh: `UPS 电池即将耗尽：${name(d).zh}`, en: `UPS battery running out: ${name(d).en}` },
          description: { zh: `市电中断，UPS 电池供电，${b.zh || '电池低'}`, en: `Mains out, the UPS is on battery: ${b.en || 'battery low'}` },
        };
      },
    };
  },
  /** On mains, the battery would not carry the load: low or depleted, a failed self-test, a replace-battery flag, a charge that stays low. */
  'ups-battery-fault': (d: Device, p: Params): CompiledRule => {
    const lowCharge = num(p, 'chargeBelowPercent', 20);
    return {
      fault: 'ups-battery-fault',
      tier: 'general',
      skill: 'electrical',
      points: ['batteryStatus', 'selfTest', 'batteryBad', 'batteryChargePercent', 'onBattery', 'outputSource'],
      // A battery recharging after an outage reads low for a while: only a lasting state is a fault.
      onDelayMs: num(p, 'onDelaySeconds', 600) * S,
      offDelayMs: num(p, 'offDelaySeconds', 60) * S,
      test: (v) => {
        const battery = onBattery(v);
        if (battery === undefined) return null;
        if (battery || source(v) === 'none') return false;
        const charge = asNumber(v.value('batteryChargePercent'));
        const test = v.value('selfTest');
        return batteryLow(v) || test === 'error' || test === 'warning' || asBool(v.value('batteryBad')) === true || (charge !== undefined && charge < lowCharge);
      },
      describe: (v) => {
        const test = v.value('selfTest');
        const why: Bilingual =
          asBool(v.value('batteryBad')) === true ? { zh: 'UPS 提示更换电池', en: 'the UPS asks for its battery to be replaced' }
          : test === 'error' || test === 'warning' ? { zh: `电池自检${test === 'error' ? '失败' : '有警告'}`, en: `the battery self-test ${test === 'error' ? 'failed' : 'gave a warning'}` }
          : batteryLow(v) ? { zh: '市电供电下电池状态为低', en: 'the battery reads low on mains' }
          : { zh: `市电供电下电池电量仅 ${fmt(asNumber(v.value('batteryChargePercent')) ?? 0, 0)}%`, en: `the battery charge stays at ${fmt(asNumber(v.value('batteryChargePercent')) ?? 0, 0)} % on mains` };
        return { title: { zh: `UPS 电池故障：${name(d).zh}`, en: `UPS battery fault: ${name(d).en}` }, description: { zh: `${why.zh}：停电时可能无法带载`, en: `${why.en}: it may not carry the load in a power cut` } };
      },
    };
  },
  /** The load is fed straight from mains, unprotected (a fault or maintenance bypass). */
  'ups-bypass': (d: Device, p: Params): CompiledRule => ({
    fault: 'ups-bypass',
    tier: 'general',
    skill: 'electrical',
    points: ['outputSource'],
    onDelayMs: num(p, 'onDelaySeconds', 10) * S,
    offDelayMs: num(p, 'offDelaySeconds', 60) * S,
    test: (v) => (source(v) === undefined ? null : source(v) === 'bypass'),
    describe: () => ({ title: { zh: `UPS 旁路运行：${name(d).zh}`, en: `UPS on bypass: ${name(d).en}` }, description: { zh: 'UPS 处于旁路，负载直接由市电供电，停电时无保护', en: 'The UPS is on bypass: the load runs straight off mains, unprotected in a power cut' } }),
  }),
  'ups-overload': (d: Device, p: Params): CompiledRule =>
    threshold(p, {
      fault: 'ups-overload', tier: 'general', skill: 'electrical', point: 'outputLoadPercent', direction: 'above',
      limit: num(p, 'abovePercent', 100), hysteresis: num(p, 'hysteresisPercent', 5), onDelayS: 10, offDelayS: 60,
      words: (v, limit) => ({ title: { zh: `UPS 过载：${name(d).zh}`, en: `UPS overload: ${name(d).en}` }, description: { zh: `输出负载 ${fmt(v, 0)}%，超过 ${limit}%`, en: `Output load ${fmt(v, 0)} %, above ${limit} %` } }),
    }),
  'ups-battery-temperature': (d: Device, p: Params): CompiledRule =>
    threshold(p, {
      fault: 'ups-battery-temperature', tier: 'general', skill: 'electrical', point: 'batteryTemperature', direction: 'above',
      limit: num(p, 'aboveCelsius', 40), hysteresis: num(p, 'hysteresisCelsius', 2), onDelayS: 60, offDelayS: 300,
      words: (v, limit) => ({ title: { zh: `UPS 电池温度高：${name(d).zh}`, en: `UPS battery hot: ${name(d).en}` }, description: { zh: `电池温度 ${fmt(v, 0)} °C，高于 ${limit} °C`, en: `Battery at ${fmt(v, 0)} °C, above ${limit} °C` } }),
    }),
} as const;
