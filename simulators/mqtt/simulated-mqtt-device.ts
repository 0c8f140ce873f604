import { type Clock, systemClock } from '../../core/clock.js';
import { HeartbeatClient } from './heartbeat-client.js';
import { fillTopic } from '../../adapters/mqtt/topic-map.js';

export type SimValue = number | boolean | string;

/** How a point behaves when nobody drives it: a base value, noise, and a daily swing. */
export interface PointModel {
  readonly base: SimValue;
  readonly noise?: number;
  /** Peak-to-peak swing over a day (e.g. current higher in the afternoon). */
  readonly daily?: number;
}

export interface SimulatedMqttDeviceOptions {
  readonly deviceId: string;
  readonly brokerUrl: string;
  readonly username?: string;
  readonly password?: string;
  readonly topic?: string;
  readonly points: Readonly<Record<string, PointModel>>;
  /** Re-publish every point this often (the device's heartbeat). */
  readonly heartbeatMs: number;
  readonly clock?: Clock;
  readonly random?: () => number;
}

/** Leak sensors (wet, battery) and power meters (voltageA/B/C, current) as the demo site has them. */
export const LEAK_SENSOR_POINTS: Readonly<Record<string, PointModel>> = { wet: { base: false }, battery: { base: 92, noise: 0.2 } };
export const POWER_METER_POINTS: Readonly<Record<string, PointModel>> = {
  voltageA: { base: 221, noise: 1.5 },
  voltageB: { base: 220, noise: 1.5 },
  voltageC: { base: 222, noise: 1.5 },
  current: { base: 120, noise: 4, daily: 80 },
};

/**
 * A device that speaks MQTT to the gateway's broker (or an external one) with its own
 * credentials, publishing `{"value": ..., "ts": ...}` JSON on `site/{deviceId}/{pointId}`.
 * Driven values (`set`) stay until `release`; `silence` stops it talking (device offline).
 */
export class SimulatedMqttDevice {
  readonly deviceId: string;
  readonly #o: SimulatedMqttDeviceOptions;
  readonly #clock: Clock;
  readonly #driven = new Map<string, SimValue>();
  readonly #link: HeartbeatClient;
  #silent = false;

  constructor(o: SimulatedMqttDeviceOptions) {
    this.deviceId = o.deviceId;
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#link = new HeartbeatClient({ ...o, clientId: `sim-${o.deviceId}`, clock: this.#clock, beat: () => this.publishAll() });
  }

  async start(): Promise<void> {
    await this.#link.start();
  }

  async stop(): Promise<void> {
    await this.#link.stop();
  }


  /** Drives a point and publishes it at once. */
  async set(pointId: string, value: SimValue): Promise<void> {
    this.#driven.set(pointId, value);
    await this.#publish(pointId, value);
  }

  release(pointId: string): void {
    this.#driven.delete(pointId);
  }

  silence(): void {
    this.#silent = true;
  }

  resume(): void {
    this.#silent = false;
    void this.publishAll().catch(() => undefined);
  }

  value(pointId: string): SimValue | undefined {
    const driven = this.#driven.get(pointId);
    if (driven !== undefined) return driven;
    const m = this.#o.points[pointId];
    if (m === undefined) return undefined;
    if (typeof m.base !== 'number') return m.base;
    const random = this.#o.random ?? Math.random;
    const hour = (this.#clock.now() / 3_600_000) % 24;
    const daily = m.daily === undefined ? 0 : (m.daily / 2) * Math.sin(((hour - 9) / 24) * 2 * Math.PI);
    return Math.round((m.base + daily + (random() - 0.5) * 2 * (m.noise ?? 0)) * 100) / 100;
  }

  async publishAll(): Promise<void> {
    for (const p of Object.keys(this.#o.points)) {
      const v = this.value(p);
      if (v !== undefined) await this.#publish(p, v);
    }
  }

  async #publish(pointId: string, value: SimValue): Promise<void> {
    const c = this.#link.connected;
    if (c === null || this.#silent) return;
    const topic = fillTopic(this.#o.topic ?? 'site/{deviceId}/{pointId}', this.deviceId, pointId);
    await c.publishAsync(topic, JSON.stringify({ value, ts: this.#clock.now() }), { qos: 1 });
  }
}
