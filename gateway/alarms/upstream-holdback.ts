import type { UpstreamChange, UpstreamStatus } from '../../core/adapter.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Device } from '../config/site-schema.js';
import { upstreamCondition, upstreamDeviceId, type FaultCondition } from '../detect/fault-conditions.js';

/** An upstream must stay down this long before it gets a ticket (as long as a device-offline window). */
const UPSTREAM_ON_DELAY_MS = 30_000;

interface HoldBackDeps {
  readonly clock: Clock;
  readonly devices: ReadonlyMap<string, Device>;
  /** Whether the device-offline alarm of an (upstream) device id is active in the store. */
  readonly activeAlarm: (deviceId: string) => boolean;
  /** Applies an upstream's condition as the alarm of a device standing for it. */
  readonly apply: (condition: FaultCondition, device: Device) => void;
}

/**
 * A shared upstream (a broker, a Modbus gateway, an SNMP agent) down: the device-offline alarms of
 * the devices behind it are held back at once, and one ticket for the upstream is raised if it
 * stays down for the on-delay (a blip raises nothing); back up, its alarm clears.
 */
export class UpstreamHoldBack {
  readonly #d: HoldBackDeps;
  /** Upstreams that are down, by id, with the devices behind them. */
  readonly #down = new Map<string, readonly string[]>();
  readonly #timers = new Map<string, TimerHandle>();

  constructor(d: HoldBackDeps) {
    this.#d = d;
  }

  /** device-offline of a device behind a failed upstream is held back: the upstream has the ticket. */
  holdsBack(c: FaultCondition): boolean {
    if (c.fault !== 'device-offline') return false;
    for (const ids of this.#down.values()) if (ids.includes(c.deviceId)) return true;
    return false;
  }

  change(change: UpstreamChange): void {
    const u = change.upstream;
    // A repeated "down" (every failed reconnect) must not restart the on-delay.
    if (!change.up && this.#down.has(u.id)) return;
    this.#timers.get(u.id)?.cancel();
    this.#timers.delete(u.id);
    if (change.up) {
      this.#down.delete(u.id);
      this.#apply(change);
      return;
    }
    this.#down.set(u.id, u.deviceIds);
    this.#timers.set(
      u.id,
      this.#d.clock.setTimeout(() => {
        this.#timers.delete(u.id);
        this.#apply(change);
      }, UPSTREAM_ON_DELAY_MS),
    );
  }

  /**
   * What the adapters say about their upstreams now. An upstream alarm restored active from the
   * store (this process never saw it go down, so it will never see an "up" change) clears once its
   * upstream is seen online, like a live one.
   */
  states(upstreams: readonly UpstreamStatus[]): void {
    for (const u of upstreams) {
      if (u.state !== 'online' || this.#down.has(u.id)) continue;
      if (!this.#d.activeAlarm(upstreamDeviceId(u)) || this.#timers.has(u.id)) continue;
      this.#apply({ upstream: u, up: true, ts: this.#d.clock.now() });
    }
  }

  stop(): void {
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
  }

  #apply(change: UpstreamChange): void {
    const u = change.upstream;
    const first = u.deviceIds.map((id) => this.#d.devices.get(id)).find((d) => d !== undefined);
    if (first === undefined) return;
    const device: Device = { ...first, id: upstreamDeviceId(u), name: `${u.kind} ${u.address}`, nameEn: `${u.kind} ${u.address}` };
    this.#d.apply(upstreamCondition(u, { active: !change.up, ts: change.ts, at: this.#d.clock.monotonic(), triggerTs: change.ts }), device);
  }
}
