import { LatestValue } from '../../core/latest-value.js';
import type { Reading, ReadingValue } from '../../core/reading.js';
import { TypedEmitter } from '../../core/typed-emitter.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Bilingual } from '../../core/vocabulary.js';
import type { Device, SiteConfig } from '../config/site-schema.js';
import type { EvidenceSeries } from '../tickets/ticket.js';
import { pointName, pointStates } from '../tickets/point-words.js';
import { offlineTier, offlineWindowMs, rulesFor } from './builtin-faults.js';
import { compileCustomRule } from './custom-rules.js';
import type { CompiledRule, DeviceView, SeenEvent } from './fault-rule.js';
import { offlineCondition, ruleCondition, type FaultCondition } from './fault-conditions.js';
import { PointHistory } from './point-history.js';
import { compileStateRule, specOf } from './state-rules.js';

/**
 * A fault whose condition holds while its on-delay confirms it, for rules that name the state
 * (`suspect`: 疑似困人): `on` false when it was confirmed (a condition follows) or went away.
 * Times are wall clock, for people: when it started and when it will be confirmed if it holds.
 */
export interface SuspectChange {
  readonly deviceId: string;
  readonly fault: string;
  readonly on: boolean;
  readonly words: Bilingual;
  readonly since: number;
  readonly confirmAt: number;
}

export type DetectionEvents = { condition: [FaultCondition]; suspect: [SuspectChange] };

type RuleState = 'normal' | 'pending-on' | 'active' | 'pending-off';

interface RuleSlot {
  readonly rule: CompiledRule;
  state: RuleState;
  timer: TimerHandle | null;
  triggerTs: number;
  /** Wall time its suspected state began (rules with `suspect` words). */
  suspectSince: number;
}

/** What detection keeps of one point; updated in place, so a reading is not kept alive. */
interface PointSlot {
  /** Samples by the elapsed time they arrived at: windows never see a step of the wall clock. */
  readonly history: PointHistory;
  /** The last good value (cleared by a reading of bad quality). */
  readonly good: LatestValue;
  /** When the last good reading arrived (monotonic), NaN before the first. */
  lastGoodAt: number;
  /** The last event of a point of kind `event` (event rules read it). */
  lastEvent: SeenEvent | undefined;
  /** Good readings so far (an elevator box's code point: each reading is an event). */
  goodCount: number;
}

/**
 * One device's detection state, and the view its rules read. A class, not an object literal with
 * its own getter and closures: those gave every device its own hidden class and a dictionary of
 * properties (about 1.6 kB a device, docs/performance.md run K); here every device shares one shape
 * and the methods live once on the prototype.
 */
class DeviceSlot implements DeviceView {
  startedAt: number;
  lastGood: number;
  offline = false;
  /** Nobody reads it now (a standby's cold source): its silence is not an outage. */
  unread = false;
  /** Rules touched by readings marked `more`, judged when the last reading of that answer is in (null: none waiting). */
  waiting: RuleSlot[] | null = null;

  constructor(
    readonly device: Device,
    readonly points: Map<string, PointSlot>,
    readonly rules: RuleSlot[],
    readonly byPoint: Map<string, RuleSlot[]>,
    readonly timeDriven: RuleSlot[],
    readonly offlineWindowMs: number | null,
    readonly clock: Clock,
  ) {
    this.startedAt = clock.monotonic();
    this.lastGood = this.startedAt;
  }

  get now(): number {
    return this.clock.monotonic();
  }

  value(pointId: string): ReadingValue | undefined {
    return this.points.get(pointId)?.good.value;
  }

  history(pointId: string): PointHistory | undefined {
    return this.points.get(pointId)?.history;
  }

  event(pointId: string): SeenEvent | undefined {
    return this.points.get(pointId)?.lastEvent;
  }

  readings(pointId: string): number {
    return this.points.get(pointId)?.goodCount ?? 0;
  }

  lastGoodTs(pointId: string): number | undefined {
    const at = this.points.get(pointId)?.lastGoodAt;
    return at === undefined || Number.isNaN(at) ? undefined : at;
  }
}

/** Evidence covers the last 120 s of every point involved. */
const EVIDENCE_MS = 120_000;
/** Samples a point's ring holds at most: a point reporting faster than 2 a second keeps less than the evidence window. */
const HISTORY_MAX = 240;

/**
 * Whether an alarm that goes back to normal should wait out its off-delay. The off-delay keeps a
 * condition that flickers on one ticket; once that ticket is closed or rejected there is nothing
 * to keep it on, and a fault that comes back must be a new activation (a new ticket).
 */
export type OffDelayWanted = (deviceId: string, fault: string) => boolean;

