import mqtt, { type MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../../core/clock.js';

export interface HeartbeatClientOptions {
  readonly brokerUrl: string;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly heartbeatMs: number;
  readonly clock: Clock;
  /** What the device says at connect and on every heartbeat. */
  readonly beat: () => Promise<void>;
}

/**
 * A simulated device's MQTT link: connected (reconnecting every half second), its state said at
 * once and on every heartbeat, and released at stop (timer and socket). The devices say what they
 * say; this is how they stay on the broker.
 */
export class HeartbeatClient {
  readonly #o: HeartbeatClientOptions;
  #client: MqttClient | null = null;
  #timer: TimerHandle | null = null;

  constructor(o: HeartbeatClientOptions) {
    this.#o = o;
  }

  /** The connected client, or null (not started, stopped, or between reconnects). */
  get connected(): MqttClient | null {
    const c = this.#client;
    return c !== null && c.connected ? c : null;
  }

  async start(): Promise<void> {
    if (this.#client !== null) return;
    const o = this.#o;
    this.#client = await mqtt.connectAsync(o.brokerUrl, {
      clientId: o.clientId,
      reconnectPeriod: 500,
      ...(o.username === undefined ? {} : { username: o.username }),
      ...(o.password === undefined ? {} : { password: o.password }),
    });
    this.#client.on('error', () => undefined);
    await o.beat();
    this.#timer = o.clock.setInterval(() => void o.beat().catch(() => undefined), o.heartbeatMs);
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = null;
    const c = this.#client;
    this.#client = null;
    if (c !== null) await c.endAsync(true);
  }
}
