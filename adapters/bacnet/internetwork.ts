import type { Clock } from '../../core/clock.js';
import { normalAddress, type BacnetSite, type BacnetSource } from './config.js';
import { deviceAddress } from './device-address.js';
import { ForeignRegistration, type RegistrationState } from './foreign-registration.js';
import { NetworkLayer } from './network-layer.js';
import { RouterTable } from './router-table.js';
import type { UdpTransport } from './udp-transport.js';

export interface InternetworkOptions {
  readonly site: BacnetSite | undefined;
  readonly sources: readonly BacnetSource[];
  /** Retry backoff of a refused or silent registration. */
  readonly backoff: { readonly baseMs: number; readonly capMs: number };
}

/**
 * The gateway's place on the BACnet internetwork, beside the stack on its one socket: the
 * network layer, the routers to the networks of routed devices (the site file's, else asked for,
 * through the BBMD when there is one), and the foreign-device registration with that BBMD.
 */
export class Internetwork {
  readonly routes: RouterTable;
  readonly #network: NetworkLayer;
  readonly #registration: ForeignRegistration | null;

  private constructor(network: NetworkLayer, routes: RouterTable, registration: ForeignRegistration | null) {
    this.#network = network;
    this.routes = routes;
    this.#registration = registration;
  }

  /** Joins on the socket; register() before the devices start, so the first Who-Is-Router-To-Network goes through the BBMD. */
  static join(transport: UdpTransport, o: InternetworkOptions, deps: { clock: Clock; onRegistration: (s: RegistrationState) => void }): Internetwork {
    const network = new NetworkLayer(transport);
    const bbmd = o.site?.bbmd;
    const broadcast = bbmd === undefined ? { via: 'local' as const, address: normalAddress(o.site?.broadcastAddress ?? '255.255.255.255:47808') } : { via: 'bbmd' as const, address: normalAddress(bbmd.address) };
    const routes = new RouterTable({ network, clock: deps.clock, broadcast });
    for (const src of o.sources) {
      const route = deviceAddress(src).route;
      if (route !== null && route.router !== null) routes.configure(route.network, route.router);
    }
    const registration =
      bbmd === undefined ? null : new ForeignRegistration({ bbmd: bbmd.address, ttlSeconds: bbmd.ttlSeconds, timeoutMs: bbmd.timeoutMs, backoff: o.backoff }, { network, clock: deps.clock, onChange: deps.onRegistration });
    return new Internetwork(network, routes, registration);
  }

  /** One registration attempt with the BBMD, if there is one: resolves once it answered or timed out (then retried). */
  async register(): Promise<void> {
    await this.#registration?.start();
  }

  /** Stops re-registering (the BBMD drops the entry at its TTL), ends searches for routers, lets go of the socket. */
  leave(): void {
    this.#registration?.stop();
    this.routes.stop();
    this.#network.detach();
  }
}
