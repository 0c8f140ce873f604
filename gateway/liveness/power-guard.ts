import type { Reading } from '../../core/reading.js';
import type { Logger } from '../../core/log.js';
import type { Bilingual } from '../../core/vocabulary.js';

/** The gateway's own UPS, as the site file marks it (`powersGateway`). */
export interface GatewayUps {
  readonly deviceId: string;
  readonly name: Bilingual;
  /** Minutes of run time left at which the gateway stops (`shutdownAtMinutes`, default 5). */
  readonly shutdownAtMinutes: number;
}

/** What the UPS said when the gateway decided to stop. */
export interface LowBattery {
  readonly runtimeMinutes: number | null;
  readonly chargePercent: number | null;
  readonly batteryStatus: string | null;
}

export const DEFAULT_SHUTDOWN_AT_MINUTES = 5;

/**
 * Watches the UPS the gateway's machine is plugged into. When it runs on battery and its battery is
 * low (upsBatteryStatus low or depleted, RFC 1628) or its estimated run time is under the site's
 * `shutdownAtMinutes`, it calls `onLow` once: the gateway tells everyone and stops cleanly before
 * the battery dies under it, instead of losing power in the middle of a write with nobody told.
 * It reads the ups-mib points by id, so a Modbus or BACnet UPS that maps the same ids works too.
 */
export class PowerGuard {
  readonly #ups: GatewayUps;
  readonly #log: Logger;
  readonly #onLow: (low: LowBattery) => void;
  #onBattery: boolean | null = null;
  #runtime: number | null = null;
  #charge: number | null = null;
  #battery: string | null = null;
  #fired = false;
  #seenMains = false;

  constructor(ups: GatewayUps, log: Logger, onLow: (low: LowBattery) => void) {
    this.#ups = ups;
    this.#log = log;
    this.#onLow = onLow;
  }

  get deviceId(): string {
    return this.#ups.deviceId;
  }

  /** Whether the UPS has read as on mains since the gateway started. */
  get seenMains(): boolean {
    return this.#seenMains;
  }

  /** One reading of the UPS device (the caller filters by device). */
  ingest(r: Reading): void {
    if (r.quality !== 'good') return;
    switch (r.pointId) {
      case 'onBattery':
        if (typeof r.value === 'boolean') this.#onBattery = r.value;
        break;
      case 'outputSource':
        if (typeof r.value === 'string') this.#onBattery = r.value === 'battery';
        break;
      case 'runtimeMinutes':
        if (typeof r.value === 'number') this.#runtime = r.value;
        break;
      case 'batteryChargePercent':
        if (typeof r.value === 'number') this.#charge = r.value;
        break;
      case 'batteryStatus':
        if (typeof r.value === 'string') this.#battery = r.value;
        break;
      default:
        return;
    }
    this.#judge();
  }

  #judge(): void {
    if (this.#onBattery === false) this.#seenMains = true;
    if (this.#fired || this.#onBattery !== true) return;
    const low = this.#battery === 'low' || this.#battery === 'depleted' || (this.#runtime !== null && this.#runtime < this.#ups.shutdownAtMinutes);
    if (!low) return;
    this.#fired = true;
    const facts = { runtimeMinutes: this.#runtime, chargePercent: this.#charge, batteryStatus: this.#battery };
    this.#log.error({ event: 'gateway.ups_low', code: 'GW_UPS_SHUTDOWN', deviceId: this.#ups.deviceId, ...facts, shutdownAtMinutes: this.#ups.shutdownAtMinutes }, `the UPS that feeds the gateway (${this.#ups.name.en}) is on battery and low: the gateway stops cleanly`);
    this.#onLow(facts);
  }
}

/** The GW_UPS_SHUTDOWN message: the gateway stops within `minutes`, and what the UPS said. */
export function upsShutdownWords(ups: GatewayUps, low: LowBattery, minutes: number): { title: Bilingual; detail: Bilingual } {
  return { title: { zh: `网关所在 UPS 电量低，网关 ${minutes} 分钟内停止`, en: `The gateway's UPS is low: the gateway stops within ${minutes} min` }, detail: lowBatteryWords(ups, low) };
}

/** "UPS B1 弱电机房：市电中断，电池剩余约 4 分钟，电量 12%，电池低" for the last alert. */
export function lowBatteryWords(ups: GatewayUps, low: LowBattery): Bilingual {
  const zh: string[] = [];
  const en: string[] = [];
  if (low.runtimeMinutes !== null) {
    zh.push(`电池剩余约 ${low.runtimeMinutes} 分钟`);
    en.push(`about ${low.runtimeMinutes} min of battery left`);
  }
  if (low.chargePercent !== null) {
    zh.push(`电量 ${low.chargePercent}%`);
    en.push(`charge ${low.chargePercent} %`);
  }
  if (low.batteryStatus === 'low' || low.batteryStatus === 'depleted') {
    zh.push(low.batteryStatus === 'low' ? '电池低' : '电池耗尽');
    en.push(`battery ${low.batteryStatus}`);
  }
  return { zh: `${ups.name.zh}：市电中断，${zh.join('，') || '电池低'}`, en: `${ups.name.en}: mains failed, ${en.join(', ') || 'battery low'}` };
}
