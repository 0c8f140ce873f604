import { randomIdentity, type TicketIdentity } from './ticket-identity.js';
import { TypedEmitter } from '../../core/typed-emitter.js';
import type { Clock } from '../../core/clock.js';
import type { SiteConfig } from '../config/site-schema.js';
import type { Logger } from '../../core/log.js';
import type { Store } from '../store/store.js';
import { callbackDue, repairedInUnit } from './callbacks.js';
import type { RaiseInput } from './raise-input.js';
import { stampDeadlines } from './deadlines.js';
import { TicketNumbering } from './numbering.js';
import type { TicketArchive } from './ticket-archive.js';
import { RepairIndex, repairedAt } from './repair-index.js';
import { type Actor, type Draft, type HistoryEntry, isOpen, type Ticket } from './ticket.js';
import { type TicketStatus } from '../../core/vocabulary.js';
import { applyStep, type StaffStep, type StepInput } from './ticket-steps.js';

export type TicketChange = 'raised' | 'updated';

/** Storm mode's say on a ticket being raised: paused from its raise (and why), or null. */
export type PauseRule = (t: Ticket) => { readonly reason: string } | null;

export type TicketEvents = {
  /** Emitted only after the change is durable on disk. */
  changed: [Ticket, TicketChange];
  /** A raised ticket is durable, `ms` of elapsed time after its condition was decided. */
  durable: [Ticket, number];
};

/**
 * Runs after a change is in the store's memory and before its durable write, so what other parts
 * derive from the change (the alerts it calls for) is written in the same write as the change.
 */
export type BeforeDurable = (ticket: Ticket, change: TicketChange, previous: Ticket | undefined) => void;

/** What a mutation returns: the history line to append, or null to leave the ticket untouched. */
/**
 * A change to a ticket: the history entry it makes, or null when it changes nothing. The entry is
 * stamped now unless it carries its own time (the central service's time of its own update).
 */
export type Mutation = (draft: Draft, now: number) => (Omit<HistoryEntry, 'at' | 'actor'> & { readonly at?: string }) | null;

export interface TicketServiceDeps {
  readonly store: Store;
  readonly site: SiteConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly archive?: TicketArchive;
  /** How new tickets get their ids and numbers (default: random ids, the day's numbers). */
  readonly identity?: TicketIdentity;
}

/**
 * Owns tickets: numbering, deadlines, lifecycle, history. Every change bumps the version, goes to
 * the outbox in the same durable write, and is announced only once it is on disk (persist first).
 *
 * What the rest of the gateway reads (get, all, open: the API, the pages, escalation) is the
 * durable view: a ticket, or a change to it, appears there only once its write is on disk. A
 * ticket listed before it was durable and lost in a crash had a number staff had already seen.
 */
export class TicketService extends TypedEmitter<TicketEvents> {
  readonly #store: Store;
  readonly #site: SiteConfig;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #archive: TicketArchive | null;
  readonly #numbering: TicketNumbering;
  readonly #identity: TicketIdentity;
  /** Tickets as they are on disk, by id. */
  readonly #durable: Map<string, Ticket>;
  readonly #beforeDurable: BeforeDurable[] = [];
  /** The last repair of each device and fault, for flagging repeat repairs (返修). */
  readonly #repairs: RepairIndex;
  /** Whether a ticket being raised is paused from its raise (storm mode), and why. */
  #pauseRule: PauseRule | null = null;

  private constructor(deps: TicketServiceDeps, numbering: TicketNumbering, repairs: RepairIndex) {
    super();
    this.#store = deps.store;
    this.#site = deps.site;
    this.#clock = deps.clock;
    this.#log = deps.log.child({ component: 'tickets' });
    this.#archive = deps.archive ?? null;
    this.#identity = deps.identity ?? randomIdentity;
    this.#numbering = numbering;
    this.#repairs = repairs;
    // Whatever the store read at start is on disk.
    this.#durable = new Map(Object.entries(deps.store.data.tickets));
  }

  static async open(deps: TicketServiceDeps): Promise<TicketService> {
    const numbering = await TicketNumbering.open({ store: deps.store, dataDir: deps.store.dir, siteCode: deps.site.site.code, timeZone: deps.site.site.timeZone, log: deps.log.child({ component: 'tickets' }) });
    const withinMs = deps.site.repairs.reworkWithinDays * 86_400_000;
    const repairs = await RepairIndex.load(Object.values(deps.store.data.tickets), deps.archive ?? null, deps.clock.now(), withinMs);
    return new TicketService(deps, numbering, repairs);
  }

  /** Storm mode's rule: a general or low ticket raised while it is on is paused from its raise. */
  setPauseRule(rule: PauseRule): void {
    this.#pauseRule = rule;
  }

  /** Registers a hook that joins a change's durable write (see BeforeDurable). */
  beforeDurable(hook: BeforeDurable): void {
    this.#beforeDurable.push(hook);
  }

  /** A live ticket as it is on disk (open, or closed recently); archived ones are found by find(). */
  get(id: string): Ticket | undefined {
    return this.#durable.get(id);
  }

