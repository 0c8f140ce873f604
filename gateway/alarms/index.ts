import type { UpstreamChange } from '../../adapters/adapter.js';
import type { Reading } from '../../adapters/reading.js';
import { TypedEmitter } from '../../adapters/typed-emitter.js';
import type { Clock } from '../clock.js';
import type { SiteConfig } from '../config/site-schema.js';
import { DetectionEngine, type FaultCondition } from '../detect/detection-engine.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { AlarmManager } from './alarm-manager.js';
import type { AlarmRecord } from './alarm-record.js';
import type { Shelf } from './shelves.js';

export type { AlarmRecord, Shelf, FaultCondition };

export type PipelineEvents = { condition: [FaultCondition] };

export interface FaultPipeline {
  ingest(reading: Reading): void;
  upstream(change: UpstreamChange): void;
  start(): void;
  stop(): Promise<void>;
  alarms(): AlarmRecord[];
  /** Resolves once every condition so far has reached the tickets. */
  idle(): Promise<void>;
  shelve(deviceId: string, fault: string, minutes: number, reason: string, actor: string): Promise<Shelf>;
  unshelve(id: string, actor: string): Promise<boolean>;
  shelves(): Shelf[];
  on: TypedEmitter<PipelineEvents>['on'];
  off: TypedEmitter<PipelineEvents>['off'];
}

class Pipeline extends TypedEmitter<PipelineEvents> implements FaultPipeline {
  readonly #detect: DetectionEngine;
  readonly #alarms: AlarmManager;

  constructor(deps: { site: SiteConfig; store: Store; tickets: TicketService; clock: Clock; log: Logger }) {
    super();
    this.#detect = new DetectionEngine(deps.site, deps.clock);
    this.#alarms = new AlarmManager(deps);
    this.#detect.on('condition', (c) => {
      this.emit('condition', c);
      this.#alarms.onCondition(c);
    });
  }

  ingest(reading: Reading): void {
    this.#detect.ingest(reading);
  }

  upstream(change: UpstreamChange): void {
    this.#alarms.onUpstream(change);
  }

  start(): void {
    this.#detect.start();
  }

  async stop(): Promise<void> {
    this.#detect.stop();
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
}

/** Readings -> detection -> alarms -> tickets, for one site. */
export function createFaultPipeline(deps: { site: SiteConfig; store: Store; tickets: TicketService; clock: Clock; log: Logger }): FaultPipeline {
  return new Pipeline(deps);
}
