import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { SignInThrottle } from '../../core/sign-in-throttle.js';
import { resolveSecret } from '../../core/secrets.js';
import { GatewayError } from '../../core/errors.js';
import type { SecretRef } from '../../core/schema-parts.js';

/** What a presented token is for the device named in the path. */
export type TokenVerdict =
  | { readonly kind: 'ok' }
  /** Too many wrong tokens for this device from this address: not tried. */
  | { readonly kind: 'held'; readonly retryAfterMs: number }
  /** No device has this token. */
  | { readonly kind: 'wrong' }
  /** Another device's real token: for a device that exists, or for an id that does not. */
  | { readonly kind: 'other-device' | 'unknown-device'; readonly owner: string };

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * The push devices' tokens, held as sha256 digests (the secrets themselves are read from the site
 * file or the environment at load and kept nowhere), compared in constant time. Wrong tokens are
 * throttled with the staff sign-in scheme (sign-in-throttle.ts), keyed per client address and
 * device (unknown ids share one key): a vendor cloud pushing many elevators from one address keeps
 * delivering the others' entrapments while one misconfigured device of it is held, and guessing
 * stays bounded per key.
 */
export class PushTokens {
  #digests = new Map<string, Buffer>();
  /** Every token's digest (hex) to its device: a token of another device is told from a wrong one. */
  #owners = new Map<string, string>();
  readonly #throttle: SignInThrottle;

  constructor(clock: Pick<Clock, 'monotonic'>) {
    this.#throttle = new SignInThrottle(clock);
  }

  /** Reads every device's secret; a missing one or two devices sharing one is a site-file error, thrown. */
  load(devices: readonly { readonly id: string; readonly token: SecretRef }[], env: NodeJS.ProcessEnv): void {
    const digests = new Map<string, Buffer>();
    const owners = new Map<string, string>();
    for (const d of devices) {
      const digest = sha256(resolveSecret(d.token, `devices[${d.id}].source.token`, env) ?? '');
      const other = owners.get(digest.toString('hex'));
      if (other !== undefined) throw new GatewayError('GW_CONFIG_INVALID', `devices ${other} and ${d.id} push with the same token; give each device its own`, { devices: [other, d.id] });
      owners.set(digest.toString('hex'), d.id);
      digests.set(d.id, digest);
    }
    this.#digests = digests;
    this.#owners = owners;
  }

  check(deviceId: string, token: string, address: string): TokenVerdict {
    const expected = this.#digests.get(deviceId);
    const key = `${address} ${expected === undefined ? '?' : deviceId}`;
    const verdict = this.#throttle.check(key, token);
    if (verdict.kind === 'refuse') return { kind: 'held', retryAfterMs: verdict.retryAfterMs };
    const digest = sha256(token);
    // Constant time on the digests: how much of a guess was right shows in no timing.
    if (expected !== undefined && timingSafeEqual(digest, expected)) {
      this.#throttle.succeeded(key);
      return { kind: 'ok' };
    }
    const owner = this.#owners.get(digest.toString('hex'));
    if (owner === undefined) {
      this.#throttle.failed(key, token);
      return { kind: 'wrong' };
    }
    return { kind: expected === undefined ? 'unknown-device' : 'other-device', owner };
  }
}
