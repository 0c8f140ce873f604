import { TICKET_STATUSES, type Satisfaction, type TicketStatus } from '../core/vocabulary.js';

/** Central's own callback to the owner (contract 2.1, an update's `callback`). */
export interface CentralCall {
  readonly reached: boolean;
  readonly satisfaction?: Satisfaction;
  readonly words?: string;
}

/**
 * Reads the central service's answers against the contract (cloud-sync/openapi.json) before
 * anything acts on them. The central service is the customer's own system: whatever it answers,
 * the gateway either understands it or says precisely what was wrong, and never acts on a guess.
 * Hand-written rather than schema-generated so each refusal names the field and the value.
 */

/** What the service said about one ticket version it was sent. */
export type ItemAnswer =
  | { readonly kind: 'accepted' | 'duplicate' }
  | { readonly kind: 'rejected'; readonly reason: string }
  /** An answer the gateway does not understand, or none at all: the item is tried again later, never dead-lettered. */
  | { readonly kind: 'not-understood'; readonly why: string };

export type BatchAnswer = { readonly kind: 'ok'; readonly items: ReadonlyMap<string, ItemAnswer> } | { readonly kind: 'invalid'; readonly why: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (JSON.stringify(v) ?? String(v)).slice(0, 80);

/**
 * The answer to an upload of `sent` (ticket id -> version). Whole-answer problems (not an object,
 * `results` not an array, an answer that names none of the tickets sent) make it invalid; a result
 * the gateway cannot read, or a ticket it does not mention, is `not-understood` for that item alone.
 */
export function readBatchAnswer(body: unknown, sent: ReadonlyMap<string, number>): BatchAnswer {
  if (!isObject(body)) return { kind: 'invalid', why: `the answer is ${show(body)}, not an object with results` };
  const results = body['results'];
  if (!Array.isArray(results)) return { kind: 'invalid', why: `results is ${show(results)}, not an array` };
  const items = new Map<string, ItemAnswer>();
  for (const r of results) {
    if (!isObject(r) || typeof r['id'] !== 'string' || !sent.has(r['id'])) continue;
    const id = r['id'];
    const version = r['version'];
    if (version !== sent.get(id)) {
      items.set(id, { kind: 'not-understood', why: `the result for ticket ${id} is for version ${show(version)}, version ${sent.get(id)} was sent` });
      continue;
    }
    const result = r['result'];
    if (result === 'accepted' || result === 'duplicate') items.set(id, { kind: result });
    else if (result === 'rejected') items.set(id, { kind: 'rejected', reason: typeof r['reason'] === 'string' && r['reason'] !== '' ? r['reason'] : 'rejected by the central service (no reason given)' });
    else items.set(id, { kind: 'not-understood', why: `the result for ticket ${id} is ${show(result)}, not accepted, duplicate or rejected` });
  }
  if (items.size === 0) return { kind: 'invalid', why: `the answer names none of the ${sent.size} ticket(s) sent (results: ${show(results)})` };
  for (const id of sent.keys()) if (!items.has(id)) items.set(id, { kind: 'not-understood', why: `the answer says nothing about ticket ${id}` });
  return { kind: 'ok', items };
}

/** One status change the central service made. `id` dedups a replay; `at` is central's time of it. */
export interface CentralUpdate {
  readonly id?: string;
  readonly ticketId: string;
  readonly status: TicketStatus;
  readonly at: string;
  readonly assignee?: string;
  readonly note?: string;
  readonly centralNumber?: string;
  /** Its call centre's callback to the owner (回访; since 2.1): reached or not, satisfaction 1-5, the owner's words. */
  readonly callback?: CentralCall;
}

/** An update as read: one the gateway can act on, or one it refuses with the reason (and what it could make of it). */
export type UpdateRead = { readonly kind: 'ok'; readonly update: CentralUpdate } | { readonly kind: 'invalid'; readonly why: string; readonly ticketId: string | null; readonly id?: string; readonly status: string };

export type UpdatesAnswer = { readonly kind: 'ok'; readonly updates: readonly UpdateRead[]; readonly cursor: string } | { readonly kind: 'invalid'; readonly why: string };

const STATUSES: ReadonlySet<string> = new Set(TICKET_STATUSES);
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The answer to a poll for updates: the list must be a list and the cursor a string; each update is checked on its own. */
export function readUpdatesAnswer(body: unknown): UpdatesAnswer {
  if (!isObject(body)) return { kind: 'invalid', why: `the answer is ${show(body)}, not an object with updates and cursor` };
  const updates = body['updates'];
  const cursor = body['cursor'];
  if (!Array.isArray(updates)) return { kind: 'invalid', why: `updates is ${show(updates)}, not an array` };
  if (typeof cursor !== 'string' || cursor === '' || cursor.length > 512) return { kind: 'invalid', why: `cursor is ${show(cursor)}, not a string of 1 to 512 characters` };
  return { kind: 'ok', updates: updates.map(readUpdate), cursor };
}

function readUpdate(u: unknown): UpdateRead {
  if (!isObject(u)) return { kind: 'invalid', why: `an update is ${show(u)}, not an object`, ticketId: null, status: '' };
  const ticketId = typeof u['ticketId'] === 'string' && u['ticketId'] !== '' ? u['ticketId'] : null;
  const id = typeof u['id'] === 'string' && u['id'] !== '' && u['id'].length <= 128 ? u['id'] : undefined;
  const status = typeof u['status'] === 'string' ? u['status'] : show(u['status']);
  const bad = (why: string): UpdateRead => ({ kind: 'invalid', why, ticketId, ...(id === undefined ? {} : { id }), status: status.slice(0, 80) });
  if (ticketId === null) return bad(`ticketId is ${show(u['ticketId'])}`);
  if (u['id'] !== undefined && id === undefined) return bad(`id is ${show(u['id'])}, not a string of 1 to 128 characters`);
  if (!STATUSES.has(status)) return bad(`status ${show(u['status'])} is not a status of the contract`);
  const at = u['at'];
  if (typeof at !== 'string' || !DATE_TIME.test(at) || Number.isNaN(Date.parse(at))) return bad(`at is ${show(at)}, not a date-time`);
  const text = (key: 'assignee' | 'note' | 'centralNumber', max: number): string | undefined | false => {
    const v = u[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' && v.length <= max ? v : false;
  };
  const assignee = text('assignee', 200);
  const note = text('note', 2000);
  const centralNumber = text('centralNumber', 64);
  if (assignee === false) return bad(`assignee is ${show(u['assignee'])}, not a text of at most 200 characters`);
  if (note === false) return bad(`note is ${show(u['note'])}, not a text of at most 2000 characters`);
  if (centralNumber === false) return bad(`centralNumber is ${show(u['centralNumber'])}, not a text of at most 64 characters`);
  const callback = readCallback(u['callback']);
  if (typeof callback === 'string') return bad(callback);
  return {
    kind: 'ok',
    update: {
      ticketId,
      status: status as TicketStatus,
      at,
      ...(id === undefined ? {} : { id }),
      ...(assignee === undefined ? {} : { assignee }),
      ...(note === undefined ? {} : { note }),
      ...(centralNumber === undefined ? {} : { centralNumber }),
      ...(callback === undefined ? {} : { callback }),
    },
  };
}

/** An update's callback (since 2.1), or what is wrong with it. */
function readCallback(c: unknown): CentralCall | undefined | string {
  if (c === undefined || c === null) return undefined;
  if (!isObject(c)) return `callback is ${show(c)}, not an object with reached`;
  const reached = c['reached'];
  if (typeof reached !== 'boolean') return `callback.reached is ${show(reached)}, not true or false`;
  const s = c['satisfaction'];
  if (s !== undefined && s !== null && !(Number.isInteger(s) && (s as number) >= 1 && (s as number) <= 5)) return `callback.satisfaction is ${show(s)}, not a whole number from 1 to 5`;
  if (!reached && s !== undefined && s !== null) return 'callback.satisfaction is given for a call that did not reach the owner';
  const w = c['words'];
  if (w !== undefined && w !== null && (typeof w !== 'string' || w.length > 1000)) return `callback.words is ${show(w)}, not a text of at most 1000 characters`;
  return { reached, ...(s === undefined || s === null ? {} : { satisfaction: s as Satisfaction }), ...(typeof w === 'string' && w !== '' ? { words: w } : {}) };
}