/**
 * Turns readings into fault conditions. Per reading: one Map lookup for the device, one for the
 * rules watching the point, and a ring-buffer push. On- and off-delays run on the Clock's elapsed
 * time, and a periodic sweep finds silent devices, so detection moves on when no reading arrives.
 * The wall clock only stamps what is reported: a step of it changes neither what is detected nor when.
 */
export class DetectionEngine extends TypedEmitter<DetectionEvents> {
  readonly #clock: Clock;
  readonly #devices = new Map<string, DeviceSlot>();
  #sweep: TimerHandle | null = null;
  readonly #sweepMs: number;
  #lastSweep = 0;
  #offDelayWanted: OffDelayWanted;

  constructor(site: SiteConfig, clock: Clock, offDelayWanted: OffDelayWanted = () => true) {
    super();
    this.#clock = clock;
    this.#offDelayWanted = offDelayWanted;
    let shortest = Infinity;
    // State-aware rules may read any device of the site (a chiller and its pumps): they look it up when they judge.
    const stateDeps = { clock, timeZone: site.site.timeZone, view: (id: string) => this.#devices.get(id), devices: new Map(site.devices.map((d) => [d.id, d])) };
    for (const device of site.devices) {
      const compiled = [...rulesFor(device), ...device.rules.map((r) => compileCustomRule(device, r)), ...device.stateRules.map((r) => compileStateRule(device, specOf(r), stateDeps))];
      const rules = compiled.map((rule): RuleSlot => ({ rule, state: 'normal', timer: null, triggerTs: 0, suspectSince: 0 }));
      const byPoint = new Map<string, RuleSlot[]>();
      for (const slot of rules) {
        for (const p of slot.rule.points) byPoint.set(p, [...(byPoint.get(p) ?? []), slot]);
      }
      // Each ring reaches back over the evidence window, or further when a rule looks further back.
      const keepMs = (pointId: string): number => Math.max(EVIDENCE_MS, ...(byPoint.get(pointId) ?? []).map((r) => r.rule.lookbackMs ?? 0));
      const points = new Map(device.source.points.map((p): [string, PointSlot] => [p.id, { history: new PointHistory(HISTORY_MAX, keepMs(p.id)), good: new LatestValue(), lastGoodAt: Number.NaN, lastEvent: undefined, goodCount: 0 }]));
      const window = offlineWindowMs(device);
      if (window !== null) shortest = Math.min(shortest, window);
      const timeDriven = rules.filter((r) => r.rule.timeDriven === true);
      // Time-driven custom rules (no-data, rate) are re-checked at least once a second.
      if (timeDriven.length > 0) shortest = Math.min(shortest, 3_000);
      this.#devices.set(device.id, new DeviceSlot(device, points, rules, byPoint, timeDriven, window, clock));
    }
    // Sweep often enough that offline is noticed within a third of the shortest window.
    this.#sweepMs = Number.isFinite(shortest) ? Math.max(100, Math.min(5_000, shortest / 3)) : 5_000;
  }

  /**
   * Alarms that were active when the gateway stopped (from the store): their rules start active,
   * so a normal reading clears them after the off-delay like a live alarm, and the fault coming
   * back later is a new activation. Returns the ones no rule of this site knows any more.
   */
  restore(active: Iterable<{ readonly deviceId: string; readonly fault: string }>): { deviceId: string; fault: string }[] {
    const unknown: { deviceId: string; fault: string }[] = [];
    for (const a of active) {
      const d = this.#devices.get(a.deviceId);
      if (d === undefined) {
        if (!a.deviceId.startsWith('upstream:')) unknown.push({ deviceId: a.deviceId, fault: a.fault });
        continue;
      }
      if (a.fault === 'device-offline') {
        if (d.offlineWindowMs === null) unknown.push({ deviceId: a.deviceId, fault: a.fault });
        else d.offline = true;
        continue;
      }
      const slot = d.rules.find((r) => r.rule.fault === a.fault);
      if (slot === undefined) unknown.push({ deviceId: a.deviceId, fault: a.fault });
      else slot.state = 'active';
    }
    return unknown;
  }

  /**
   * The alarm's ticket was closed or rejected: a rule waiting out its off-delay (the condition is
   * gone) ends now, so the fault coming back raises a new ticket instead of silently continuing.
   */
  rearm(deviceId: string, fault: string): void {
    const d = this.#devices.get(deviceId);
    const slot = d?.rules.find((r) => r.rule.fault === fault);
    if (d === undefined || slot === undefined || slot.state !== 'pending-off') return;
    slot.timer?.cancel();
    slot.timer = null;
    this.#fire(d, slot, false);
  }

  /**
   * Devices nobody reads right now (a standby's cold sources): not judged offline, and when they are
   * read again (`unread` without them) their silence counts from then, not from when they were last heard.
   */
  setUnread(ids: ReadonlySet<string>): void {
    const now = this.#clock.monotonic();
    for (const [id, d] of this.#devices) {
      const was = d.unread;
      d.unread = ids.has(id);
      if (was && !d.unread) d.lastGood = now;
    }
  }

  /** Who decides whether an alarm's off-delay is wanted, for an engine made before its alarms (a pair's, kept across roles). */
  setOffDelayWanted(f: OffDelayWanted): void {
    this.#offDelayWanted = f;
  }

  /**
   * The faults this engine holds active now, as conditions with their evidence: at a standby's
   * promotion, those without an alarm in the replicated store raise their ticket (its detection
   * ran all along, so a fault that began while nobody was active is not made to wait again).
   */
  activeNow(): FaultCondition[] {
    const wall = this.#clock.now();
    const at = this.#clock.monotonic();
    const out: FaultCondition[] = [];
    for (const d of this.#devices.values()) {
      for (const s of d.rules) {
        if (s.state !== 'active' && s.state !== 'pending-off') continue;
        out.push(ruleCondition(d.device.id, s.rule, s.rule.describe(d), { active: true, ts: wall, at, triggerTs: s.triggerTs, again: false }, this.#ruleEvidence(d, s, at, wall)));
      }
      if (d.offline) out.push(offlineCondition(d.device, offlineTier(d.device), { active: true, ts: wall, at, triggerTs: wall }, Math.round((at - d.lastGood) / 1000)));
    }
    return out;
  }

  start(): void {
    if (this.#sweep !== null) return;
    const now = this.#clock.monotonic();
    for (const d of this.#devices.values()) {
      d.lastGood = now;
      d.startedAt = now;
    }
    this.#lastSweep = now;
    this.#sweep = this.#clock.setInterval(() => this.#sweepOffline(), this.#sweepMs);
  }

  stop(): void {
    this.#sweep?.cancel();
    this.#sweep = null;
    for (const d of this.#devices.values()) {
      for (const r of d.rules) {
        r.timer?.cancel();
        r.timer = null;
      }
    }
  }

  /** Hot path. Synchronous; never throws for a reading of an unknown device or point. */
  ingest(r: Reading): void {
    const d = this.#devices.get(r.deviceId);
    if (d === undefined) return;
    const p = d.points.get(r.pointId);
    if (p === undefined) return;
    const at = this.#clock.monotonic();
    p.history.push(at, r.value, r.quality);
    if (r.quality !== 'good') {
      // A bad reading tells us nothing about the fault: forget the value, keep the rule state.
      p.good.clear();
      if (r.more !== true && d.waiting !== null) this.#judgeWaiting(d, r.ts);
      return;
    }
    p.good.set(r);
    if (r.event !== undefined) p.lastEvent = { code: r.value, text: r.event.text, at };
    d.lastGood = at;
    p.lastGoodAt = at;
    p.goodCount += 1;
    if (d.offline) this.#setOffline(d, false, r.ts);
    const slots = d.byPoint.get(r.pointId);
    if (r.more === true || d.waiting !== null) {
      // Part of one answer: its rules are judged once the whole answer is in.
      if (slots !== undefined) {
        const waiting = (d.waiting ??= []);
        for (const s of slots) if (!waiting.includes(s)) waiting.push(s);
      }
      if (r.more !== true) this.#judgeWaiting(d, r.ts);
      return;
    }
    if (slots === undefined) return;
    for (const s of slots) this.#evaluate(d, s, r.ts);
  }

  #judgeWaiting(d: DeviceSlot, triggerTs: number): void {
    const waiting = d.waiting ?? [];
    d.waiting = null;
    for (const s of waiting) this.#evaluate(d, s, triggerTs);
  }

  #evaluate(d: DeviceSlot, s: RuleSlot, triggerTs: number): void {
    const cond = s.rule.test(d, s.state === 'active' || s.state === 'pending-off');
    if (cond === null) return;
    switch (s.state) {
      case 'normal':
        if (!cond) return;
        // An event rule's "again" means "while on": what raised it now is this activation itself.
        s.rule.again?.(d);
        s.triggerTs = triggerTs;
        if (s.rule.onDelayMs <= 0) return this.#fire(d, s, true);
        s.state = 'pending-on';
        s.timer = this.#clock.setTimeout(() => this.#settle(d, s), s.rule.onDelayMs);
        this.#suspect(d, s, true);
        return;
      case 'pending-on':
        if (cond) return;
        s.timer?.cancel();
        s.timer = null;
        s.state = 'normal';
        this.#suspect(d, s, false);
        return;
      case 'active':
        if (cond) {
          if (s.rule.again?.(d) === true) this.#fire(d, s, true, true);
          return;
        }
        s.triggerTs = triggerTs;
        if (s.rule.offDelayMs <= 0 || !this.#offDelayWanted(d.device.id, s.rule.fault)) return this.#fire(d, s, false);
        s.state = 'pending-off';
        s.timer = this.#clock.setTimeout(() => this.#settle(d, s), s.rule.offDelayMs);
        return;
      case 'pending-off':
        if (!cond) return;
        s.timer?.cancel();
        s.timer = null;
        s.state = 'active';
        return;
      default: {
        const never: never = s.state;
        throw new Error(`bad rule state ${String(never)}`);
      }
    }
  }

  /** The delay ran out: fire if the condition still holds (it may depend on time, e.g. a rate). */
  #settle(d: DeviceSlot, s: RuleSlot): void {
    s.timer = null;
    const cond = s.rule.test(d, s.state === 'pending-off');
    if (s.state === 'pending-on') {
      this.#suspect(d, s, false);
      if (cond === true) this.#fire(d, s, true);
      else s.state = 'normal';
    } else if (s.state === 'pending-off') {
      if (cond === false || cond === null) this.#fire(d, s, false);
      else s.state = 'active';
    }
  }

  /** A rule that names its suspected state entered or left its on-delay. */
  #suspect(d: DeviceSlot, s: RuleSlot, on: boolean): void {
    const words = s.rule.suspect;
    if (words === undefined) return;
    const now = this.#clock.now();
    if (on) s.suspectSince = now;
    this.emit('suspect', { deviceId: d.device.id, fault: s.rule.fault, on, words, since: s.suspectSince, confirmAt: s.suspectSince + s.rule.onDelayMs });
  }

  #fire(d: DeviceSlot, s: RuleSlot, active: boolean, again = false): void {
    s.state = active ? 'active' : 'normal';
    const wall = this.#clock.now();
    const at = this.#clock.monotonic();
    this.emit('condition', ruleCondition(d.device.id, s.rule, s.rule.describe(d), { active, ts: wall, at, triggerTs: s.triggerTs, again }, active ? this.#ruleEvidence(d, s, at, wall) : []));
  }

  /** The recent samples, stamped in wall time for people: each is as long before `wall` as it arrived before `at`. */
  /** A rule's evidence: the points it names for it (a state-aware rule's may be on other devices), else its own points. */
  #ruleEvidence(d: DeviceSlot, s: RuleSlot, at: number, wall: number): EvidenceSeries[] {
    return this.#evidence(d, s.rule.evidence ?? s.rule.points.map((pointId) => ({ deviceId: d.device.id, pointId })), at, wall);
  }

  #evidence(own: DeviceSlot, points: readonly { readonly deviceId: string; readonly pointId: string }[], at: number, wall: number): EvidenceSeries[] {
    return points.flatMap(({ deviceId, pointId }) => {
      // A state-aware rule's evidence may be a point of another device of its system.
      const d = deviceId === own.device.id ? own : this.#devices.get(deviceId);
      const h = d?.points.get(pointId)?.history;
      if (d === undefined || h === undefined) return [];
      const point: { unit?: string | undefined; name?: { zh: string; en?: string | undefined } | undefined } | undefined = d.device.source.points.find((p) => p.id === pointId);
      const unit = point?.unit;
      const states = pointStates(pointId);
      const samples = h.since(at - EVIDENCE_MS).map((x) => ({ ...x, ts: Math.round(wall - (at - x.ts)) }));
      // Named as staff call the point, so the ticket reads the same on the pages and at the central service.
      return [{ deviceId: d.device.id, pointId, name: pointName(pointId, point?.name), ...(states === undefined ? {} : { states }), ...(unit === undefined ? {} : { unit }), samples }];
    });
  }

  /** Offline devices, and the rules that time alone can change (no-data, rate). */
  #sweepOffline(): void {
    const now = this.#clock.monotonic();
    // A late sweep means the process itself stalled (GC, a busy loop, a frozen VM): readings may be
    // waiting in socket buffers. Judge nobody this round; the next sweep sees them processed.
    const late = now - this.#lastSweep > 2 * this.#sweepMs;
    this.#lastSweep = now;
    if (late) return;
    const wall = this.#clock.now();
    for (const d of this.#devices.values()) {
      for (const s of d.timeDriven) this.#evaluate(d, s, wall);
      if (d.offlineWindowMs === null || d.offline || d.unread) continue;
      if (now - d.lastGood >= d.offlineWindowMs) this.#setOffline(d, true, wall);
    }
  }

  #setOffline(d: DeviceSlot, offline: boolean, ts: number): void {
    d.offline = offline;
    const at = this.#clock.monotonic();
    this.emit('condition', offlineCondition(d.device, offlineTier(d.device), { active: offline, ts: this.#clock.now(), at, triggerTs: ts }, Math.round((at - d.lastGood) / 1000)));
  }
}
