import { describe, expect, it } from 'vitest';
import { createMqttAdapter } from '../../../adapters/mqtt/index.js';
import { systemClock } from '../../../core/clock.js';
import { loadSiteFile } from '../../../gateway/config/load-site.js';
import { silentLogger } from '../../../core/log.js';
import { createCentralService } from '../../../simulators/central/index.js';
import { SimulatedSite } from '../../../simulators/site/simulated-site.js';

/** Sockets, servers and timers this process holds (Node's own view). */
function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

describe('simulator lifecycle', () => {
  it('starts every simulator of the demo site on free ports and stops them with nothing left behind', async () => {
    const site = await loadSiteFile('config/demo-site.json');
    // Warm the OPC UA certificate and module caches so the baseline is taken in a steady state.
    const warm = await SimulatedSite.start(site, { clock: systemClock, ports: 'free' });
    await warm.stop();
    await new Promise((r) => setTimeout(r, 200));
    const before = resources();

    const broker = await createMqttAdapter(
      { broker: { mode: 'embedded', host: '127.0.0.1', port: 0, maxPayloadBytes: 16384, allowAnonymous: false }, devices: site.devices.flatMap((d) => (d.source.protocol === 'mqtt' ? [{ id: d.id, source: d.source }] : [])) },
      { clock: systemClock, log: silentLogger() },
    );
    await broker.start();
    const central = createCentralService({ tokens: ['t'], progress: { dispatchAfterMs: 50, inProgressAfterMs: 60, resolveAfterMs: 70, closeAfterMs: 80 } });
    await central.start(0);
    const sims = await SimulatedSite.start(site, { clock: systemClock, ports: 'free' });
    await sims.connectMqtt(`mqtt://127.0.0.1:${broker.address()?.port}`);
    const rewritten = sims.siteForGateway();
    const modbus = rewritten.devices.find((d) => d.source.protocol === 'modbus')?.source;
    const opcua = rewritten.devices.find((d) => d.source.protocol === 'opcua')?.source;
    expect(modbus?.protocol === 'modbus' && modbus.transport.type === 'tcp' ? modbus.transport.port : 0).not.toBe(5020);
    expect(opcua?.protocol === 'opcua' ? opcua.endpoint : '').not.toContain(':4840/');
    await sims.device('leak-b1-pump-room').set('wet', true);
    await sims.device('pump-dw-1').mode('burst');
    await sims.device('elevator-t1-a').mode('entrap');

    await sims.stop();
    await central.stop();
    await broker.stop();
    await new Promise((r) => setTimeout(r, 200));
    const after = resources();
    for (const kind of ['TCPServerWrap', 'TCPSocketWrap', 'Timeout']) expect(after[kind] ?? 0, kind).toBeLessThanOrEqual(before[kind] ?? 0);
  }, 60_000);
});
