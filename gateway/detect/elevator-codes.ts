import { z } from 'zod';
import { ELEVATOR_FAULT_IDS, type ElevatorFaultId } from '../../core/fault-catalogue.js';
import { Identifier } from '../../core/schema-parts.js';

/**
 * An elevator box's event codes and the faults they raise (docs/faults.md, "Elevator event
 * codes"). Boxes on Chinese sites report the events of the lift remote-monitoring standard
 * (GB/T 24476) and the 96333 platforms as numbers; each vendor numbers them its own way, so the
 * table is the site's to set per device, and the default below is this gateway's own numbering
 * (its simulator's and the docs'), not a number the standard fixes.
 */

/** A code as the box sends it, matched as text (`4003` and `"4003"` are one code). */
const Code = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected a code of letters, digits, "-" or "_" (up to 32), such as "4003"');

const ElevatorFault = z.enum(ELEVATOR_FAULT_IDS, {
  error: (iss) => `expected one of the elevator faults (${ELEVATOR_FAULT_IDS.join(', ')}), got ${JSON.stringify(iss.input)}`,
});

/** The default numbering: 400x raises, 500x restores the fault of 400x, 0 is the box's "normal". */
export const DEFAULT_ELEVATOR_RAISES: Readonly<Record<string, ElevatorFaultId>> = {
  '4001': 'elevator-entrapment',
  '4002': 'elevator-stopped-outside-landing',
  '4003': 'elevator-overtravel-top',
  '4004': 'elevator-overtravel-bottom',
  '4005': 'elevator-moving-doors-open',
  '4006': 'elevator-overspeed',
  '4007': 'elevator-unintended-movement',
  '4008': 'elevator-door-cycling',
  '4009': 'elevator-power-lost',
  '4010': 'elevator-out-of-service',
};

export const DEFAULT_ELEVATOR_CLEARS: Readonly<Record<string, readonly ElevatorFaultId[]>> = {
  '0': ELEVATOR_FAULT_IDS,
  ...Object.fromEntries(Object.entries(DEFAULT_ELEVATOR_RAISES).map(([code, fault]) => [String(Number(code) + 1000), [fault]])),
};

/**
 * A device's event-code table: the point that carries the code (default `eventCode`), the codes
 * that raise a fault, the codes that end faults, and how long a raised fault lasts by itself for
 * boxes that send no restore. Omitted `raises` / `clears`: the default table.
 */
export const ElevatorEventCodes = z.strictObject({
  point: Identifier.default('eventCode'),
  raises: z.record(Code, ElevatorFault).optional(),
  clears: z.record(Code, z.array(ElevatorFault).min(1)).optional(),
  /** Seconds after its last raising code that a fault ends by itself (monotonic); omitted: only a clearing code ends it. */
  autoClearSeconds: z.number().positive().optional(),
});
export type ElevatorEventCodes = z.infer<typeof ElevatorEventCodes>;

/** The table a device uses: its own, or the default, for the point it names. */
export interface CodeTable {
  readonly point: string;
  readonly raises: Readonly<Record<string, ElevatorFaultId>>;
  readonly clears: Readonly<Record<string, readonly ElevatorFaultId[]>>;
  readonly autoClearMs: number | null;
}

export function codeTable(c: ElevatorEventCodes | undefined): CodeTable {
  return {
    point: c?.point ?? 'eventCode',
    raises: c?.raises ?? DEFAULT_ELEVATOR_RAISES,
    clears: c?.clears ?? DEFAULT_ELEVATOR_CLEARS,
    autoClearMs: c?.autoClearSeconds === undefined ? null : c.autoClearSeconds * 1000,
  };
}
