import type * as NetSnmp from 'net-snmp';
import type { Clock } from '../../core/clock.js';
import { resolveSecret } from '../../core/secrets.js';
import type { SnmpSource, SnmpUser } from './config.js';
import type { Varbind } from './varbind-decode.js';

// net-snmp is CommonJS: a dynamic import hands it over as `default`.
export type Sdk = (typeof NetSnmp)['default'];

export type SnmpErrorCode = 'GW_SNMP_TIMEOUT' | 'GW_SNMP_AUTH' | 'GW_SNMP_ERROR_STATUS' | 'GW_SNMP_REQUEST';
export type GetOutcome = { readonly ok: true; readonly varbinds: readonly Varbind[] } | { readonly ok: false; readonly code: SnmpErrorCode; readonly reason: string };

const AUTH = { md5: 2, sha: 3, sha224: 4, sha256: 5, sha384: 6, sha512: 7 } as const;
const PRIV = { des: 2, aes: 4, aes256b: 6, aes256r: 8 } as const;
const LEVEL = { noAuthNoPriv: 1, authNoPriv: 2, authPriv: 3 } as const;

/** net-snmp's ResponseInvalidCode values that mean the v3 credentials are wrong (RFC 3414 §3.2). */
const AUTH_CODES = new Set([4 /* ECouldNotDecrypt */, 5 /* EAuthFailure */, 14 /* ENotInTimeWindow */]);

/** A v3 user as net-snmp takes it (sessions and the trap receiver alike), keys resolved now. */
export function usmUser(u: SnmpUser, where: string, env: NodeJS.ProcessEnv): NetSnmp.User {
  const user: NetSnmp.User = { name: u.name, level: LEVEL[u.level] };
  if (u.level !== 'noAuthNoPriv') Object.assign(user, { authProtocol: AUTH[u.authProtocol], authKey: resolveSecret(u.authKey, `${where}.user.authKey`, env) });
  if (u.level === 'authPriv') Object.assign(user, { privProtocol: PRIV[u.privProtocol], privKey: resolveSecret(u.privKey, `${where}.user.privKey`, env) });
  return user;
}

/** The session options net-snmp needs, with secrets resolved at the moment of use (never logged). */
function openSession(sdk: Sdk, s: SnmpSource, where: string, env: NodeJS.ProcessEnv, backstopMs: number): NetSnmp.Session {
  // The clock times each try (below); net-snmp's own timer is only a backstop that frees the request.
  const common = { port: s.port, retries: 0, timeout: backstopMs, transport: 'udp4' as const };
  if (s.version === '3' && s.user !== undefined) return sdk.createV3Session(s.host, usmUser(s.user, where, env), { ...common, version: 3 });
  return sdk.createSession(s.host, resolveSecret(s.community, `${where}.community`, env) ?? 'public', { ...common, version: 1 /* Version2c */ });
}

/** Sorts a net-snmp error into our codes; the message never carries a key or a community. */
/**
 * An SNMP v2c agent drops a request with a community it does not know without a word (RFC 3584
 * §4: no response is sent), so a wrong community and a dead agent look exactly alike.
 */
const V2C_SILENCE = '; a wrong community looks exactly like this (the agent drops such requests in silence): check the community first';

export function classify(err: unknown, timeoutMs: number): { code: SnmpErrorCode; reason: string } {
  const e = err as { name?: string; message?: string; code?: number; status?: number };
  if (e.name === 'RequestTimedOutError') return { code: 'GW_SNMP_TIMEOUT', reason: `no answer within ${timeoutMs} ms` };
  if (e.name === 'ResponseInvalidError' && e.code !== undefined && AUTH_CODES.has(e.code)) {
    return { code: 'GW_SNMP_AUTH', reason: `SNMPv3 security refused: ${authWords(e.message ?? '')}` };
  }
  if (e.name === 'RequestFailedError') return { code: 'GW_SNMP_ERROR_STATUS', reason: `agent answered error-status ${e.message ?? e.status ?? '?'}` };
  return { code: 'GW_SNMP_REQUEST', reason: withoutCommunity(e.message ?? String(err)).slice(0, 200) };
}

