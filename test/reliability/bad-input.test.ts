import { createServer, connect, type Socket } from 'node:net';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { SiteFileInput } from '../../gateway/config/site-schema.js';
import { SimulatedElevatorServer } from '../../simulators/opcua/simulated-elevator.js';
import { startInProcessGateway } from '../helpers/gateway-in-process.js';
import { secretLeaks } from '../helpers/log-secrets.js';
import { closed, publishPacket, rawMqtt } from '../helpers/raw-mqtt.js';

/** A seeded generator, so a failing input can be found again (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const SEED = 8;
const MQTT_PAYLOADS = 99_400;
const MQTT_TOPICS = 500;
const MQTT_WIRE_GARBAGE = 100; // 100,000 MQTT inputs in all

type Device = SiteFileInput['devices'][number];
const mqttDevice = (i: number): Device => ({
  id: `gen-${i}`,
  kind: 'generic',
  name: `generic ${i}`,
  location: { building: 'T1', floor: '1F', description: 'fuzz' },
  source: {
    protocol: 'mqtt',
    username: `gen-${i}`,
    password: { value: `fuzz-pw-${i}` },
    points: [{ id: 'value' }, { id: 'level', decoder: { type: 'number' }, range: { min: 0, max: 100 } }, { id: 'state', decoder: { type: 'boolean' } }],
  },
});

function fuzzPayload(rnd: () => number): Buffer {
  const pick = Math.floor(rnd() * 16);
  const n = Math.floor(rnd() * 1e6) - 5e5;
  switch (pick) {
    case 0:
      return Buffer.from(Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)));
    case 1:
      return Buffer.from('{"value":');
    case 2:
      return Buffer.from(`{"value":${n}}`);
    case 3:
      return Buffer.from('{"value":NaN}');
    case 4:
      return Buffer.from('{"value":1e999}');
    case 5:
      return Buffer.from(`${'['.repeat(200)}${']'.repeat(200)}`);
    case 6:
      return Buffer.from('{"value":{"nested":[1,2,{"x":null}]}}');
    case 7:
      return Buffer.from('null');
    case 8:
      return Buffer.alloc(0);
    case 9:
      return Buffer.from(String(n));
    case 10:
      return Buffer.from(rnd() < 0.5 ? 'WET' : 'maybe');
    case 11:
      return Buffer.from('\u0000\uffff漏水\ud800');
    case 12:
      return Buffer.from(`{"value":true,"ts":"${'9'.repeat(40)}"}`);
    case 13:
      return Buffer.from(`{"value":"${'x'.repeat(200)}"}`);
    case 14:
      return Buffer.from('{"__proto__":{"value":1},"constructor":{"prototype":{"x":1}}}');
    default:
      return Buffer.from(`{"value":${rnd() < 0.5}}`);
  }
}

/** Topics a device may not publish to but that are valid MQTT names: refused by the ACL and counted. */
function aclTopic(rnd: () => number, i: number): string {
  switch (i % 7) {
    case 0:
      return 'site/gen-1/value';
    case 1:
      return 'site/gen-0/nope';
    case 2:
      return 'alerts/emergency';
    case 3:
      return `$SYS/fake/new/clients`;
    case 4:
      return `site/${'x'.repeat(1 + Math.floor(rnd() * 2000))}`;
    case 5:
      return '漏水/传感器/😀';
    default:
      return Array.from({ length: 1 + Math.floor(rnd() * 20) }, () => String.fromCharCode(33 + Math.floor(rnd() * 90)).replace(/[#+]/g, 'a')).join('/');
  }
}

/** Names MQTT itself forbids in a PUBLISH: aedes refuses them before authorization and drops the connection. */
const PROTOCOL_BAD_TOPICS = ['', 'site/#', 'site/+/value', `${'a/'.repeat(150)}a`];

async function writeAll(socket: Socket, buf: Buffer): Promise<void> {
  if (!socket.write(buf)) await new Promise<void>((resolve, reject) => {
    socket.once('drain', resolve);
    socket.once('close', () => reject(new Error('socket closed while writing')));
  });
}

describe('bad input', () => {
  it(`counts ${(MQTT_PAYLOADS + MQTT_TOPICS + MQTT_WIRE_GARBAGE).toLocaleString('en')} random and malformed MQTT payloads, topics and packets without a crash`, async () => {
    const { gw, url, lines } = await startInProcessGateway({ broker: { mode: 'embedded', host: '127.0.0.1', port: 0, maxPayloadBytes: 4096 }, http: { host: '127.0.0.1', port: 0 }, devices: [0, 1, 2, 3].map(mqttDevice) }, { level: 'debug' });
    const port = gw.mqtt.address()?.port ?? 0;
    const rnd = prng(SEED);

    // Payloads on the devices' own topics: each becomes a reading or a counted decode/range error.
    const sockets = await Promise.all([0, 1, 2, 3].map((i) => rawMqtt(port, `gen-${i}`, `fuzz-pw-${i}`)));
    const points = ['value', 'level', 'state'];
    let sent = 0;
    while (sent < MQTT_PAYLOADS) {
      const batch = Math.min(1000, MQTT_PAYLOADS - sent);
      const d = sent % 4;
      const buf = Buffer.concat(Array.from({ length: batch }, () => publishPacket(`site/gen-${d}/${points[Math.floor(rnd() * 3)] ?? 'value'}`, fuzzPayload(rnd))));
      await writeAll(sockets[d] as Socket, buf);
      sent += batch;
    }
    const counted = (): number => {
      const s = gw.mqtt.status();
      return s.readings + (s.errors['GW_MQTT_DECODE'] ?? 0) + (s.errors['GW_READING_INVALID'] ?? 0);
    };
    await vi.waitFor(() => expect(counted()).toBe(MQTT_PAYLOADS), { timeout: 60_000, interval: 100 });

    // Topics outside the ACL: each refused (connection closed) and counted.
    const refusedBefore = gw.mqtt.status().errors['GW_MQTT_NOT_AUTHORIZED'] ?? 0;
    const protocolBad = PROTOCOL_BAD_TOPICS.length * 5;
    const topics = Array.from({ length: MQTT_TOPICS - protocolBad }, (_, i) => aclTopic(rnd, i));
    for (let i = 0; i < topics.length; i += 10) {
      await Promise.all(
        topics.slice(i, i + 10).map(async (topic) => {
          const s = await rawMqtt(port, 'gen-0', 'fuzz-pw-0');
          s.on('error', () => undefined);
          s.write(publishPacket(topic, '{"value":1}', 1));
          await closed(s);
        }),
      );
    }
    await vi.waitFor(() => expect((gw.mqtt.status().errors['GW_MQTT_NOT_AUTHORIZED'] ?? 0) - refusedBefore).toBe(topics.length), { timeout: 30_000, interval: 100 });
    for (let k = 0; k < 5; k++) {
      for (const topic of PROTOCOL_BAD_TOPICS) {
        const s = await rawMqtt(port, 'gen-0', 'fuzz-pw-0');
        s.on('error', () => undefined);
        s.write(publishPacket(topic, '{"value":1}', 0));
        await closed(s);
      }
    }
    // Garbage on the wire after a good CONNECT: that connection is dropped, nothing else.
    for (let k = 0; k < MQTT_WIRE_GARBAGE; k++) {
      const s = await rawMqtt(port, 'gen-0', 'fuzz-pw-0');
      s.on('error', () => undefined);
      s.write(Buffer.from([0xf0 | (k & 0x0f), 0xff, 0xff, 0xff, 0xff, ...Array.from({ length: 16 }, () => Math.floor(rnd() * 256))]));
      await closed(s);
    }

    // Still up and still working.
    const before = gw.mqtt.status().readings;
    const probe = await rawMqtt(port, 'gen-2', 'fuzz-pw-2');
    probe.write(publishPacket('site/gen-2/level', '42'));
    await vi.waitFor(() => expect(gw.mqtt.status().readings).toBe(before + 1));
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/gateway_bad_input_total\{device="gen-0",code="GW_MQTT_DECODE"\} [1-9]/);
    expect(secretLeaks(lines, [0, 1, 2, 3].map((i) => `fuzz-pw-${i}`))).toEqual([]);
    process.stdout.write(`bad input (mqtt): ${JSON.stringify(gw.mqtt.status().errors)}, ${gw.mqtt.status().readings} readings\n`);
  }, 180_000);

  it('counts malformed Modbus replies as errors and never turns one into a good reading', async () => {
    // A Modbus TCP "device" that answers every request with a different malformed frame.
    let requests = 0;
    const garbage: ((tid: number) => Buffer)[] = [
      () => Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]),
      (tid) => Buffer.from([(tid + 7) >> 8, (tid + 7) & 0xff, 0, 0, 0, 5, 1, 4, 2, 0, 42]), // wrong transaction id
      (tid) => Buffer.from([tid >> 8, tid & 0xff, 0, 0, 0, 0]), // length 0
      (tid) => Buffer.from([tid >> 8, tid & 0xff, 0, 0, 0xff, 0xff, 1, 4, 2, 0, 42]), // length far beyond the frame
      (tid) => Buffer.from([tid >> 8, tid & 0xff, 0, 0, 0, 5, 1, 0x2b, 2, 0, 42]), // wrong function code
      (tid) => Buffer.from([tid >> 8, tid & 0xff, 0, 0, 0, 5, 1, 4, 10, 0, 42]), // byte count says 10, gives 2
      (tid) => Buffer.from([tid >> 8, tid & 0xff, 0, 0, 0, 3, 1, 0x84, 0x55]), // exception with an undefined code
      (tid) => Buffer.from([tid >> 8, tid & 0xff, 0, 0, 0, 5, 9, 4, 2, 0, 42]), // another unit's reply
      (tid) => Buffer.from([tid >> 8, tid & 0xff, 0, 1, 0, 5, 1, 4, 2, 0, 42]), // protocol id 1, not Modbus
      () => Buffer.alloc(0), // silence
    ];
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.on('data', (d) => {
        for (let off = 0; off + 7 <= d.length; ) {
          const tid = d.readUInt16BE(off);
          const len = d.readUInt16BE(off + 4);
          off += 6 + len;
          const reply = garbage[requests % garbage.length]?.(tid) ?? Buffer.alloc(0);
          requests += 1;
          if (reply.length > 0) socket.write(reply);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as { port: number }).port;
    const { gw } = await startInProcessGateway({
      broker: { mode: 'embedded', host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      devices: [
        {
          id: 'meter-1',
          kind: 'generic',
          name: 'meter',
          location: { building: 'T1', floor: 'B1', description: 'plant room' },
          source: { protocol: 'modbus', transport: { type: 'tcp', host: '127.0.0.1', port }, unitId: 1, pollMs: 50, timeoutMs: 150, retries: 0, points: [{ id: 'level', table: 'input-register', address: 0 }] },
        },
      ],
    });
    const modbus = () => gw.adapterStatuses().find((a) => a.kind === 'modbus');
    const errors = (): number => Object.values(modbus()?.errors ?? {}).reduce((a, b) => a + b, 0);
    await vi.waitFor(() => expect(requests).toBeGreaterThanOrEqual(garbage.length * 6), { timeout: 60_000, interval: 100 });
    // Every malformed reply is an error (the one in flight may not be settled yet).
    await vi.waitFor(() => expect(errors()).toBeGreaterThanOrEqual(garbage.length * 6 - 1), { timeout: 30_000, interval: 100 });
    process.stdout.write(`bad input (modbus): ${requests} malformed replies, errors ${JSON.stringify(modbus()?.errors)}\n`);
    // modbus-serial drops every one of these frames, so each poll ends as a timeout; none is a value.
    expect(modbus()?.lastGoodReadingTs ?? null).toBeNull();
  }, 120_000);

  it('counts every bad OPC UA status code as a bad reading', async () => {
    const sim = new SimulatedElevatorServer({ tickMs: 200 });
    const endpoint = await sim.start(0);
    onTestFinished(() => sim.stop());
    const { gw } = await startInProcessGateway({
      broker: { mode: 'embedded', host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      devices: [
        {
          id: 'lift-a',
          kind: 'generic',
          name: 'lift A',
          location: { building: 'T1', floor: '1F', description: 'lobby' },
          source: { protocol: 'opcua', endpoint, securityMode: 'None', securityPolicy: 'None', samplingMs: 50, publishingMs: 100, points: [{ id: 'faultCode', nodeId: 'ns=1;s=ElevatorA.FaultCode' }, { id: 'floor', nodeId: 'ns=1;s=ElevatorA.Floor' }] },
        },
      ],
    });
    const opcua = () => gw.adapterStatuses().find((a) => a.kind === 'opcua');
    await vi.waitFor(() => expect(opcua()?.lastGoodReadingTs).not.toBeNull(), { timeout: 30_000, interval: 100 });
    const TOGGLES = 10;
    for (let k = 1; k <= TOGGLES; k++) {
      const point = k % 2 === 0 ? 'faultCode' : 'floor';
      sim.badStatus(point, k % 3 === 0 ? 'BadCommunicationError' : 'BadSensorFailure');
      // At least one count per bad period: on a loaded machine a bad period can span two samples.
      await vi.waitFor(() => expect(opcua()?.errors['GW_OPCUA_BAD_STATUS']).toBeGreaterThanOrEqual(k), { timeout: 20_000, interval: 50 });
      sim.badStatus(point, null);
      const good = opcua()?.lastGoodReadingTs ?? 0;
      await vi.waitFor(() => expect(opcua()?.lastGoodReadingTs ?? 0).toBeGreaterThan(good), { timeout: 20_000, interval: 50 });
    }
    expect(opcua()?.errors['GW_OPCUA_BAD_STATUS']).toBeGreaterThanOrEqual(TOGGLES);
  }, 120_000);

  // The routes that exist today. The staff write API (another change) adds its routes, with their
  // own tokens and roles, to this list.
  const ROUTES = ['/api/tickets', '/api/dead-letters', '/readyz', '/healthz', '/metrics'];
  const BAD_QUERIES = ['since=yesterday', 'limit=-1', 'limit=abc', 'limit=1e9', 'limit=5001', 'limit=0', 'limit=1.5', 'since=2026-13-45T99:99', 'limit=1&limit=2', 'since=%ZZ', `since=${'9'.repeat(5000)}`];
  it('answers malformed API requests with a 4xx, never a 5xx, and stays up', async () => {
    const { url } = await startInProcessGateway({ broker: { mode: 'embedded', host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 4096 }, devices: [mqttDevice(0)] });
    const results: string[] = [];
    const check = async (what: string, res: Promise<Response>, ok: (status: number) => boolean): Promise<void> => {
      const r = await res;
      await r.arrayBuffer();
      if (!ok(r.status)) results.push(`${what}: ${r.status}`);
    };
    const is4xx = (s: number): boolean => s >= 400 && s < 500;
    for (const q of BAD_QUERIES) await check(`GET /api/tickets?${q.slice(0, 40)}`, fetch(`${url}/api/tickets?${q}`), (s) => s === 400);
    for (const route of ROUTES) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        for (const [type, body] of [
          ['application/json', '{"a":'],
          ['application/json', '[[[[[[[[[[[[[[[[[[[['],
          ['text/plain', '\u0000\uffff'],
          ['application/x-www-form-urlencoded', 'a=%ZZ&&=='],
          ['multipart/form-data; boundary=x', '--x\r\ngarbage'],
          ['application/xml', '<a><b></a>'],
        ] as const) {
          await check(`${method} ${route} ${type}`, fetch(`${url}${route}`, { method, headers: { 'content-type': type }, body }), is4xx);
        }
      }
      await check(`OPTIONS ${route}`, fetch(`${url}${route}`, { method: 'OPTIONS' }), (s) => s < 500);
      await check(`GET ${route}?${'a=1&'.repeat(2000)}`, fetch(`${url}${route}?${'a=1&'.repeat(2000)}`), (s) => s < 500);
    }
    // Malformed HTTP on the wire.
    const { port } = new URL(url);
    for (const raw of ['GARBAGE\r\n\r\n', 'GET /api/tickets HTTP/9.9\r\n\r\n', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`, 'GET / HTTP/1.1\r\nHo\u0000st: x\r\n\r\n', 'POST /api/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n', 'POST /api/tickets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']) {
      const answer = await new Promise<string>((resolve) => {
        const s = connect(Number(port), '127.0.0.1', () => s.write(raw));
        let got = '';
        s.on('data', (d) => void (got += d.toString('latin1')));
        s.on('error', () => resolve(got));
        s.on('close', () => resolve(got));
        s.setTimeout(10_000, () => s.destroy());
      });
      if (!/^HTTP\/1\.1 4\d\d/.test(answer)) results.push(`raw ${JSON.stringify(raw.slice(0, 30))}: ${answer.slice(0, 40) || '(closed)'}`);
    }
    expect(results).toEqual([]);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  }, 120_000);
});
