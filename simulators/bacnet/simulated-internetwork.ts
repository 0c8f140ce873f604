import type { Clock } from '../../core/clock.js';
import type { SiteConfig } from '../../gateway/config/site-schema.js';
import type { BacnetSite, BacnetSource } from '../../adapters/bacnet/config.js';
import { deviceAddress } from '../../adapters/bacnet/device-address.js';
import type { SimulatedBacnetDevice } from './simulated-bacnet-device.js';
import { SimulatedBbmd } from './simulated-bbmd.js';
import { deviceForSource } from './simulated-chiller.js';
import { SimulatedRouter } from './simulated-router.js';

export interface SimulatedBacnetEntry {
  readonly sim: SimulatedBacnetDevice;
  readonly src: BacnetSource;
}

/**
 * The BACnet side of a simulated site, as the site file draws it: a device simulator per BACnet
 * device, on its own port when the file gives an address; for devices given by network and MAC,
 * a router per network with the devices as its MS/TP stations; and the BBMD the file names, with
 * the routers on its subnet. `siteFor()` is the file pointed at them: the BBMD's and the devices'
 * real ports, and a router's address where the file names one, or where no BBMD could find it
 * (loopback carries no broadcast).
 */
export class SimulatedInternetwork {
  readonly #devices = new Map<string, SimulatedBacnetEntry>();
  readonly #routers = new Map<number, SimulatedRouter>();
  readonly #sources = new Map<string, BacnetSource>();
  #bbmd: SimulatedBbmd | null = null;

  private constructor() {}

  static async start(site: SiteConfig, o: { clock: Clock; ports: 'free' | 'config' }): Promise<SimulatedInternetwork> {
    const n = new SimulatedInternetwork();
    try {
      await n.#start(site, o);
    } catch (err) {
      await n.stop();
      throw err;
    }
    return n;
  }

  device(id: string): SimulatedBacnetEntry | undefined {
    return this.#devices.get(id);
  }

  /** The site file pointed at the simulators: its `bacnet` block and the BACnet sources rewritten. */
  siteFor(site: SiteConfig): SiteConfig {
    const bbmd = this.#bbmd;
    const bacnet: BacnetSite = bbmd === null || site.bacnet.bbmd === undefined ? site.bacnet : { ...site.bacnet, bbmd: { ...site.bacnet.bbmd, address: bbmd.address } };
    return { ...site, bacnet, devices: site.devices.map((d) => ({ ...d, source: this.#sources.get(d.id) ?? d.source })) };
  }

  /** Takes every device away (routers and BBMD stay, as a plant room losing power), or brings them back. */
  async server(action: 'stop' | 'start'): Promise<void> {
    for (const { sim } of this.#devices.values()) await (action === 'stop' ? sim.stop() : sim.start(sim.port));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#devices.values()].map((d) => d.sim.stop()));
    await Promise.all([...this.#routers.values()].map((r) => r.stop()));
    await this.#bbmd?.stop();
  }

  async #start(site: SiteConfig, o: { clock: Clock; ports: 'free' | 'config' }): Promise<void> {
    const portOf = (address: string | undefined): number => (o.ports === 'free' ? 0 : Number(address?.split(':')[1] ?? 47808));
    const bbmdConfig = site.bacnet.bbmd;
    if (bbmdConfig !== undefined) {
      this.#bbmd = new SimulatedBbmd({ clock: o.clock });
      await this.#bbmd.start(portOf(bbmdConfig.address));
    }
    const bacnet = site.devices.flatMap((d) => (d.source.protocol === 'bacnet' ? [{ id: d.id, src: d.source }] : []));
    const routed = new Set(bacnet.flatMap((d) => (d.src.network === undefined ? [] : [d.src.network])));
    // The BMS's own BACnet/IP network needs a number of its own for the routers' SNET.
    let ipNetwork = 1;
    while (routed.has(ipNetwork)) ipNetwork += 1;
    for (const { id, src } of bacnet) {
      const sim = deviceForSource(id, src, o.clock);
      const route = deviceAddress(src).route;
      if (route === null) {
        // A device on the BMS network is its own address.
        const port = await sim.start(portOf(src.address));
        this.#devices.set(id, { sim, src });
        this.#sources.set(id, { ...src, address: `127.0.0.1:${port}` });
        continue;
      }
      if (route.mac.length !== 1) throw new Error(`device "${id}": the simulated router has MS/TP stations only; give a MAC 0-254`);
      let router = this.#routers.get(route.network);
      if (router === undefined) {
        router = new SimulatedRouter({ ipNetwork, network: route.network, ipBroadcast: this.#bbmd === null ? [] : [this.#bbmd.address] });
        await router.start(route.router === null ? 0 : portOf(route.router));
        this.#routers.set(route.network, router);
      }
      // A station on the trunk behind the router: any free port stands in for its MS/TP MAC.
      await sim.start(0);
      router.attach(route.mac[0] ?? 0, sim.address);
      this.#devices.set(id, { sim, src });
      const { router: _named, ...rest } = src;
      this.#sources.set(id, route.router !== null || this.#bbmd === null ? { ...rest, router: router.address } : rest);
    }
    this.#bbmd?.setSubnet([...this.#routers.values()].map((r) => r.address));
  }
}
