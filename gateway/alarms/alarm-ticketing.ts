import type { UpstreamChange, UpstreamStatus } from '../../core/adapter.js';
import type { Clock } from '../../core/clock.js';
import type { Device, SiteConfig } from '../config/site-schema.js';
import { orphanCleared, type FaultCondition } from '../detect/fault-conditions.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Store } from '../store/store.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { isOpen, type Ticket } from '../tickets/ticket.js';
import { alarmKey, isAlarmRecord, type AlarmRecord } from './alarm-record.js';
import { FloodTracker } from './flood-tracker.js';
import { ChatterWindow } from './chatter-window.js';
import { Shelves } from './shelves.js';
import { UpstreamHoldBack } from './upstream-holdback.js';
import { byTier } from '../../core/vocabulary.js';

/**
 * Alarms: one per (device, fault), normal -> active -> normal. Decides what each condition does to
 * tickets: raise one, add an occurrence, record return to normal, mark chattering, group under an
 * incident (flood, root cause), or hold back (shelved; device behind a failed upstream).
 */
export class AlarmTicketing {
  readonly #site: SiteConfig;
  readonly #store: Store;
  readonly #tickets: TicketService;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #devices: Map<string, Device>;
  readonly #queues = new Map<string, Promise<void>>();
  readonly #flood: FloodTracker;
  readonly shelves: Shelves;
  #floodIncident: Promise<Ticket> | null = null;
  /** Tickets raised recently (elapsed time), so an incident that starts a flood can take in the alarms that led to it. */
  #recent: { at: number; ticketId: string }[] = [];
  /** Tickets being moved under a flood incident right now. */
  readonly #grouping = new Set<string>();
  readonly #chatter = new ChatterWindow();
  readonly #upstreams: UpstreamHoldBack;

