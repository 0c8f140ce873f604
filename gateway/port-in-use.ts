import type { SiteConfig } from './config/site-schema.js';
import { GatewayError } from '../core/errors.js';

/**
 * A listen that failed because another program holds the port (EADDRINUSE, or EACCES below 1024)
 * becomes GW_PORT_IN_USE naming the port and the site-file setting that chose it, so the operator
 * changes the setting or stops the other program instead of reading a stack trace.
 */
export function portInUseError(err: unknown, site: SiteConfig): GatewayError | null {
  const e = err as { code?: unknown; port?: unknown; address?: unknown } | null;
  if (e === null || typeof e !== 'object' || (e.code !== 'EADDRINUSE' && e.code !== 'EACCES') || typeof e.port !== 'number') return null;
  const port = e.port;
  const settings: string[] = [];
  if (site.http.port === port) settings.push('http.port');
  if (site.broker.mode === 'embedded' && site.broker.port === port) settings.push('broker.port');
  const setting = settings.join(' and ') || 'a port of the site file';
  const why = e.code === 'EACCES' ? 'may not be opened by this user (ports below 1024 need privileges)' : 'is already in use by another program (another gateway, or a broker or web server on this machine)';
  return new GatewayError(
    'GW_PORT_IN_USE',
    `port ${port} (${setting}) ${why}: stop that program or set ${setting === 'a port of the site file' ? 'another port' : `another ${setting}`} in the site file`,
    { port, setting, host: typeof e.address === 'string' ? e.address : undefined },
    { cause: err },
  );
}