  /** Every live ticket, as it is on disk. */
  all(): Ticket[] {
    return [...this.#durable.values()];
  }

  /** The archiver moved these out of the live store (and its write is durable). */
  forget(ids: readonly string[]): void {
    for (const id of ids) if (this.#store.data.tickets[id] === undefined) this.#durable.delete(id);
  }

  /** A live or archived ticket. */
  async find(id: string): Promise<{ ticket: Ticket; archived: boolean } | undefined> {
    const live = this.get(id);
    if (live !== undefined) return { ticket: live, archived: false };
    const old = await this.#archive?.find(id);
    return old === undefined ? undefined : { ticket: old, archived: true };
  }

  /** Every live ticket, and the archived ones created in [from, to): what statistics of a range need. */
  async withArchived(from: number, to: number): Promise<Ticket[]> {
    const live = this.all();
    if (this.#archive === null) return live;
    const liveIds = new Set(live.map((t) => t.id));
    const old = await this.#archive.createdBetween(from, to);
    return [...live, ...old.filter((t) => !liveIds.has(t.id))];
  }

  open(): Ticket[] {
    return this.all().filter(isOpen);
  }

  async raise(input: RaiseInput): Promise<Ticket> {
    const started = input.decidedAt ?? this.#clock.monotonic();
    const now = this.#clock.now();
    const data = this.#store.data;
    const iso = new Date(now).toISOString();
    const repaired = input.kind === 'incident' ? undefined : this.#repairs.recent(input.device.id, input.fault, now);
    const patrol = input.reporter !== undefined;
    const ticket: Ticket = {
      id: this.#identity.id(input.kind ?? 'fault', input.device.id, input.fault),
      number: this.#numbering.take(now, this.#identity.numberPlace()),
      siteId: this.#site.site.id,
      version: 1,
      kind: input.kind ?? 'fault',
      createdAt: iso,
      updatedAt: iso,
      tier: input.tier,
      fault: input.fault,
      deviceId: input.device.id,
      deviceName: input.device.name,
      location: input.device.location,
      skill: input.skill,
      publicArea: input.publicArea ?? input.device.location.publicArea,
      title: input.title,
      description: input.description,
      evidence: input.evidence ?? [],
      occurrences: [{ at: new Date(input.at ?? now).toISOString() }],
      source: patrol ? 'patrol' : 'sensor',
      reporter: input.reporter ?? null,
      status: 'raised',
      verification: { state: 'pending', by: null, at: null, note: null },
      condition: 'active',
      chattering: false,
      deadlines: stampDeadlines(this.#site.contract, { tier: input.tier, fault: input.fault, publicArea: input.publicArea ?? input.device.location.publicArea }, now),
      parentId: input.parentId ?? null,
      childIds: [],
      repeatOf: input.repeatOf ?? repaired?.ticketId ?? null,
      rework: repaired !== undefined,
      assignee: null,
      attachments: input.attachments ?? [],
      recheck: { state: 'none', dueBy: null },
      history: [
        patrol
          ? { at: iso, actor: `user:${input.reporter.id}`, action: 'raised', status: 'raised', note: input.reporter.role === undefined || input.reporter.role === 'patrol' ? '巡检发现 / found on patrol' : `员工上报 / reported by staff (${input.reporter.role})`, ...(input.attachments === undefined || input.attachments.length === 0 ? {} : { photos: input.attachments.map((a) => a.id) }) }
          : { at: iso, actor: 'gateway', action: 'raised', status: 'raised' },
      ],
    };
    const pause = this.#pauseRule?.(ticket) ?? null;
    const raised: Ticket =
      pause === null
        ? ticket
        : { ...ticket, paused: { since: iso, reason: pause.reason }, history: [...ticket.history, { at: iso, actor: 'gateway', action: 'paused', note: `暴雨模式：暂停计时，${pause.reason} / storm mode: deadlines paused, ${pause.reason}` }] };
    data.tickets[raised.id] = raised;
    input.alongside?.(raised);
    for (const hook of this.#beforeDurable) hook(raised, 'raised', undefined);
    await this.#store.commit();
    this.#showDurable(raised);
    // From the fault's decision (the reading that completed it, after its on-delay) to durable: the figure of DESIGN's "Fast".
    const durableMs = Math.max(0, this.#clock.monotonic() - started);
    this.#log.info(
      { event: 'ticket.raised', ticketId: raised.id, number: raised.number, tier: raised.tier, fault: raised.fault, deviceId: raised.deviceId, durableMs: Math.round(durableMs * 10) / 10 },
      `ticket ${raised.number} raised`,
    );
    this.emit('changed', raised, 'raised');
    this.emit('durable', raised, durableMs);
    return raised;
  }

  /**
   * Applies one change. Returns the ticket as it is after (unchanged when the mutation declined).
   * Throws TicketNotFound for an unknown id.
   */
  async mutate(id: string, actor: Actor, mutation: Mutation, alongside?: (ticket: Ticket) => void): Promise<Ticket> {
    const current = this.#store.data.tickets[id];
    if (current === undefined) throw new TicketNotFound(id);
    const now = this.#clock.now();
    const draft: Draft = { ...current };
    const entry = mutation(draft, now);
    if (entry === null) return current;
    const iso = new Date(now).toISOString();
    // However it was resolved (by the engineer, or by the central service), a public-area repair waits for a re-check.
    if (draft.status === 'resolved' && current.status !== 'resolved' && draft.publicArea) {
      draft.recheck = { state: 'due', dueBy: new Date(now + this.#site.repairs.recheckWithinHours * 3_600_000).toISOString() };
    }
    // A repaired in-unit repair is due a callback to the owner (回访), unless the change itself recorded one (central's).
    if (repairedInUnit(current, draft) && draft.callback === current.callback) draft.callback = callbackDue(now, this.#site.repairs.callbackWithinHours);
    // A repair reopened (failed re-check) starts its steps again: fresh deadlines from now.
    if (draft.status === 'reopened' && current.status !== 'reopened') draft.deadlines = stampDeadlines(this.#site.contract, draft, now);
    draft.version = current.version + 1;
    draft.updatedAt = iso;
    draft.history = [...current.history, { at: iso, ...entry, actor }];
    const next: Ticket = draft;
    this.#store.data.tickets[id] = next;
    alongside?.(next);
    for (const hook of this.#beforeDurable) hook(next, 'updated', current);
    await this.#store.commit();
    this.#showDurable(next);
    this.emit('changed', next, 'updated');
    return next;
  }

  /**
   * Takes in a ticket as another gateway of the pair left it (acting alone while the pair was
   * apart): written whole at a version above both, with `note` in its history, and uploaded once
   * like any change. `alongside` joins the same durable write (the alarm that raised it).
   */
  async adopt(t: Ticket, note: string, alongside?: (ticket: Ticket) => void): Promise<Ticket> {
    const current = this.#store.data.tickets[t.id];
    const iso = new Date(this.#clock.now()).toISOString();
    const next: Ticket = { ...t, version: Math.max(t.version, current?.version ?? 0) + 1, updatedAt: iso, history: [...t.history, { at: iso, actor: 'gateway', action: 'merged', note }] };
    this.#store.data.tickets[t.id] = next;
    alongside?.(next);
    // An update, even when new here: its raise was alerted by the gateway that raised it (what it had
    // not delivered comes with it, alone-period.ts), so nobody hears it raised a second time.
    for (const hook of this.#beforeDurable) hook(next, 'updated', current);
    await this.#store.commit();
    this.#showDurable(next);
    this.#log.info({ event: 'ticket.merged', ticketId: next.id, number: next.number, version: next.version }, `ticket ${next.number} taken in from the other gateway of the pair`);
    this.emit('changed', next, 'updated');
    return next;
  }

  /** Writes complete in order, but a newer version is never replaced by an older one. */
  #showDurable(t: Ticket): void {
    const shown = this.#durable.get(t.id);
    if (shown === undefined || shown.version < t.version) this.#durable.set(t.id, t);
    const repaired = t.status === 'resolved' || t.status === 'closed' ? repairedAt(t) : null;
    if (repaired !== null) this.#repairs.repaired(t, repaired);
  }

  /**
   * A staff member's step (ticket-steps.ts). Resolves with the ticket and whether it changed (a
   * repeated tap changes nothing); throws StepRefused when the ticket is past where the step makes sense.
   */
  async step(id: string, step: StaffStep, input: StepInput): Promise<{ ticket: Ticket; changed: boolean }> {
    let outcome: ReturnType<typeof applyStep> = { kind: 'unchanged' };
    const after = await this.mutate(id, `user:${input.user.id}`, (d, now) => {
      outcome = applyStep(d, step, input, now);
      return outcome.kind === 'changed' ? outcome.entry : null;
    });
    const o = outcome as ReturnType<typeof applyStep>;
    if (o.kind === 'refused') throw new StepRefused(after, o.why);
    return { ticket: after, changed: o.kind === 'changed' };
  }

  /**
   * Sets a status directly (tools and tests standing in for a person or the central service; the
   * sync applies central's updates through `centralMove` itself): an ended ticket stays ended.
   */
  transition(id: string, actor: Actor, to: TicketStatus, note?: string): Promise<Ticket> {
    return this.mutate(id, actor, (d) => {
      if (d.status === to || d.status === 'closed' || (d.status === 'rejected' && to !== 'closed')) return null;
      d.status = to;
      return note === undefined ? { action: to, status: to } : { action: to, status: to, note };
    });
  }
}

/** A staff step the ticket's state does not allow (answered 409 by the API, with the reason). */
export class StepRefused extends Error {
  constructor(
    readonly ticket: Ticket,
    readonly why: string,
  ) {
    super(`ticket ${ticket.number}: ${why}`);
    this.name = 'StepRefused';
  }
}

export class TicketNotFound extends Error {
  constructor(readonly ticketId: string) {
    super(`no ticket ${ticketId}`);
    this.name = 'TicketNotFound';
  }
}
