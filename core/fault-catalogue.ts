import { z } from 'zod';
import type { DeviceKind } from './vocabulary.js';

/**
 * The catalogue of built-in faults: their ids, the device kinds each reads, and which a device's own
 * events may raise. Facts only: the rules that judge them live in gateway/detect, and the site schema
 * and its checks read this list without loading the rules.
 */

/** The lift-monitoring events (GB/T 24476, the 96333 platforms) beside entrapment and out-of-service. */
const LIFT_EVENT_IDS = [
  'elevator-overtravel-top',
  'elevator-overtravel-bottom',
  'elevator-moving-doors-open',
  'elevator-overspeed',
  'elevator-stopped-outside-landing',
  'elevator-door-cycling',
  'elevator-unintended-movement',
  'elevator-power-lost',
] as const;

/** The built-in faults a device may tune or switch off (DESIGN "Built-in faults"). */
export const FaultId = z.enum([
  'water-leak',
  'burst-pipe',
  'sump-high-level',
  'pump-failure',
  'elevator-entrapment',
  'elevator-out-of-service',
  'power-loss',
  'overcurrent',
  'device-offline',
  'battery-low',
  'hvac-fault',
  'fire-panel-alarm',
  'fire-panel-fault',
  'ups-load-unpowered',
  'ups-battery-low',
  'ups-battery-fault',
  'ups-bypass',
  'ups-overload',
  'ups-battery-temperature',
  ...LIFT_EVENT_IDS,
]);
export type FaultId = z.infer<typeof FaultId>;

/** The device kinds each built-in fault reads (device-offline watches every device that can go quiet). */
export const FAULT_DEVICE_KINDS: Readonly<Record<Exclude<FaultId, 'device-offline'>, readonly DeviceKind[]>> = {
  'water-leak': ['leak-sensor'],
  'burst-pipe': ['pump', 'water-main'],
  'sump-high-level': ['sump'],
  'pump-failure': ['pump'],
  'elevator-entrapment': ['elevator'],
  'elevator-out-of-service': ['elevator'],
  'power-loss': ['power-meter', 'ups'],
  'overcurrent': ['power-meter'],
  'battery-low': ['leak-sensor', 'generic', 'sump'],
  'hvac-fault': ['hvac-unit'],
  'fire-panel-alarm': ['fire-panel'],
  'fire-panel-fault': ['fire-panel'],
  'ups-load-unpowered': ['ups'],
  'ups-battery-low': ['ups'],
  'ups-battery-fault': ['ups'],
  'ups-bypass': ['ups'],
  'ups-overload': ['ups'],
  'ups-battery-temperature': ['ups'],
  'elevator-overtravel-top': ['elevator'],
  'elevator-overtravel-bottom': ['elevator'],
  'elevator-moving-doors-open': ['elevator'],
  'elevator-overspeed': ['elevator'],
  'elevator-stopped-outside-landing': ['elevator'],
  'elevator-door-cycling': ['elevator'],
  'elevator-unintended-movement': ['elevator'],
  'elevator-power-lost': ['elevator'],
};

/** The faults a device's own event may raise (an event point's `raises`: a fire panel's FIRE, an elevator box's trapped). */
export const EVENT_FAULT_IDS = ['fire-panel-alarm', 'fire-panel-fault', 'elevator-entrapment', 'elevator-out-of-service'] as const satisfies readonly FaultId[];
export type EventFaultId = (typeof EVENT_FAULT_IDS)[number];

export const isEventFault = (f: string): f is EventFaultId => (EVENT_FAULT_IDS as readonly string[]).includes(f);

/** The elevator faults an elevator box's event code may raise (a device's `eventCodes`; docs/faults.md). */
export const ELEVATOR_FAULT_IDS = ['elevator-entrapment', ...LIFT_EVENT_IDS, 'elevator-out-of-service'] as const satisfies readonly FaultId[];
export type ElevatorFaultId = (typeof ELEVATOR_FAULT_IDS)[number];

export const isElevatorFault = (f: string): f is ElevatorFaultId => (ELEVATOR_FAULT_IDS as readonly string[]).includes(f);
