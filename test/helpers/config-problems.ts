import { GatewayError } from '../../core/errors.js';

/** The problems a site-file check reports (GW_CONFIG_INVALID's list), or a failure when it reports none. */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err.context['problems'] as string[];
    throw err;
  }
  throw new Error('expected a GatewayError');
}
