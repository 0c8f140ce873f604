import type { SimulatedBacnetDevice, SimObjectSpec } from './simulated-bacnet-device.js';

/**
 * An air handler's cooling coil as a BMS controller serves it over BACnet: the objects a site
 * maps for the rule pack's coil rules (valve-leaking, supply-air-off-setpoint,
 * simultaneous-heating-cooling, sensor-stuck). A BACnet device whose site-file source maps any of
 * these objects gets all of them (simulated-chiller.ts, deviceForSource).
 *
 * Normal: the fan runs, the cooling valve is 35 % open and the coil cools the mixed air from 26 to
 * 19 °C, on its setpoint; the heating valve is shut.
 */
export const AHU_OBJECTS: readonly SimObjectSpec[] = [
  { objectType: 'analog-input', instance: 11, name: 'Mixed air temperature', units: 62, value: 26 },
  { objectType: 'analog-input', instance: 12, name: 'Supply air temperature', units: 62, value: 19 },
  { objectType: 'binary-input', instance: 11, name: 'Supply fan status', value: true },
  { objectType: 'analog-value', instance: 11, name: 'Cooling valve position', units: 98, value: 35 },
  { objectType: 'analog-value', instance: 12, name: 'Heating valve position', units: 98, value: 0 },
  { objectType: 'analog-value', instance: 13, name: 'Supply air temperature setpoint', units: 62, value: 19 },
];

/** Whether a site file's source maps an object of the air handler. */
export const mapsAirHandler = (points: readonly { objectType: string; instance: number }[]): boolean => points.some((p) => AHU_OBJECTS.some((o) => o.objectType === p.objectType && o.instance === p.instance));

/**
 * A leaking cooling valve: the controller has shut it (position 0 %), yet chilled water still
 * passes and the air leaving the coil is `dropC` colder than the air entering it.
 */
export function valveLeak(sim: SimulatedBacnetDevice, dropC = 4): void {
  const entering = Number(sim.get('analog-input', 11));
  sim.set('analog-value', 11, 0);
  sim.set('analog-input', 12, entering - dropC);
  // The controller sees its setpoint met and keeps the valve shut: the leak does the cooling.
  sim.set('analog-value', 13, entering - dropC);
}

/** Back to the normal coil (valve 35 %, 26 -> 19 °C on a 19 °C setpoint). */
export function airHandlerNormal(sim: SimulatedBacnetDevice): void {
  for (const o of AHU_OBJECTS) sim.set(o.objectType, o.instance, o.value);
}
