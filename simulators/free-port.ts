import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A TCP port free on 127.0.0.1 now and outside the kernel's ephemeral range, for the servers the
 * tests, scenarios and benches start (a gateway, a simulator, a broker). A port the kernel hands
 * out for port 0 is an ephemeral one: between the probe and the server's own listen, or while the
 * server is down for a restart, any outgoing connection on the machine may be given it as its local
 * port, and the start fails with GW_PORT_IN_USE (seen on a busy machine: a reliability test's
 * gateway beside a pair's many etcd and MQTT connections). Ports below the range are never handed
 * out that way. Falls back to an ephemeral port if none below is free.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const low = ephemeralLow();
  for (let i = 0; i < 200; i++) {
    const port = 10_000 + Math.floor(Math.random() * Math.max(1, low - 10_000));
    if (await canListen(port, host)) return port;
  }
  return ephemeralPort(host);
}

/** The same, named for what the pair's tests need it for: a gateway killed and started again on its port. */
export const freeRestartablePort = freePort;

function ephemeralPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function ephemeralLow(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 11_000 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}
