import type { Clock, TimerHandle } from '../../core/clock.js';
import { normalAddress } from './config.js';
import { stackReceiver, type DeviceAddress, type StackReceiver } from './device-address.js';
import type { LinkFailure } from './link-point.js';
import type { NetworkLayer, SendPath } from './network-layer.js';
import { rejectReasonText } from './network-message.js';

interface Route {
  readonly router: string;
  /** From the site file: kept whatever routers say. Learned ones are forgotten when they fail. */
  readonly configured: boolean;
}

interface Search {
  readonly waiters: Array<(router: string | null) => void>;
  readonly timer: TimerHandle;
}

/**
 * Which router reaches which network: the site file's `router` where it names one, else learned
 * by asking Who-Is-Router-To-Network (6.4.1) and hearing I-Am-Router-To-Network (6.4.2). Devices
 * on one network share one question; a learned router that refuses a network
 * (Reject-Message-To-Network, 6.4.4) or stops answering is forgotten and asked for again.
 */
export class RouterTable {
  readonly #network: NetworkLayer;
  readonly #clock: Clock;
  readonly #path: SendPath;
  readonly #routes = new Map<number, Route>();
  readonly #searches = new Map<number, Search>();
  /** The last refusal per network, said in words, until a router is heard again for it. */
  readonly #rejections = new Map<number, string>();

  constructor(deps: { network: NetworkLayer; clock: Clock; broadcast: SendPath }) {
    this.#network = deps.network;
    this.#clock = deps.clock;
    this.#path = deps.broadcast;
    deps.network.on('i-am-router', (m) => this.#learn(m.router, m.networks));
    deps.network.on('reject', (m) => this.#reject(m.router, m.network, m.reason));
  }

  /** A router the site file names for a network. */
  configure(network: number, router: string): void {
    this.#routes.set(network, { router: normalAddress(router), configured: true });
  }

  /** The router to `network`; asks once if none is known, null if none answers within `timeoutMs`. */
  find(network: number, timeoutMs: number): Promise<string | null> {
    const known = this.#routes.get(network);
    if (known !== undefined) return Promise.resolve(known.router);
    return new Promise((resolve) => {
      const search = this.#searches.get(network);
      if (search !== undefined) {
        search.waiters.push(resolve);
        return;
      }
      const timer = this.#clock.setTimeout(() => this.#settle(network, null), timeoutMs);
      this.#searches.set(network, { waiters: [resolve], timer });
      this.#network.whoIsRouter(network, this.#path);
    });
  }

  /** A learned router to `network` that failed a device is forgotten: the next try asks again. */
  forget(network: number): void {
    if (this.#routes.get(network)?.configured === false) this.#routes.delete(network);
  }

  /** Why the last router refused `network`, if one did since a router was last heard for it. */
  rejection(network: number): string | null {
    return this.#rejections.get(network) ?? null;
  }

  /** Where a device's requests go: itself, or its router (found if need be) with DNET/DADR; else why not. */
  async receiverFor(where: DeviceAddress, timeoutMs: number): Promise<StackReceiver | LinkFailure> {
    if (where.route === null) return stackReceiver(where, '');
    const network = where.route.network;
    const router = await this.find(network, timeoutMs);
    if (router !== null) return stackReceiver(where, router);
    const asked = this.#path.via === 'bbmd' ? `through the BBMD ${this.#path.address}` : `on ${this.#path.address}`;
    return { code: 'GW_BACNET_NO_ROUTE', reason: this.rejection(network) ?? `no router to network ${network} answered Who-Is-Router-To-Network ${asked} within ${timeoutMs} ms; set the source's "router" if the site knows it` };
  }

  /**
   * A routed device stopped answering: a router that refused its network says more than the
   * silence that followed (6.4.4), and a learned router may be the one that failed, so the next
   * try asks again.
   */
  failed(where: DeviceAddress, f: LinkFailure): LinkFailure {
    if (where.route === null) return f;
    const refused = f.code === 'GW_BACNET_TIMEOUT' ? this.rejection(where.route.network) : null;
    this.forget(where.route.network);
    return refused === null ? f : { code: 'GW_BACNET_NO_ROUTE', reason: refused };
  }

  stop(): void {
    for (const network of [...this.#searches.keys()]) this.#settle(network, null);
  }

  #learn(router: string, networks: readonly number[]): void {
    for (const network of networks) {
      this.#rejections.delete(network);
      if (this.#routes.get(network)?.configured !== true) this.#routes.set(network, { router, configured: false });
      this.#settle(network, this.#routes.get(network)?.router ?? router);
    }
  }

  #reject(router: string, network: number, reason: number): void {
    this.#rejections.set(network, `router ${router} refused network ${network} (Reject-Message-To-Network, ${rejectReasonText(reason)})`);
    if (this.#routes.get(network)?.router === router) this.forget(network);
  }

  #settle(network: number, router: string | null): void {
    const search = this.#searches.get(network);
    if (search === undefined) return;
    this.#searches.delete(network);
    search.timer.cancel();
    for (const w of search.waiters) w(router);
  }
}
