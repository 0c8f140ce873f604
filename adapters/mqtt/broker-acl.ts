/**
 * Who may read what, and which client ids belong to which login, on the embedded broker.
 * Documented in docs/security.md ("The embedded broker").
 */

/**
 * Is every topic the subscription `filter` can match also matched by `grant`? Compared level by
 * level: `#` in the grant covers the rest, `+` in the grant covers one level (a literal or `+`),
 * a literal covers only itself. Per MQTT 3.1.1 4.7.2 a wildcard in the first level does not match
 * a `$` topic, so `$SYS/...` is covered only by a grant that names `$SYS` itself.
 */
export function filterWithin(filter: string, grant: string): boolean {
  const f = filter.split('/');
  const g = grant.split('/');
  for (let i = 0; i < f.length; i++) {
    const gl = g[i];
    const fl = f[i] as string;
    if (gl === undefined) return false;
    if (i === 0 && fl.startsWith('$') && gl !== fl) return false;
    if (gl === '#') return true;
    if (fl === '#') return false;
    if (gl === '+') continue;
    if (fl !== gl) return false;
  }
  return f.length === g.length || (g.length === f.length + 1 && g[f.length] === '#');
}

/** Most client ids remembered for first-use ownership; the oldest not connected are forgotten. */
const MAX_REMEMBERED_IDS = 10_000;

/**
 * Client-id ownership. An id belongs to the login whose username it is, or begins with followed by
 * `-` (`leak-2`, `leak-2-console`; the longest such username wins, so `leak` cannot claim
 * `leak-2`). Any other id (`sim-leak-2`, `mqttjs_3f2a`) belongs to the first login that used it
 * since the broker started. A login asking for an id that belongs to another is refused, so no
 * login can cut another's session off or take over its persistent session.
 */
export class ClientIdOwners {
  readonly #usernames: ReadonlySet<string>;
  /** First-use owners of ids no username claims, oldest first (Map keeps insertion order). */
  readonly #firstUse = new Map<string, string>();
  readonly #connected = new Map<string, number>();
  /**
   * First-use ids with no connection now, oldest first: what may be forgotten. Kept apart so a
   * login costs the same at 100 devices and 100,000 (scanning every remembered id for one not
   * connected made each login past 10,000 connected ids cost them all: 12,500 devices took minutes).
   */
  readonly #idle = new Set<string>();

  constructor(usernames: Iterable<string>) {
    this.#usernames = new Set(usernames);
  }

  /** The login an id belongs to by its name, or undefined when no username claims it. */
  claimedBy(clientId: string): string | undefined {
    let best: string | undefined;
    if (this.#usernames.has(clientId)) return clientId;
    for (let i = clientId.indexOf('-'); i > 0; i = clientId.indexOf('-', i + 1)) {
      const prefix = clientId.slice(0, i);
      if (this.#usernames.has(prefix)) best = prefix;
    }
    return best;
  }

  /** The login that may use `clientId` if `login` may not, or null when it may (and it is taken for it). */
  take(clientId: string, login: string): string | null {
    const claimed = this.claimedBy(clientId);
    if (claimed !== undefined) return claimed === login ? null : claimed;
    const first = this.#firstUse.get(clientId);
    if (first !== undefined && first !== login) return first;
    if (first === undefined) {
      this.#firstUse.set(clientId, login);
      this.#forgetOldest();
      this.#idle.add(clientId);
    }
    return null;
  }

  connected(clientId: string): void {
    this.#connected.set(clientId, (this.#connected.get(clientId) ?? 0) + 1);
    this.#idle.delete(clientId);
  }

  disconnected(clientId: string): void {
    const n = (this.#connected.get(clientId) ?? 1) - 1;
    if (n > 0) {
      this.#connected.set(clientId, n);
      return;
    }
    this.#connected.delete(clientId);
    if (this.#firstUse.has(clientId)) {
      // To the end: idle since now.
      this.#idle.delete(clientId);
      this.#idle.add(clientId);
    }
  }

  #forgetOldest(): void {
    for (const id of this.#idle) {
      if (this.#firstUse.size <= MAX_REMEMBERED_IDS) return;
      this.#firstUse.delete(id);
      this.#idle.delete(id);
    }
  }
}
