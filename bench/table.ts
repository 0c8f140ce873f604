import type { MeasureName } from './measures.js';

/** Targets of issue 8, for the table (the JSON carries the raw figures only). */
const TARGETS: Readonly<Record<string, string>> = {
  'ingest.readingsPerSecond': '>= 50000',
  'ingest.ratioToRaw': '>= 0.5',
  'faultLatency.p99MsAt10PerSecond': '<= 5',
  'hostile.hostileP99Ms': '<= 20 (quietP99Ms beside it)',
  'modbus.missedShare': '< 0.01',
  'opcua.items': '5000',
  'opcua.rssMb': '<= 300',
  'store.stormDurableSeconds': '<= 0.5',
  'pages.patrolBytesPerMinute': '< 50000 (no ticket changing; everyEventBytesPerMinute beside it)',
  'syncDrain.seconds': '<= 60',
  'memory.idleRssMb': '<= 180',
  'memory.idleRssNoOpcuaMb': '<= 100',
  'memory.idleRss1000Devices': '<= peer.idleRss1000Devices',
  'peer.ingestRatio': '>= 2.5',
  'peer.cpuPer100kRatio': '<= 0.4',
  'ha.failoverP99Seconds': '<= 5',
  'ha.emergenciesLost': '0',
  'ha.duplicateTicketsAtCentral': '0',
  'ha.durableP99Ms': '<= 20 (singleDurableP99Ms beside it)',
};

/** What each side of the peer comparison does, beside its figures: the work is not the same. */
const OURS = 'gateway: site-file decode, detection with alarm state, ticket fsync-durable before sync, persistent MQTT session';
const PEER = 'Node-RED flow: JSON.parse, count, threshold, POST; no alarm state, nothing on disk, clean session';
const NOTES: Readonly<Record<string, string>> = {
  'faultLatency.firstFaultMs': 'the first fault after start, alone (its code runs for the first time); not in the percentiles',
  'faultLatency.p99MsAt10PerSecond': 'the stream of faults after the first',
  'peer.ingestRatio': 'ours/peer, readings/s counted with none lost, 2,000 meters',
  'peer.oursIngestPerSecond': OURS,
  'peer.peerIngestPerSecond': PEER,
  'peer.oursIngestIsFloor': '1: never fell behind, the figure is what the publishers reached',
  'peer.peerIngestIsFloor': '1: never fell behind, the figure is what the publishers reached',
  'peer.brokerCeilingPerSecond': 'a bare socket that only counts, same broker, publishers and steps: no receiver can show more here',
  'peer.brokerCeilingIsFloor': '1: never fell behind, the figure is what the publishers reached',
  'peer.ingestRatioCeiling': 'ceiling/peer: the highest ingestRatio this machine can show',
  'peer.cpuPer100kRatio': 'ours/peer, CPU s (utime+stime of the receiving process) per 100k readings',
  'peer.oursCpuPer100k': OURS,
  'peer.peerCpuPer100k': PEER,
  'peer.idleRss1000Devices': 'Node-RED with the flow, MB, settled; holds no per-device state until a reading arrives',
  'peer.oursIdleRss1000Devices': 'gateway with 1,000 meters configured, MB, settled, external broker',
  'peer.oursFaultP50Ms': 'publish -> central accepted; ticket fsync-durable first',
  'peer.oursFaultP99Ms': 'publish -> central accepted; ticket fsync-durable first',
  'peer.peerFaultP50Ms': 'publish -> central accepted; POST straight from the flow, nothing kept',
  'peer.peerFaultP99Ms': 'publish -> central accepted; POST straight from the flow, nothing kept',
  'ha.trials': 'SIGKILL of the active, a leak published at once, the killed one started again and following before the next',
  'ha.failoverP50Seconds': "SIGKILL of the active -> the standby's /readyz says pair.role active",
  'ha.failoverP99Seconds': "SIGKILL of the active -> the standby's /readyz says pair.role active",
  'ha.firstTicketP50Seconds': "SIGKILL -> the new active logs the gap's leak ticket.raised (durable: etcd-committed and fsynced; its API lists it from then)",
  'ha.firstTicketP99Seconds': "SIGKILL -> the new active logs the gap's leak ticket.raised (durable: etcd-committed and fsynced; its API lists it from then)",
  'ha.firstTicketAtCentralP99Seconds': 'SIGKILL -> the central service holds that ticket',
  'ha.emergenciesLost': 'leaks on the pair with no ticket at central or no alert on alerts/#',
  'ha.duplicateTicketsAtCentral': 'tickets beyond the first per (device, fault) at central',
  'ha.durableP50Ms': "a leak (on-delay 0) decided by the active's detection -> its ticket committed through etcd and fsynced (durableMs of each ticket.raised line), 10 faults/s",
  'ha.durableP99Ms': "a leak (on-delay 0) decided by the active's detection -> its ticket committed through etcd and fsynced (durableMs of each ticket.raised line), 10 faults/s",
  'ha.singleDurableP50Ms': 'the same on one gateway without ha: same site file, broker and machine, in the same run',
  'ha.singleDurableP99Ms': 'the same on one gateway without ha: same site file, broker and machine, in the same run',
  'ha.durableEndToEndP99Ms': 'publish on the site broker -> the ticket.raised line read by the bench (the broker hop and the pipe read added)',
  'ha.singleDurableEndToEndP99Ms': 'the same on the single gateway',
  'ha.photoUploadP50Ms': "a 300 kB photo sent -> its id answered by the pair's active (on its disk and committed in etcd)",
  'ha.photoUploadP99Ms': "a 300 kB photo sent -> its id answered by the pair's active (on its disk and committed in etcd)",
  'ha.singlePhotoUploadP50Ms': 'the same on one gateway without ha (on its disk), in the same run',
  'ha.singlePhotoUploadP99Ms': 'the same on one gateway without ha (on its disk), in the same run',
  'ha.loadAverageAtStart': 'the machine\'s 1-minute load average (2 cores): above 2, the processes measured wait for a core',
  'ha.durableMissed': 'faults of the two streams whose ticket.raised line never came',
};

/** One line per figure: measure, key, value, target, and what the figure covers where that needs saying. */
export function printTable(results: Partial<Record<MeasureName, Record<string, unknown>>>): void {
  const rows: [string, string, string][] = [];
  for (const [measure, figures] of Object.entries(results)) {
    // A measure may group figures (the scale curve: one object per site size): a row each.
    const flat = Object.entries(figures ?? {}).flatMap(([key, value]): [string, unknown][] =>
      typeof value === 'object' && value !== null ? Object.entries(value).map(([sub, v]): [string, unknown] => [`${key}.${sub}`, v]) : [[key, value]],
    );
    for (const [key, value] of flat) {
      const k = `${measure}.${key}`;
      rows.push([k, String(value), [TARGETS[k], NOTES[k]].filter((t) => t !== undefined).join('  (') + (TARGETS[k] !== undefined && NOTES[k] !== undefined ? ')' : '')]);
    }
  }
  const w0 = Math.max(6, ...rows.map((r) => r[0].length));
  const w1 = Math.max(5, ...rows.map((r) => r[1].length));
  console.log(`${'figure'.padEnd(w0)}  ${'value'.padStart(w1)}  target`);
  console.log(`${'-'.repeat(w0)}  ${'-'.repeat(w1)}  ------`);
  for (const [k, v, t] of rows) console.log(`${k.padEnd(w0)}  ${v.padStart(w1)}  ${t}`);
}
