#!/usr/bin/env node
/**
 * `npm run ha -- status [SITE_FILE]` and `npm run ha -- switchover [SITE_FILE]` (docs/high-availability.md):
 * who of the pair is active, and the active handing over to the standby on command (the step of a
 * rolling upgrade). The site file is GATEWAY_CONFIG's by default; its `ha` names the etcd members.
 */
import { Etcd3 } from 'etcd3';
import { systemClock } from '../../core/clock.js';
import { GatewayError } from '../../core/errors.js';
import { loadSiteFile } from '../config/load-site.js';
import { withinCall } from '../ha/leadership.js';
import { pairKeys, readLeaderInfo, type LeaderInfo } from '../ha/pair-keys.js';
import type { PairCommand } from '../ha/pair-command.js';
import { runCli } from './data-folder.js';

const SWITCHOVER_WAIT_MS = 30_000;

const [command, file] = process.argv.slice(2);
await runCli(async () => {
  if (command !== 'status' && command !== 'switchover') throw new Error('usage: npm run ha -- status|switchover [SITE_FILE]');
  const site = await loadSiteFile(file ?? process.env['GATEWAY_CONFIG'] ?? 'config/demo-site.json');
  if (site.ha === undefined) throw new GatewayError('GW_CONFIG_INVALID', `${site.site.id} runs one gateway: its site file has no "ha" section`, {});
  const keys = pairKeys(site.ha.prefix, site.site.id);
  const client = new Etcd3({ hosts: site.ha.etcd, dialTimeout: 2_000 });
  try {
    const leader = async (): Promise<{ info: LeaderInfo | null; epoch: number | null }> => {
      const res = await withinCall(systemClock, 'read the leader', client.get(keys.leader).exec(), 5_000);
      const kv = res.kvs[0];
      return { info: readLeaderInfo(kv === undefined ? null : kv.value.toString()), epoch: kv === undefined ? null : Number(kv.create_revision) };
    };
    const before = await leader();
    if (command === 'status') {
      const lines = await withinCall(systemClock, 'count the log', client.getAll().prefix(keys.logPrefix).count(), 5_000);
      const apart = await withinCall(systemClock, 'count tickets from a time apart', client.getAll().prefix(keys.alonePrefix).count(), 5_000);
      return [
        before.info === null ? 'no gateway of the pair is active right now' : `active: ${before.info.gatewayId} (version ${before.info.version}, store format ${before.info.storeFormat}, epoch ${before.epoch}) at ${before.info.url}`,
        `changes kept in etcd: ${lines}`,
        ...(apart > 0 ? [`tickets from a time apart not merged yet: ${apart}`] : []),
      ].join('\n');
    }
    if (before.info === null) throw new Error('no gateway of the pair is active: nothing to switch over');
    const cmd: PairCommand = { kind: 'switchover', at: systemClock.now() };
    await withinCall(systemClock, 'ask for the switchover', client.put(keys.command).value(JSON.stringify(cmd)).exec(), 5_000);
    const started = systemClock.monotonic();
    for (;;) {
      const now = await leader().catch(() => ({ info: null, epoch: null }));
      if (now.info !== null && now.info.gatewayId !== before.info.gatewayId) {
        return `switched over in ${((systemClock.monotonic() - started) / 1000).toFixed(1)} s: ${now.info.gatewayId} is active (epoch ${now.epoch}), ${before.info.gatewayId} is the standby`;
      }
      if (systemClock.monotonic() - started > SWITCHOVER_WAIT_MS) {
        await client.delete().key(keys.command).exec().catch(() => undefined);
        throw new Error(`${before.info.gatewayId} is still active after ${SWITCHOVER_WAIT_MS / 1000} s: is the standby running and following? (npm run ha -- status; its /readyz)`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    client.close();
  }
});
