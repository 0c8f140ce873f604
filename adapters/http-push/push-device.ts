import { compileDocumentDecoder, parseJson, walk, type DocumentDecoder } from '../decode/payload-decoder.js';
import type { Reading } from '../../core/reading.js';
import type { HttpPoint, HttpSource } from './config.js';

export interface HttpPushDeviceSpec {
  readonly id: string;
  readonly source: HttpSource;
}

interface CompiledPoint {
  readonly point: HttpPoint;
  readonly decode: DocumentDecoder;
  readonly textPath: readonly string[] | null;
}

/** What one push body became: the readings to emit, or every problem found (nothing emitted then). */
export type Decoding =
  | { readonly ok: true; readonly readings: readonly Reading[]; readonly unmapped: readonly string[] }
  | { readonly ok: false; readonly problems: readonly { readonly pointId?: string; readonly message: string }[] };

/** Longest event text carried to a ticket: a panel's words, not a document. */
const MAX_TEXT = 200;

/**
 * The points of one pushing device, compiled once: a body is read as text, parsed as JSON at most
 * once whatever the number of points, and each point's decoder looks for its value. A point whose
 * JSON path is absent is simply not in this push; a value that is there and wrong spoils the push.
 */
export class PushDevice {
  readonly #points: readonly CompiledPoint[];
  /** Whether the body is read as JSON (else it is one point's plain text: a number or a boolean word). */
  readonly #json: boolean;

  constructor(readonly spec: HttpPushDeviceSpec) {
    this.#points = spec.source.points.map((point) => ({
      point,
      decode: compileDocumentDecoder(point.decoder ?? { type: 'json', path: point.id }),
      textPath: point.kind === 'event' && point.textPath !== undefined ? point.textPath.split('.') : null,
    }));
    this.#json = spec.source.points.some((p) => p.decoder === undefined || p.decoder.type === 'json');
  }

  get pointIds(): string[] {
    return this.#points.map((p) => p.point.id);
  }

  decode(body: Buffer, receivedAt: number): Decoding {
    const text = body.toString('utf8');
    let parsed: ReturnType<typeof parseJson> | null = null;
    const doc = (): ReturnType<typeof parseJson> => (parsed ??= parseJson(text));
    const readings: Reading[] = [];
    const unmapped: string[] = [];
    const problems: { pointId?: string; message: string }[] = [];
    if (this.#json && !doc().ok) return { ok: false, problems: [{ message: body.length === 0 ? 'the body is empty' : `the body is not JSON (${body.length} bytes)` }] };
    for (const { point, decode, textPath } of this.#points) {
      const d = decode(text, doc);
      if (!d.ok) {
        if (d.absent !== true) problems.push({ pointId: point.id, message: `${point.id}: ${d.reason}` });
        continue;
      }
      const ts = d.ts ?? receivedAt;
      if (point.kind === 'event') {
        if (typeof d.value !== 'string' && typeof d.value !== 'number') {
          problems.push({ pointId: point.id, message: `${point.id}: an event code must be a string or a number, got ${JSON.stringify(d.value)}` });
          continue;
        }
        const code = String(d.value);
        const body = textPath === null ? null : doc();
        const words = textPath === null || body === null || !body.ok ? undefined : walk(body.doc, textPath);
        // The words reach tickets, pages and robot messages: control characters become spaces.
        const eventText = (typeof words === 'string' && words.trim() !== '' ? words.trim() : code).replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, MAX_TEXT);
        if (point.raises[code] === undefined && point.clears[code] === undefined) unmapped.push(code);
        readings.push({ deviceId: this.spec.id, pointId: point.id, value: code, quality: 'good', ts, event: { text: eventText } });
        continue;
      }
      const range = point.range;
      if (typeof d.value === 'number' && range !== undefined && ((range.min !== undefined && d.value < range.min) || (range.max !== undefined && d.value > range.max))) {
        problems.push({ pointId: point.id, message: `${point.id}: ${d.value} is outside [${range.min ?? '-inf'}, ${range.max ?? 'inf'}]` });
        continue;
      }
      readings.push({ deviceId: this.spec.id, pointId: point.id, value: d.value, quality: 'good', ts });
    }
    if (problems.length > 0) return { ok: false, problems };
    if (readings.length === 0) {
      const paths = this.#points.map((p) => (p.point.decoder === undefined ? p.point.id : p.point.decoder.type === 'json' ? p.point.decoder.path : `(${p.point.decoder.type} body)`));
      const what = doc().ok ? `the JSON body has none of this device's points (expected a value at ${paths.map((x) => `"${x}"`).join(', ')})` : 'the body is not JSON';
      return { ok: false, problems: [{ message: what }] };
    }
    return { ok: true, readings, unmapped };
  }
}
