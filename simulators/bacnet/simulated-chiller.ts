import type { Clock, TimerHandle } from '../../core/clock.js';
import type { BacnetSource } from '../../adapters/bacnet/config.js';
import { OBJECT_TYPES } from '../../adapters/bacnet/object-types.js';
import { SimulatedBacnetDevice, type SimObjectSpec } from './simulated-bacnet-device.js';
import { AHU_OBJECTS, mapsAirHandler } from './simulated-air-handler.js';

/** Chiller modes (multi-state, 1-based as BACnet counts states). */
export const CHILLER_MODES = ['Off', 'Cooling', 'Free cooling', 'Maintenance'] as const;

/** The chiller's objects: what `npm run bacnet-discover` finds on it and the demo site maps. */
export const CHILLER_OBJECTS: readonly SimObjectSpec[] = [
  { objectType: 'analog-input', instance: 1, name: 'CHW supply temperature', units: 62, value: 7 },
  { objectType: 'analog-input', instance: 2, name: 'CHW return temperature', units: 62, value: 12 },
  { objectType: 'binary-input', instance: 1, name: 'Run status', value: true },
  { objectType: 'binary-input', instance: 2, name: 'Fault', value: false },
  { objectType: 'binary-input', instance: 3, name: 'Common alarm', value: false },
  { objectType: 'multi-state-value', instance: 1, name: 'Mode', states: CHILLER_MODES, value: 2 },
];

/** A chiller on 127.0.0.1; `refuseCov` makes it a polling-only device. */
export function simulatedChiller(o: { deviceInstance: number; name?: string; refuseCov?: boolean; clock?: Clock }): SimulatedBacnetDevice {
  return new SimulatedBacnetDevice({ deviceInstance: o.deviceInstance, name: o.name ?? `Chiller ${o.deviceInstance}`, objects: CHILLER_OBJECTS, ...(o.refuseCov === undefined ? {} : { refuseCov: o.refuseCov }), ...(o.clock === undefined ? {} : { clock: o.clock }) });
}

/**
 * The device a site file's BACnet source describes: the chiller's objects where the source maps
 * them, and any other object it maps (with a zero, inactive or first-state value).
 */
export function deviceForSource(id: string, src: BacnetSource, clock: Clock): SimulatedBacnetDevice {
  const objects: SimObjectSpec[] = [...CHILLER_OBJECTS, ...(mapsAirHandler(src.points) ? AHU_OBJECTS : [])];
  for (const p of src.points) {
    if (objects.some((o) => o.objectType === p.objectType && o.instance === p.instance)) continue;
    const kind = OBJECT_TYPES[p.objectType].kind;
    objects.push({ objectType: p.objectType, instance: p.instance, name: p.id, value: kind === 'binary' ? false : kind === 'multistate' ? 1 : 0 });
  }
  return new SimulatedBacnetDevice({ deviceInstance: src.deviceInstance, name: id, objects, clock });
}

/**
 * Short-cycling (the rule pack's chiller-short-cycling): the compressor starts, runs `onSeconds`,
 * stops for `offSeconds`, and starts again, until the handle is cancelled: its run status (binary
 * input 1) and mode follow, on the clock the device runs on (scenario time). A chiller oversized
 * for its load, or with a low-pressure trip resetting itself, looks like this.
 */
export function shortCycle(sim: SimulatedBacnetDevice, clock: Clock, o: { onSeconds?: number; offSeconds?: number } = {}): TimerHandle {
  const onMs = (o.onSeconds ?? 60) * 1000;
  const offMs = (o.offSeconds ?? 30) * 1000;
  let timer: TimerHandle | null = null;
  const run = (on: boolean): void => {
    sim.set('binary-input', 1, on);
    sim.set('multi-state-value', 1, on ? 2 : 1);
    timer = clock.setTimeout(() => run(!on), on ? onMs : offMs);
  };
  run(false);
  return {
    cancel: () => {
      timer?.cancel();
      sim.set('binary-input', 1, true);
      sim.set('multi-state-value', 1, 2);
    },
  };
}