  constructor(deps: { site: SiteConfig; store: Store; tickets: TicketService; clock: Clock; log: Logger }) {
    this.#site = deps.site;
    this.#store = deps.store;
    this.#tickets = deps.tickets;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#devices = new Map(deps.site.devices.map((d) => [d.id, d]));
    this.#flood = new FloodTracker(deps.site.alarms.flood);
    this.shelves = new Shelves(deps.store, deps.clock);
    this.#upstreams = new UpstreamHoldBack({
      clock: deps.clock,
      activeAlarm: (deviceId) => this.#store.data.alarms[alarmKey(deviceId, 'device-offline')]?.state === 'active',
      apply: (condition, device) => this.#enqueue(alarmKey(device.id, 'device-offline'), () => (condition.active ? this.#activate(condition, device) : this.#clear(condition))),
      devices: this.#devices,
    });
  }

  alarms(): AlarmRecord[] {
    return Object.values(this.#store.data.alarms).filter(isAlarmRecord);
  }

  /** What the adapters say about their upstreams now (upstream-holdback.ts). */
  onUpstreamStates(upstreams: readonly UpstreamStatus[]): void {
    this.#upstreams.states(upstreams);
  }

  /**
   * Active alarms restored from the store whose device or fault this site no longer has (the
   * site file changed while the gateway was stopped): nothing would ever clear them.
   */
  clearOrphans(orphans: readonly { deviceId: string; fault: string }[]): void {
    for (const o of orphans) {
      const c = orphanCleared(o.deviceId, o.fault, this.#clock.now(), this.#clock.monotonic());
      this.#enqueue(alarmKey(o.deviceId, o.fault), () => this.#clear(c));
    }
  }

  /** Resolves when every condition handed in so far has been applied (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#queues.size > 0) await Promise.all([...this.#queues.values()]);
  }

  onCondition(c: FaultCondition): void {
    this.#enqueue(alarmKey(c.deviceId, c.fault), () => (c.active ? this.#activate(c) : this.#clear(c)));
  }

  /** A shared upstream down or back (upstream-holdback.ts). */
  onUpstream(change: UpstreamChange): void {
    this.#upstreams.change(change);
  }

  stop(): void {
    this.#upstreams.stop();
  }

  #enqueue(key: string, work: () => Promise<void>): void {
    const prev = this.#queues.get(key) ?? Promise.resolve();
    const next = prev
      .then(work)
      .catch((err: unknown) => this.#log.error({ event: 'alarm.apply_failed', key, err: errorMessage(err) }, 'could not apply alarm change'));
    this.#queues.set(key, next);
    void next.then(() => {
      if (this.#queues.get(key) === next) this.#queues.delete(key);
    });
  }

  #record(c: FaultCondition): AlarmRecord {
    const key = alarmKey(c.deviceId, c.fault);
    const existing = this.#store.data.alarms[key];
    if (isAlarmRecord(existing)) return existing;
    const rec: AlarmRecord = { key, deviceId: c.deviceId, fault: c.fault, state: 'normal', since: c.ts, ticketId: null, activations: [], suppressed: 0 };
    this.#store.data.alarms[key] = rec;
    return rec;
  }

  /**
   * Puts a changed copy of an alarm's record in its place: records are values (alarm-record.ts),
   * so the store sees the change by reference. Changes of one alarm are serialized (#enqueue), and
   * the record was made by #record before any change.
   */
  #put(key: string, change: Partial<Pick<AlarmRecord, 'state' | 'since' | 'ticketId' | 'activations' | 'suppressed'>>): AlarmRecord {
    const current = this.#store.data.alarms[key];
    if (!isAlarmRecord(current)) throw new Error(`alarm ${key} has no record to change`);
    const next: AlarmRecord = { ...current, ...change };
    this.#store.data.alarms[key] = next;
    return next;
  }

  async #activate(c: FaultCondition, deviceOverride?: Device): Promise<void> {
    const device = deviceOverride ?? this.#devices.get(c.deviceId);
    if (device === undefined) return;
    const rec = this.#record(c);
    // Already active (e.g. still active across a restart): the same activation, nothing new;
    // but a new event that raised it again (fire in zone 5 after zone 3) is written on the open ticket.
    if (rec.state === 'active') {
      const open = rec.ticketId === null ? undefined : this.#tickets.get(rec.ticketId);
      if (c.again === true && open !== undefined && isOpen(open)) await this.#tickets.mutate(open.id, 'gateway', () => ({ action: 'occurrence', note: `${c.description.zh} / ${c.description.en}` }));
      return;
    }
    const recent = this.#chatter.activate(rec.key, c.at, this.#site.alarms.chatter.windowSeconds * 1000);
    // Written for the record in wall time; chattering is judged on `recent` (elapsed time).
    const activated = this.#put(rec.key, { state: 'active', since: c.ts, activations: [...rec.activations, c.ts].slice(-recent.length) });

    if (this.#upstreams.holdsBack(c) || this.shelves.isShelved(c.deviceId, c.fault)) {
      this.#put(rec.key, { suppressed: activated.suppressed + 1 });
      await this.#store.commit();
      return;
    }
    const previous = activated.ticketId === null ? undefined : this.#tickets.get(activated.ticketId);
    if (previous !== undefined && isOpen(previous)) {
      const open = previous;
      const chattering = recent.length >= this.#site.alarms.chatter.cycles;
      await this.#tickets.mutate(open.id, 'gateway', (d) => {
        d.occurrences = [...d.occurrences, { at: new Date(c.ts).toISOString() }];
        d.condition = 'active';
        if (chattering && !d.chattering) {
          d.chattering = true;
          return { action: 'chattering', note: `${recent.length} activations within ${this.#site.alarms.chatter.windowSeconds} s` };
        }
        return { action: 'occurrence', note: c.description.en };
      });
      return;
    }
    const parentId = await this.#parentFor(c, device);
    const ticket = await this.#tickets.raise({
      fault: c.fault,
      device,
      tier: c.tier,
      skill: device.skill ?? c.skill,
      title: c.title,
      description: c.description,
      evidence: c.evidence,
      parentId,
      // The fault came back after its ticket was closed or rejected: a new ticket, linked to that one.
      repeatOf: previous === undefined ? null : previous.id,
      at: c.ts,
      decidedAt: c.at,
      // The alarm's link to its ticket is written with the ticket: no crash can separate them.
      alongside: (t) => {
        this.#put(rec.key, { ticketId: t.id });
      },
    });
    const windowMs = this.#site.alarms.flood.windowMinutes * 60_000;
    this.#recent = [...this.#recent.filter((r) => r.at > c.at - windowMs), { at: c.at, ticketId: ticket.id }];
    if (parentId !== null) await this.#attach(parentId, ticket);
    // Alarms decided together race the flood: one raised while another started the flood (and its
    // grouping already ran) joins the incident here.
    else if (this.#floodIncident !== null && !c.deviceId.startsWith('upstream:')) {
      const incident = await this.#floodIncident;
      const fresh = this.#tickets.get(incident.id);
      if (fresh !== undefined && isOpen(fresh) && this.#flood.flooding(c.at)) await this.#group(incident, ticket);
    }
  }

  /**
   * Back to normal. The ticket's `condition` follows the alarm whatever the ticket's status: a
   * rejected or closed ticket whose sensor has since gone back to normal says so.
   */
  async #clear(c: FaultCondition): Promise<void> {
    const rec = this.#record(c);
    if (rec.state === 'normal') return;
    this.#put(rec.key, { state: 'normal', since: c.ts });
    const t = rec.ticketId === null ? undefined : this.#tickets.get(rec.ticketId);
    if (t === undefined || t.condition === 'normal') {
      await this.#store.commit();
      return;
    }
    await this.#tickets.mutate(t.id, 'gateway', (d) => {
      const occ = [...d.occurrences];
      const last = occ.at(-1);
      if (last !== undefined && last.clearedAt === undefined) occ[occ.length - 1] = { ...last, clearedAt: new Date(c.ts).toISOString() };
      d.occurrences = occ;
      d.condition = 'normal';
      return { action: 'returned-to-normal', note: c.description.en };
    });
  }

  /** Root cause first (a power loss upstream of this device), then a flood incident. */
  async #parentFor(c: FaultCondition, device: Device): Promise<string | null> {
    if (device.fedBy !== undefined && c.fault !== 'power-loss') {
      const power = this.#store.data.alarms[alarmKey(device.fedBy, 'power-loss')];
      if (isAlarmRecord(power) && power.state === 'active' && power.ticketId !== null) {
        const parent = this.#tickets.get(power.ticketId);
        if (parent !== undefined && isOpen(parent)) return parent.id;
      }
    }
    if (c.deviceId.startsWith('upstream:')) return null;
    if (!this.#flood.record(c.at)) return null;
    const incident = await this.#floodTicket(c);
    return incident.id;
  }

  /**
   * The flood incident this alarm joins: the current one while it is open and the flood lasts, else
   * a new one. Alarms decided together wait on the same incident's raise, so a flood is one incident;
   * only the first to find it over starts the next (the others then wait on that one).
   */
  async #floodTicket(c: FaultCondition): Promise<Ticket> {
    for (;;) {
      const current = this.#floodIncident;
      if (current === null) return this.#startFlood(c);
      const t = await current;
      const fresh = this.#tickets.get(t.id);
      if (fresh !== undefined && isOpen(fresh) && this.#flood.flooding(c.at)) return fresh;
      if (this.#floodIncident === current) this.#floodIncident = null;
    }
  }

  /** Raises a flood incident and takes in the alarms that tipped the site into it. */
  #startFlood(c: FaultCondition): Promise<Ticket> {
    const first = this.#site.devices[0];
    if (first === undefined) throw new Error('site has no device');
    const created = this.#tickets.raise({
      kind: 'incident',
      fault: 'alarm-flood',
      device: { id: this.#site.site.id, name: this.#site.site.name, location: { ...first.location, description: this.#site.site.name, publicArea: true } },
      tier: c.tier,
      skill: 'general',
      title: { zh: `告警泛滥：${this.#site.site.name}`, en: `Alarm flood: ${this.#site.site.name}` },
      description: {
        zh: `${this.#site.alarms.flood.windowMinutes} 分钟内新告警超过 ${this.#site.alarms.flood.startAbove} 条，已合并到本事件`,
        en: `More than ${this.#site.alarms.flood.startAbove} new alarms within ${this.#site.alarms.flood.windowMinutes} min; grouped under this incident`,
      },
      at: c.ts,
    });
    this.#floodIncident = created;
    // The alarms that tipped the site into the flood belong to the incident too.
    this.#enqueue('flood:grouping', async () => {
      const incident = await created;
      for (const r of this.#recent) {
        const t = this.#tickets.get(r.ticketId);
        if (t !== undefined) await this.#group(incident, t);
      }
    });
    return created;
  }

  /** Moves an ungrouped open ticket under the incident (once, whoever gets there first). */
  async #group(incident: Ticket, t: Ticket): Promise<void> {
    if (t.parentId !== null || t.id === incident.id || !isOpen(t) || this.#grouping.has(t.id)) return;
    this.#grouping.add(t.id);
    try {
      await this.#tickets.mutate(t.id, 'gateway', (d) => {
        if (d.parentId !== null) return null;
        d.parentId = incident.id;
        return { action: 'grouped', note: `under incident ${incident.number}` };
      });
      await this.#attach(incident.id, t);
    } finally {
      this.#grouping.delete(t.id);
    }
  }

  async #attach(parentId: string, child: Ticket): Promise<void> {
    await this.#tickets.mutate(parentId, 'gateway', (d) => {
      if (d.childIds.includes(child.id)) return null;
      d.childIds = [...d.childIds, child.id];
      // An incident takes the most urgent tier of what it groups.
      if (byTier(child.tier, d.tier) < 0) d.tier = child.tier;
      return { action: 'grouped', note: `${child.number} ${child.fault} @ ${child.deviceId}` };
    });
  }
}