/**
 * net-snmp quotes communities in some messages ("Community 'x' in request does not match...",
 * "Local community not found for message with community x"): a community is a password, so it is
 * cut out before a message is logged, counted or shown.
 */
export function withoutCommunity(message: string): string {
  return message.replace(/(community)\s+'[^']*'/gi, '$1 (hidden)').replace(/(with community)\s+\S+/gi, '$1 (hidden)');
}

/** net-snmp names the USM report (usmStatsWrongDigests...); some of its other messages quote the user name, which is fine, but never more. */
function authWords(message: string): string {
  if (/Wrong Digest/i.test(message)) return 'wrong authentication key (usmStatsWrongDigests)';
  if (/Unknown User/i.test(message)) return 'unknown user (usmStatsUnknownUserNames)';
  if (/Decrypt/i.test(message)) return 'wrong privacy key (decryption failed)';
  if (/Security Level/i.test(message)) return 'security level not supported for this user (usmStatsUnsupportedSecLevels)';
  if (/time window/i.test(message)) return 'message outside the time window (usmStatsNotInTimeWindows)';
  if (/Engine ID/i.test(message)) return 'unknown engine id (usmStatsUnknownEngineIDs)';
  return 'authentication failed';
}

/**
 * One device's SNMP session: GETs of a list of OIDs, each try bounded by the monotonic clock. The
 * session is dropped after a failed poll and opened afresh for the next (a restarted v3 agent has
 * new engine boots/time, which only a new discovery learns).
 */
export class AgentSession {
  readonly #sdk: Sdk;
  readonly #source: SnmpSource;
  readonly #where: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #clock: Clock;
  #session: NetSnmp.Session | null = null;

  constructor(sdk: Sdk, source: SnmpSource, where: string, clock: Clock, env: NodeJS.ProcessEnv) {
    this.#sdk = sdk;
    this.#source = source;
    this.#where = where;
    this.#clock = clock;
    this.#env = env;
  }

  /** One GET, tried `1 + retries` times; calls back exactly once. Throws only for a missing secret. */
  get(oids: readonly string[], done: (o: GetOutcome) => void): void {
    this.#try(oids, this.#source.retries, done);
  }

  /** Forgets the session (after a failed poll, and on stop): its socket and pending requests are released. */
  reset(): void {
    const s = this.#session;
    this.#session = null;
    if (s === null) return;
    try {
      s.close();
    } catch {
      // Already closed: nothing left to release.
    }
  }

  #open(timeoutMs: number): NetSnmp.Session {
    const session = openSession(this.#sdk, this.#source, this.#where, this.#env, timeoutMs * 4 + 1000);
    // A socket error fails the request itself (timeout); the session object must never throw it.
    session.on('error', () => undefined);
    this.#session = session;
    return session;
  }

  #try(oids: readonly string[], retriesLeft: number, done: (o: GetOutcome) => void): void {
    const timeoutMs = this.#source.timeoutMs;
    const session = this.#session ?? this.#open(timeoutMs);
    let settled = false;
    const timer = this.#clock.setTimeout(() => {
      if (settled) return;
      settled = true;
      session.cancelRequests(new Error('cancelled after timeout'));
      if (retriesLeft > 0) return this.#try(oids, retriesLeft - 1, done);
      done({ ok: false, code: 'GW_SNMP_TIMEOUT', reason: `no answer within ${timeoutMs} ms (${this.#source.retries + 1} tries)${this.#source.version === '2c' ? V2C_SILENCE : ''}` });
    }, timeoutMs);
    session.get([...oids], (err, varbinds) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      if (err !== null && err !== undefined) {
        const c = classify(err, timeoutMs);
        if (c.code === 'GW_SNMP_TIMEOUT' && retriesLeft > 0) return this.#try(oids, retriesLeft - 1, done);
        return done({ ok: false, ...c });
      }
      done({ ok: true, varbinds: (varbinds ?? []) as Varbind[] });
    });
  }
}
