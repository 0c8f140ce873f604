import type { UpstreamChange, UpstreamStatus } from '../../core/adapter.js';
import type { Reading } from '../../core/reading.js';
import { TypedEmitter } from '../../core/typed-emitter.js';
import type { Clock } from '../../core/clock.js';
import type { SiteConfig } from '../config/site-schema.js';
import { DetectionEngine, type SuspectChange } from '../detect/detection-engine.js';
import { type FaultCondition } from '../detect/fault-conditions.js';
import type { Logger } from '../../core/log.js';
import type { Store } from '../store/store.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { isOpen, type Ticket } from '../tickets/ticket.js';
import { AlarmTicketing } from './alarm-ticketing.js';
import { alarmKey, type AlarmRecord } from './alarm-record.js';
import type { Shelf } from './shelves.js';

export type { AlarmRecord, Shelf, FaultCondition };

export type PipelineEvents = { condition: [FaultCondition]; suspects: [readonly SuspectChange[]] };

export interface FaultPipeline {
  ingest(reading: Reading): void;
  upstream(change: UpstreamChange): void;
  /** The adapters' upstreams as they are now (a restored upstream alarm clears when its upstream is online). */
  upstreamStates(upstreams: readonly UpstreamStatus[]): void;
  start(): void;
  stop(): Promise<void>;
  alarms(): AlarmRecord[];
  /** Resolves once every condition so far has reached the tickets. */
  idle(): Promise<void>;
  shelve(deviceId: string, fault: string, minutes: number, reason: string, actor: string): Promise<Shelf>;
  unshelve(id: string, actor: string): Promise<boolean>;
  shelves(): Shelf[];
  /** Faults suspected now, before their ticket (疑似困人 while the on-delay confirms it). */
  suspects(): SuspectChange[];
  on: TypedEmitter<PipelineEvents>['on'];
  off: TypedEmitter<PipelineEvents>['off'];
}

/**
 * Readings -> detection -> alarms -> tickets. The alarm state in the store and the detector's
 * state are kept one story: at start the detector takes over the alarms that were active, and
 * when an alarm's ticket is closed or rejected the detector re-arms it (see DetectionEngine).
 */
class Pipeline extends TypedEmitter<PipelineEvents> implements FaultPipeline {
  readonly #detect: DetectionEngine;
  readonly #alarms: AlarmTicketing;
  readonly #store: Store;
  readonly #tickets: TicketService;
  readonly #onTicket = (t: Ticket): void => this.#ticketChanged(t);
  readonly #onCondition = (c: FaultCondition): void => {
    this.emit('condition', c);
    this.#alarms.onCondition(c);
  };
  /** The engine is a pair member's, running before and after this pipeline: it is neither started nor stopped here. */
  readonly #shared: boolean;
  readonly #suspects = new Map<string, SuspectChange>();
  readonly #onSuspect: (x: SuspectChange) => void;

  constructor(deps: PipelineDeps) {
    super();
    this.#store = deps.store;
    this.#tickets = deps.tickets;
    this.#shared = deps.detect !== undefined;
    this.#detect = deps.detect ?? new DetectionEngine(deps.site, deps.clock);
    this.#detect.setOffDelayWanted((deviceId, fault) => this.#ticketOpen(deviceId, fault));
    this.#alarms = new AlarmTicketing(deps);
    this.#detect.on('condition', this.#onCondition);
    const log = deps.log;
    this.#onSuspect = (x) => {
      const key = alarmKey(x.deviceId, x.fault);
      if (x.on) this.#suspects.set(key, x);
      else if (!this.#suspects.delete(key)) return;
      // Before any ticket: the log is where an operator later sees a suspicion that went away by itself.
      log.info({ event: x.on ? 'detect.suspected' : 'detect.suspect_ended', deviceId: x.deviceId, fault: x.fault, confirmInMs: x.on ? x.confirmAt - x.since : undefined }, x.on ? `${x.words.en} on ${x.deviceId}` : `no longer ${x.words.en.toLowerCase()} on ${x.deviceId}`);
      this.emit('suspects', this.suspects());
    };
    this.#detect.on('suspect', this.#onSuspect);
  }

  /** Whether the alarm's ticket is still open (or it has none): then its off-delay is wanted. */
  #ticketOpen(deviceId: string, fault: string): boolean {
    const id = this.#store.data.alarms[alarmKey(deviceId, fault)]?.ticketId;
    if (id === null || id === undefined) return true;
    const t = this.#tickets.get(id);
    return t !== undefined && isOpen(t);
  }

  #ticketChanged(t: Ticket): void {
    if (isOpen(t) || t.kind !== 'fault') return;
    const rec = this.#store.data.alarms[alarmKey(t.deviceId, t.fault)];
    if (rec?.ticketId === t.id && rec.state === 'active') this.#detect.rearm(t.deviceId, t.fault);
  }

  ingest(reading: Reading): void {
    this.#detect.ingest(reading);
  }

  upstream(change: UpstreamChange): void {
    this.#alarms.onUpstream(change);
  }

  upstreamStates(upstreams: readonly UpstreamStatus[]): void {
    this.#alarms.onUpstreamStates(upstreams);
  }

  start(): void {
    const active = Object.values(this.#store.data.alarms).filter((a) => a.state === 'active');
    // A shared engine ran before this pipeline (a standby's warm detection): what it holds active
    // that the store has no alarm for began while no gateway was active, and raises now.
    const warm = this.#shared ? this.#detect.activeNow() : [];
    this.#alarms.clearOrphans(this.#detect.restore(active));
    this.#tickets.on('changed', this.#onTicket);
    this.#detect.start();
    const known = new Set(active.map((a) => alarmKey(a.deviceId, a.fault)));
    for (const c of warm) if (!known.has(alarmKey(c.deviceId, c.fault))) this.#onCondition(c);
  }

  async stop(): Promise<void> {
    this.#tickets.off('changed', this.#onTicket);
    this.#detect.off('condition', this.#onCondition);
    this.#detect.off('suspect', this.#onSuspect);
    if (!this.#shared) this.#detect.stop();
    this.#suspects.clear();
    this.#alarms.stop();
    await this.#alarms.idle();
  }

  alarms(): AlarmRecord[] {
    return this.#alarms.alarms();
  }

  idle(): Promise<void> {
    return this.#alarms.idle();
  }

  shelve(deviceId: string, fault: string, minutes: number, reason: string, actor: string): Promise<Shelf> {
    return this.#alarms.shelves.shelve(deviceId, fault, minutes, reason, actor);
  }

  unshelve(id: string, actor: string): Promise<boolean> {
    return this.#alarms.shelves.unshelve(id, actor);
  }

  shelves(): Shelf[] {
    return this.#alarms.shelves.list();
  }

  suspects(): SuspectChange[] {
    return [...this.#suspects.values()];
  }
}

export interface PipelineDeps {
  readonly site: SiteConfig;
  readonly store: Store;
  readonly tickets: TicketService;
  readonly clock: Clock;
  readonly log: Logger;
  /** A detection engine already running (a pair member's sensing); default: the pipeline makes its own. */
  readonly detect?: DetectionEngine;
}

/** Readings -> detection -> alarms -> tickets, for one site. */
export function createFaultPipeline(deps: PipelineDeps): FaultPipeline {
  return new Pipeline(deps);
}
