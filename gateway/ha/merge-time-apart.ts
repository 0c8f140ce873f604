import type { Etcd3 } from 'etcd3';
import { systemClock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { Gateway } from '../app.js';
import type { FileStore } from '../store/store.js';
import { mergeStep } from './alone-merge.js';
import type { AloneRecord } from './alone-period.js';
import { withinCall } from './leadership.js';
import type { PairKeys } from './pair-keys.js';

/**
 * The leader takes in, each once, what the gateways published from a time acting alone
 * (alone-period.ts): merged, closed as duplicates or taken as they were (alone-merge.ts), with the
 * alarm that raised each (so the fault is not raised again) and its undelivered alerts (so they go
 * out). A key is removed only once its ticket is durable here.
 */
export async function mergeTimeApart(d: { client: Etcd3; keys: PairKeys; gateway: Gateway; store: FileStore; log: Logger }): Promise<void> {
  const { client, keys, gateway, store } = d;
  const res = await withinCall(systemClock, 'read the tickets from the time apart', client.getAll().prefix(keys.alonePrefix).exec(), 10_000);
  const counts = { take: 0, merge: 0, duplicate: 0, same: 0 };
  for (const kv of res.kvs) {
    const r = JSON.parse(kv.value.toString()) as AloneRecord;
    const current = store.data.tickets[r.ticket.id];
    const openForFault = gateway.tickets.open().find((t) => t.kind === 'fault' && t.deviceId === r.ticket.deviceId && t.fault === r.ticket.fault);
    const step = mergeStep(r, current, openForFault);
    counts[step.kind] += 1;
    if (step.kind !== 'same') {
      await gateway.tickets.adopt(step.ticket, step.note, () => {
        if (step.kind === 'duplicate') return;
        const alarm = step.alarm;
        const held = alarm === null ? undefined : store.data.alarms[alarm.key];
        if (alarm !== null && (held === undefined || held.state !== 'active')) store.data.alarms[alarm.key] = alarm;
        for (const a of r.alerts) if (store.data.alerts[a.key] === undefined) store.data.alerts[a.key] = a;
      });
    }
    await withinCall(systemClock, 'remove a merged ticket', client.delete().key(kv.key.toString()).exec(), 5_000);
  }
  if (res.kvs.length > 0) d.log.info({ event: 'ha.merged', ...counts }, `took in ${res.kvs.length} tickets from the time the pair was apart (${counts.merge} merged, ${counts.duplicate} duplicates closed, ${counts.take} taken as they were)`);
}
