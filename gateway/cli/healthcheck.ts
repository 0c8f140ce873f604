#!/usr/bin/env node
/**
 * The container's HEALTHCHECK: asks the gateway's /healthz on the port its site file configures
 * (http.port, GATEWAY_CONFIG), not a port written into the image. Exit 0 healthy, 1 otherwise.
 */
import { loadSiteFile } from '../config/load-site.js';

async function healthy(file: string): Promise<boolean> {
  const site = await loadSiteFile(file);
  // A gateway listening on every interface answers on loopback too.
  const host = site.http.host === '0.0.0.0' || site.http.host === '::' ? '127.0.0.1' : site.http.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${site.http.port}/healthz`;
  const res = await fetch(url, { signal: AbortSignal.timeout(4_000) });
  return res.ok;
}

const file = process.argv[2] ?? process.env['GATEWAY_CONFIG'] ?? '/etc/gateway/site.json';
process.exitCode = (await healthy(file).catch(() => false)) ? 0 : 1;
