import { type Clock, systemClock } from '../../core/clock.js';
import { HeartbeatClient } from './heartbeat-client.js';
import { fillTopic } from '../../adapters/mqtt/topic-map.js';
import { DEFAULT_ELEVATOR_RAISES } from '../../gateway/detect/elevator-codes.js';

/** The box's own words for the default codes (what its display and its messages say). */
const WORDS: Readonly<Record<string, string>> = {
  '0': '正常',
  '4001': '困人',
  '4002': '非平层停梯',
  '4003': '冲顶',
  '4004': '蹲底',
  '4005': '开门走梯',
  '4006': '超速',
  '4007': '轿厢意外移动',
  '4008': '反复开关门',
  '4009': '停电',
  '4010': '停梯',
};

export interface SimulatedElevatorBoxOptions {
  readonly deviceId: string;
  readonly brokerUrl: string;
  readonly username?: string;
  readonly password?: string;
  /** The device's topic pattern (default `site/{deviceId}/{pointId}`). */
  readonly topic?: string;
  /** The point its code goes to (the device's `eventCodes.point`, default `eventCode`). */
  readonly codePoint?: string;
  /** The floor it reports beside each code, if the site reads one (`floor`). */
  readonly floorPoint?: string;
  /** Its state again this often (a box's heartbeat): the current code, 0 when all is well. */
  readonly heartbeatMs: number;
  readonly clock?: Clock;
}

/**
 * An elevator IoT box (电梯物联网监测终端) as Chinese sites have them: it judges the lift itself and
 * publishes event codes in the lift-monitoring vocabulary (GB/T 24476, the 96333 platforms) as
 * `{"value": 4003, "text": "冲顶", "ts": ...}` on its code point's topic, with its floor beside it,
 * and repeats its current state on every heartbeat (0, 正常, when nothing is wrong).
 */
export class SimulatedElevatorBox {
  readonly deviceId: string;
  readonly #o: SimulatedElevatorBoxOptions;
  readonly #clock: Clock;
  readonly #link: HeartbeatClient;
  #code: string = '0';
  #floor = 1;

  constructor(o: SimulatedElevatorBoxOptions) {
    this.deviceId = o.deviceId;
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#link = new HeartbeatClient({ ...o, clientId: `sim-box-${o.deviceId}`, clock: this.#clock, beat: () => this.#report() });
  }

  async start(): Promise<void> {
    await this.#link.start();
  }

  async stop(): Promise<void> {
    await this.#link.stop();
  }


  /** The box reports an event (or 0, back to normal) now, and keeps reporting it as its state. */
  async event(code: string | number, floor = this.#floor): Promise<void> {
    this.#code = String(code);
    this.#floor = floor;
    await this.#report();
  }

  /** The code of the default table that raises `fault` (the box's numbering of an event). */
  static codeFor(fault: string): string | undefined {
    return Object.entries(DEFAULT_ELEVATOR_RAISES).find(([, f]) => f === fault)?.[0];
  }

  get code(): string {
    return this.#code;
  }

  async #report(): Promise<void> {
    const c = this.#link.connected;
    if (c === null) return;
    const ts = this.#clock.now();
    const topic = (pointId: string): string => fillTopic(this.#o.topic ?? 'site/{deviceId}/{pointId}', this.deviceId, pointId);
    if (this.#o.floorPoint !== undefined) await c.publishAsync(topic(this.#o.floorPoint), JSON.stringify({ value: this.#floor, ts }), { qos: 1 });
    const value = /^\d+$/.test(this.#code) ? Number(this.#code) : this.#code;
    await c.publishAsync(topic(this.#o.codePoint ?? 'eventCode'), JSON.stringify({ value, text: WORDS[this.#code] ?? this.#code, ts }), { qos: 1 });
  }
}
