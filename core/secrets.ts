import type { SecretRef } from './schema-parts.js';
import { GatewayError } from './errors.js';

/** Resolves a secret from the environment at the moment it is needed; never logged. */
export function resolveSecret(ref: SecretRef | undefined, where: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (ref === undefined) return undefined;
  if ('value' in ref) return ref.value;
  const v = env[ref.env];
  if (v === undefined || v === '') {
    throw new GatewayError('GW_CONFIG_SECRET_MISSING', `${where}: environment variable ${ref.env} is not set`, { where, env: ref.env });
  }
  return v;
}
