import type { UpstreamStatus } from '../../core/adapter.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { ModbusSource } from './config.js';
import { ModbusConnection } from './connection.js';
import type { ModbusTarget } from './modbus-client.js';

export interface PoolOptions {
  readonly clock: Clock;
  readonly log: Logger;
  readonly connectTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly backoff: { readonly baseMs: number; readonly capMs: number };
  readonly onUpstreamChange: (status: UpstreamStatus, up: boolean) => void;
}

export function targetOf(source: ModbusSource): ModbusTarget {
  const t = source.transport;
  if (t.type === 'tcp') return { kind: 'tcp', host: t.host, port: t.port };
  return { kind: 'rtu', path: t.path, baudRate: t.baudRate, parity: t.parity, dataBits: t.dataBits, stopBits: t.stopBits };
}

/** TCP gateways are keyed by host:port, serial lines by device path: one owner per key. */
function keyOf(t: ModbusTarget): string {
  return t.kind === 'tcp' ? `tcp:${t.host}:${t.port}` : `rtu:${t.path}`;
}

/**
 * Hands out shared connection owners. Devices on the same gateway or serial line get the same
 * one; it opens with its first device and closes when its last device lets go.
 */
export class ConnectionPool {
  readonly #opts: PoolOptions;
  readonly #byKey = new Map<string, ModbusConnection>();

  constructor(opts: PoolOptions) {
    this.#opts = opts;
  }

  acquire(deviceId: string, source: ModbusSource): ModbusConnection {
    const target = targetOf(source);
    const key = keyOf(target);
    let conn = this.#byKey.get(key);
    if (conn === undefined) {
      conn = new ModbusConnection(target, {
        clock: this.#opts.clock,
        log: this.#opts.log,
        connectTimeoutMs: this.#opts.connectTimeoutMs,
        closeTimeoutMs: this.#opts.closeTimeoutMs,
        backoff: this.#opts.backoff,
        onUpstreamChange: this.#opts.onUpstreamChange,
      });
      this.#byKey.set(key, conn);
    } else if (target.kind === 'rtu' && conn.target.kind === 'rtu' && conn.target.baudRate !== target.baudRate) {
      // One line has one speed: the first device's settings win, the clash is worth a warning.
      this.#opts.log.warn({ event: 'modbus.serial_settings_differ', deviceId, path: target.path }, 'modbus devices on one serial line disagree on serial settings; using the first');
    }
    conn.acquire(deviceId);
    return conn;
  }

  /** The last device to let go closes the link; resolves once it is closed (bounded). */
  release(deviceId: string, conn: ModbusConnection): Promise<void> {
    if (!conn.release(deviceId)) return Promise.resolve();
    for (const [key, c] of this.#byKey) if (c === conn) this.#byKey.delete(key);
    return conn.close();
  }

  connections(): ModbusConnection[] {
    return [...this.#byKey.values()];
  }
}
