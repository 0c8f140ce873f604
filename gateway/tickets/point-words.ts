import type { Bilingual } from '../../core/vocabulary.js';

interface PointWords {
  readonly name: Bilingual;
  /** Words for a true / false reading (a wet sensor is "有积水", not "true"). */
  readonly states?: { readonly on: Bilingual; readonly off: Bilingual };
}

/**
 * What staff call the points of the built-in device kinds, in both languages, so an alert says
 * "压力 0.6 bar" rather than "pressure = 0.6". A point not listed here is named by its id.
 */
const POINTS: Readonly<Record<string, PointWords>> = {
  wet: { name: { zh: '积水', en: 'Water' }, states: { on: { zh: '有', en: 'present' }, off: { zh: '无', en: 'none' } } },
  pressure: { name: { zh: '压力', en: 'Pressure' } },
  flow: { name: { zh: '流量', en: 'Flow' } },
  level: { name: { zh: '水位', en: 'Level' } },
  current: { name: { zh: '电流', en: 'Current' } },
  voltageA: { name: { zh: 'A 相电压', en: 'Phase A voltage' } },
  voltageB: { name: { zh: 'B 相电压', en: 'Phase B voltage' } },
  voltageC: { name: { zh: 'C 相电压', en: 'Phase C voltage' } },
  battery: { name: { zh: '电量', en: 'Battery' } },
  running: { name: { zh: '运行反馈', en: 'Run feedback' }, states: { on: { zh: '运行', en: 'running' }, off: { zh: '停止', en: 'stopped' } } },
  runCommand: { name: { zh: '运行指令', en: 'Run command' }, states: { on: { zh: '启动', en: 'on' }, off: { zh: '停止', en: 'off' } } },
  faultCode: { name: { zh: '故障代码', en: 'Fault code' } },
  fault: { name: { zh: '故障', en: 'Fault' }, states: { on: { zh: '故障', en: 'fault' }, off: { zh: '正常', en: 'normal' } } },
  alarm: { name: { zh: '报警', en: 'Alarm' }, states: { on: { zh: '报警', en: 'alarm' }, off: { zh: '正常', en: 'normal' } } },
  onBattery: { name: { zh: '供电', en: 'Supply' }, states: { on: { zh: '电池', en: 'battery' }, off: { zh: '市电', en: 'mains' } } },
  // The UPS-MIB mapping's points (adapters/snmp/ups-mib.ts).
  outputSource: { name: { zh: '输出来源', en: 'Output source' } },
  batteryStatus: { name: { zh: '电池状态', en: 'Battery status' } },
  batteryChargePercent: { name: { zh: '电池电量', en: 'Battery charge' } },
  runtimeMinutes: { name: { zh: '剩余续航', en: 'Runtime left' } },
  secondsOnBattery: { name: { zh: '电池供电时长', en: 'Time on battery' } },
  inputVoltage: { name: { zh: '输入电压', en: 'Input voltage' } },
  outputLoadPercent: { name: { zh: '输出负载', en: 'Output load' } },
  alarmsPresent: { name: { zh: '告警数', en: 'Alarms present' } },
  batteryTemperature: { name: { zh: '电池温度', en: 'Battery temperature' } },
  selfTest: { name: { zh: '电池自检', en: 'Battery self-test' } },
  batteryBad: { name: { zh: '需更换电池', en: 'Replace battery' }, states: { on: { zh: '是', en: 'yes' }, off: { zh: '否', en: 'no' } } },
  temp: { name: { zh: '温度', en: 'Temperature' } },
  temperature: { name: { zh: '温度', en: 'Temperature' } },
  humidity: { name: { zh: '湿度', en: 'Humidity' } },
};

/** The site file's name for the point (`en` defaults to `zh`), else the built-in words, else its id. */
export function pointName(pointId: string, configured?: { readonly zh: string; readonly en?: string | undefined }): Bilingual {
  if (configured !== undefined) return { zh: configured.zh, en: configured.en ?? configured.zh };
  return POINTS[pointId]?.name ?? { zh: pointId, en: pointId };
}

/** Words for a true / false reading of a point, when the built-in words know them. */
export function pointStates(pointId: string): { readonly on: Bilingual; readonly off: Bilingual } | undefined {
  return POINTS[pointId]?.states;
}

/** A reading's value in words: `0.6` (with its unit elsewhere), `有` / `present`, `是` / `yes`. */
export function valueWords(pointId: string, value: number | boolean | string | null, known?: { readonly on: Bilingual; readonly off: Bilingual }): Bilingual {
  if (value === null) return { zh: '无读数', en: 'no reading' };
  if (typeof value === 'boolean') {
    const states = known ?? POINTS[pointId]?.states;
    if (states !== undefined) return value ? states.on : states.off;
    return value ? { zh: '是', en: 'yes' } : { zh: '否', en: 'no' };
  }
  if (typeof value === 'number') {
    const text = String(Math.round(value * 100) / 100);
    return { zh: text, en: text };
  }
  return { zh: value, en: value };
}
