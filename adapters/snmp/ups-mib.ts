import type { SnmpPointInput } from './point-schema.js';

/**
 * UPS-MIB (RFC 1628), the MIB every networked UPS card serves. `mapping: 'ups-mib'` on an SNMP
 * source gives a device of kind `ups` these points, ready for the built-in power-loss fault.
 */
const UPS_MIB = '1.3.6.1.2.1.33';

export const UPS_OID = {
  /** upsBatteryStatus: unknown(1), batteryNormal(2), batteryLow(3), batteryDepleted(4). */
  batteryStatus: `${UPS_MIB}.1.2.1.0`,
  /** upsSecondsOnBattery: 0 while on mains. */
  secondsOnBattery: `${UPS_MIB}.1.2.2.0`,
  /** upsEstimatedMinutesRemaining. */
  runtimeMinutes: `${UPS_MIB}.1.2.3.0`,
  /** upsEstimatedChargeRemaining, percent. */
  batteryChargePercent: `${UPS_MIB}.1.2.4.0`,
  /** upsBatteryTemperature, degrees Celsius. */
  batteryTemperature: `${UPS_MIB}.1.2.7.0`,
  /** upsInputVoltage.1 (RMS volts of the first input line). */
  inputVoltage: `${UPS_MIB}.1.3.3.1.3.1`,
  /** upsOutputSource: other(1), none(2), normal(3), bypass(4), battery(5), booster(6), reducer(7). */
  outputSource: `${UPS_MIB}.1.4.1.0`,
  /** upsOutputPercentLoad.1. */
  outputLoadPercent: `${UPS_MIB}.1.4.4.1.5.1`,
  /** upsAlarmsPresent: the number of rows in upsAlarmTable. */
  alarmsPresent: `${UPS_MIB}.1.6.1.0`,
  /** upsTestResultsSummary: donePass(1), doneWarning(2), doneError(3), aborted(4), inProgress(5), noTestsInitiated(6). */
  selfTest: `${UPS_MIB}.1.7.3.0`,
} as const;

/** upsOutputSource battery(5). */
export const OUTPUT_SOURCE_BATTERY = 5;

/** RFC 1628 upsTraps (upsTrapOnBattery is the one that means mains failed). */
export const UPS_TRAP = {
  onBattery: `${UPS_MIB}.2.0.1`,
  testCompleted: `${UPS_MIB}.2.0.2`,
  alarmEntryAdded: `${UPS_MIB}.2.0.3`,
  alarmEntryRemoved: `${UPS_MIB}.2.0.4`,
} as const;

/** SNMPv2-MIB snmpTrapOID.0: the second varbind of every v2c/v3 notification names the trap. */
export const SNMP_TRAP_OID = '1.3.6.1.6.3.1.1.4.1.0';

export const UPS_MIB_POINTS: readonly SnmpPointInput[] = [
  { id: 'onBattery', oid: UPS_OID.outputSource, type: 'integer', map: { [String(OUTPUT_SOURCE_BATTERY)]: true }, otherwise: false },
  { id: 'outputSource', oid: UPS_OID.outputSource, type: 'integer', map: { '1': 'other', '2': 'none', '3': 'normal', '4': 'bypass', '5': 'battery', '6': 'booster', '7': 'reducer' } },
  { id: 'batteryStatus', oid: UPS_OID.batteryStatus, type: 'integer', map: { '1': 'unknown', '2': 'normal', '3': 'low', '4': 'depleted' } },
  { id: 'batteryChargePercent', oid: UPS_OID.batteryChargePercent, type: 'integer', unit: '%' },
  { id: 'runtimeMinutes', oid: UPS_OID.runtimeMinutes, type: 'integer', unit: 'min' },
  { id: 'secondsOnBattery', oid: UPS_OID.secondsOnBattery, type: 'integer', unit: 's' },
  { id: 'inputVoltage', oid: UPS_OID.inputVoltage, type: 'integer', unit: 'V' },
  { id: 'outputLoadPercent', oid: UPS_OID.outputLoadPercent, type: 'integer', unit: '%' },
  { id: 'alarmsPresent', oid: UPS_OID.alarmsPresent, type: 'gauge32' },
  { id: 'batteryTemperature', oid: UPS_OID.batteryTemperature, type: 'integer', unit: '°C' },
  { id: 'selfTest', oid: UPS_OID.selfTest, type: 'integer', map: { '1': 'pass', '2': 'warning', '3': 'error', '4': 'aborted', '5': 'in-progress', '6': 'none' } },
];
