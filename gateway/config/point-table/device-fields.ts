import { boolean, json, number, text } from './cell-codec.js';
import { at, type Field } from './field.js';

/**
 * What every device has whatever its protocol (gateway/config/site-schema.ts, `Device` and
 * `Location`), in the order of the schema. Fault overrides and custom rules are JSON, as the
 * site file writes them (docs/faults.md): the table carries them so a device recreated from it
 * detects what it did.
 */
export const DEVICE_FIELDS: readonly Field[] = [
  at('deviceKind', ['kind'], text),
  at('deviceName', ['name'], text),
  at('deviceNameEn', ['nameEn'], text),
  at('building', ['location', 'building'], text),
  at('floor', ['location', 'floor'], text),
  at('locationUnit', ['location', 'unit'], text),
  at('place', ['location', 'description'], text),
  at('placeEn', ['location', 'descriptionEn'], text),
  at('publicArea', ['location', 'publicArea'], boolean),
  at('skill', ['skill'], text),
  at('supply', ['supply'], text),
  at('battery', ['battery'], boolean),
  at('fedBy', ['fedBy'], text),
  at('powersGateway', ['powersGateway'], boolean),
  at('shutdownAtMinutes', ['shutdownAtMinutes'], number),
  at('standby', ['standby'], text),
  at('eventCodes', ['eventCodes'], json),
  at('faults', ['faults'], json),
  at('rules', ['rules'], json),
  at('stateRules', ['stateRules'], json),
];
