import type { Device } from '../config/site-schema.js';
import { isElevatorFault, type FaultId } from '../../core/fault-catalogue.js';
import { codeTable } from './elevator-codes.js';
import { ELEVATOR_FAULT_WORDS } from './elevator-faults.js';
import { asNumber, fmt, num, type CompiledRule, type DeviceView, type Params } from './fault-rule.js';

const S = 1000;

/** The code as text: a box may send 4003 or "4003". */
const codeOf = (v: DeviceView, point: string): string | undefined => {
  const x = v.value(point);
  return typeof x === 'number' || typeof x === 'string' ? String(x) : undefined;
};

/**
 * An elevator fault raised by an elevator box's event code (its `eventCodes` table, or the
 * default one): on at once when a code mapped to it arrives, off at a clearing code (`0`, the
 * box's normal, or the fault's own restore) or `autoClearSeconds` after the last raising code.
 * The box has judged the event already (its own confirm time): no on-delay unless the device sets
 * one. Null when the device has no code point or no code of its table raises this fault; then the
 * signals decide (elevator-faults.ts).
 */
export function elevatorCodeRule(device: Device, fault: FaultId, p: Params): CompiledRule | null {
  if (device.kind !== 'elevator' || !isElevatorFault(fault)) return null;
  const table = codeTable(device.eventCodes);
  if (!device.source.points.some((pt) => pt.id === table.point)) return null;
  const raising = Object.entries(table.raises).filter(([, f]) => f === fault).map(([code]) => code);
  if (raising.length === 0) return null;
  const meta = ELEVATOR_FAULT_WORDS[fault];
  // Each arrival of the point is one event (a box repeating its state on a heartbeat re-raises it: no harm).
  let seen = 0;
  let latch: { on: boolean; code: string; at: number } | null = null;
  const update = (v: DeviceView): void => {
    const n = v.readings(table.point);
    const at = v.lastGoodTs(table.point);
    const code = codeOf(v, table.point);
    if (n === seen || at === undefined || code === undefined) return;
    seen = n;
    if (table.raises[code] === fault) latch = { on: true, code, at };
    else if (table.clears[code]?.includes(fault) === true) latch = { on: false, code, at };
  };
  const expired = (now: number): boolean => latch !== null && table.autoClearMs !== null && now - latch.at >= table.autoClearMs;
  return {
    fault,
    tier: meta.tier,
    skill: 'elevator',
    points: [table.point],
    onDelayMs: num(p, 'onDelaySeconds', 0) * S,
    offDelayMs: num(p, 'offDelaySeconds', 0) * S,
    timeDriven: table.autoClearMs !== null,
    test: (v) => {
      update(v);
      if (latch === null) return null;
      return latch.on && !expired(v.now);
    },
    describe: (v) => {
      const floor = asNumber(v.value('floor'));
      const code = latch?.code ?? '';
      const at = floor === undefined ? { zh: '', en: '' } : { zh: `，约 ${fmt(floor, 0)} 层`, en: `, near floor ${fmt(floor, 0)}` };
      return {
        title: { zh: `${meta.title.zh}：${device.name}`, en: `${meta.title.en}: ${device.nameEn ?? device.name}` },
        description: { zh: `电梯监测终端报告${meta.title.zh.replace(/^电梯/, '')}（代码 ${code}${at.zh}）`, en: `The elevator monitoring box reports: ${meta.title.en} (code ${code}${at.en})` },
      };
    },
  };
}
