#!/usr/bin/env node
/**
 * The container's HEALTHCHECK: asks the gateway's /healthz on the port its site file configures
 * (http.port, GATEWAY_CONFIG), not a port written into the image, over HTTPS when the site serves
 * it (http.tls). Exit 0 healthy, 1 otherwise.
 */
import { request } from 'node:https';
import { loadSiteFile } from '../config/load-site.js';

async function healthy(file: string): Promise<boolean> {
  const site = await loadSiteFile(file);
  // A gateway listening on every interface answers on loopback too.
  const host = site.http.host === '0.0.0.0' || site.http.host === '::' ? '127.0.0.1' : site.http.host;
  const origin = `${site.http.tls === undefined ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${site.http.port}`;
  if (site.http.tls === undefined) return (await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(4_000) })).ok;
  // The check runs beside the gateway and asks whether it is alive, not who it is: the site's
  // certificate names the site's host name, not this address, so it is not verified here.
  return new Promise((resolve) => {
    const req = request(`${origin}/healthz`, { rejectUnauthorized: false, timeout: 4_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

const file = process.argv[2] ?? process.env['GATEWAY_CONFIG'] ?? '/etc/gateway/site.json';
process.exitCode = (await healthy(file).catch(() => false)) ? 0 : 1;
