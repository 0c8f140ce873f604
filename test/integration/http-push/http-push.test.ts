import { describe, expect, it, vi } from 'vitest';
import type { SiteFileInput } from '../../../gateway/config/site-schema.js';
import { pushOnce } from '../../../simulators/http-push/http-pusher.js';
import { startInProcessGateway } from '../../helpers/gateway-in-process.js';
import { secretLeaks } from '../../helpers/log-secrets.js';

const FP_TOKEN = 'fp-token-0123456789abcdef';
const LIFT_TOKEN = 'lift-token-0123456789abcdef';
const DOOR_TOKEN = 'door-token-0123456789abcdef';
const SLOW_TOKEN = 'slow-token-0123456789abcdef';
const place = (description: string) => ({ building: 'T1', floor: 'B1', description, descriptionEn: description });

/** A fire panel gateway (events only), an elevator vendor's cloud (samples and events), a plain-text door contact, and a device with a tight rate limit. */
function pushSite(): Omit<SiteFileInput, 'dataDir' | 'site'> {
  return {
    broker: { mode: 'embedded', host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    devices: [
      {
        id: 'fp-1',
        kind: 'fire-panel',
        name: '1 号消防主机',
        nameEn: 'Fire panel 1',
        location: place('B1 消防控制室'),
        source: {
          protocol: 'http',
          token: { env: 'FP_TOKEN' },
          points: [
            {
              id: 'panel',
              kind: 'event',
              decoder: { type: 'json', path: 'event.code' },
              textPath: 'event.text',
              raises: { FIRE: 'fire-panel-alarm', FAULT: 'fire-panel-fault' },
              clears: { RESET: ['fire-panel-alarm', 'fire-panel-fault'], FAULT_OK: ['fire-panel-fault'] },
            },
          ],
        },
      },
      {
        id: 'lift-1',
        kind: 'elevator',
        name: 'A 梯',
        location: place('1 号楼 A 梯'),
        source: {
          protocol: 'http',
          token: { value: LIFT_TOKEN },
          expectEverySeconds: 2,
          points: [
            { id: 'floor', range: { min: -5, max: 60 } },
            { id: 'running', decoder: { type: 'json', path: 'state.running' } },
            { id: 'cloud', kind: 'event', decoder: { type: 'json', path: 'type' }, textPath: 'message', raises: { TRAPPED: 'elevator-entrapment' }, clears: { RELEASED: ['elevator-entrapment'] } },
          ],
        },
      },
      {
        id: 'door-1',
        kind: 'generic',
        name: '机房门磁',
        location: place('B1 机房'),
        source: { protocol: 'http', token: { value: DOOR_TOKEN }, maxBodyBytes: 256, points: [{ id: 'open', decoder: { type: 'boolean', trueWords: ['open'], falseWords: ['closed'] } }] },
      },
      {
        id: 'slow-1',
        kind: 'generic',
        name: '限速设备',
        location: place('B1'),
        source: { protocol: 'http', token: { value: SLOW_TOKEN }, rateLimit: { perSecond: 0.2, burst: 2 }, points: [{ id: 'v' }] },
      },
    ],
  };
}

async function start() {
  const g = await startInProcessGateway(pushSite(), { env: { ...process.env, FP_TOKEN } });
  const push = (device: string, token: string | null, body: unknown, contentType?: string) => pushOnce(g.url, device, token, typeof body === 'string' ? body : JSON.stringify(body), contentType);
  const httpStatus = () => g.gw.adapterStatuses().find((a) => a.kind === 'http');
  return { ...g, push, httpStatus };
}

describe('HTTP push over 127.0.0.1 to a real gateway', () => {
  it('answers 401 alike for a missing token, a wrong token and an unknown device, 404 only to a caller with a device token, and logs no token', async () => {
    const g = await start();
    const none = await g.push('fp-1', null, { event: { code: 'FIRE' } });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: 'GW_HTTP_PUSH_UNAUTHORIZED' } });
    const wrongKnown = await g.push('fp-1', 'not-the-token', { event: { code: 'FIRE' } });
    const wrongUnknown = await g.push('no-such-device', 'not-the-token', { event: { code: 'FIRE' } });
    expect([wrongKnown.status, wrongUnknown.status]).toEqual([401, 401]);
    // The same answer whether the device exists or not: a caller without a token learns nothing.
    expect(wrongUnknown.body).toEqual(wrongKnown.body);
    const otherDevice = await g.push('lift-1', FP_TOKEN, { floor: 1 });
    expect(otherDevice.status).toBe(401);
    const unknown = await g.push('no-such-device', FP_TOKEN, { event: { code: 'FIRE' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'GW_HTTP_PUSH_UNKNOWN_DEVICE' } });
    expect(g.gw.tickets.all()).toEqual([]);
    expect(g.httpStatus()?.errors['GW_HTTP_PUSH_UNAUTHORIZED']).toBeGreaterThanOrEqual(2);
    expect(secretLeaks(g.lines, [FP_TOKEN, LIFT_TOKEN, 'not-the-token'])).toEqual([]);
  });

  it('refuses a body over the device limit with 413 and counts it against the device', async () => {
    const g = await start();
    const big = await g.push('door-1', DOOR_TOKEN, 'x'.repeat(1000), 'text/plain');
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: { code: 'GW_HTTP_PUSH_TOO_LARGE', message: expect.stringContaining('256 bytes') } });
    expect(g.httpStatus()?.devices.find((d) => d.deviceId === 'door-1')?.errors['GW_HTTP_PUSH_TOO_LARGE']).toBe(1);
  });

  it('answers 429 with Retry-After once a device pushes faster than its rate limit', async () => {
    const g = await start();
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await g.push('slow-1', SLOW_TOKEN, { v: i }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    const last = answers[2];
    expect(last?.body).toMatchObject({ error: { code: 'GW_HTTP_PUSH_RATE_LIMITED' } });
    expect(Number(last?.retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('decodes JSON paths and boolean words as MQTT does, and refuses a bad push whole with a 400 naming the point', async () => {
    const g = await start();
    const ok = await g.push('lift-1', LIFT_TOKEN, { floor: 3, state: { running: true } });
    expect(ok).toMatchObject({ status: 200, body: { accepted: 2 } });
    const door = await g.push('door-1', DOOR_TOKEN, 'OPEN', 'text/plain');
    expect(door).toMatchObject({ status: 200, body: { accepted: 1 } });
    const badWord = await g.push('door-1', DOOR_TOKEN, 'ajar', 'text/plain');
    expect(badWord.status).toBe(400);
    expect(badWord.body).toMatchObject({ error: { code: 'GW_HTTP_PUSH_DECODE', message: expect.stringContaining('open: "ajar" is none of the boolean words') } });
    const outOfRange = await g.push('lift-1', LIFT_TOKEN, { floor: 99, state: { running: true } });
    expect(outOfRange.status).toBe(400);
    expect(JSON.stringify(outOfRange.body)).toContain('floor: 99 is outside [-5, 60]');
    const notJson = await g.push('lift-1', LIFT_TOKEN, '{"floor": 3');
    expect(notJson.status).toBe(400);
    expect(JSON.stringify(notJson.body)).toContain('not JSON');
    const nothing = await g.push('lift-1', LIFT_TOKEN, { speed: 1 });
    expect(nothing.status).toBe(400);
    expect(JSON.stringify(nothing.body)).toContain('none of this device');
    const st = g.httpStatus();
    expect(st?.readings).toBe(3);
    expect(st?.devices.find((d) => d.deviceId === 'lift-1')?.errors['GW_HTTP_PUSH_DECODE']).toBe(3);
  });

  it('turns a pushed fire alarm into an emergency ticket carrying the panel words, a fault into a general one, and clears both on reset', async () => {
    const g = await start();
    const fire = await g.push('fp-1', FP_TOKEN, { event: { code: 'FIRE', text: '火警 3 区' } });
    expect(fire).toMatchObject({ status: 200, body: { accepted: 1 } });
    await vi.waitFor(() => expect(g.gw.tickets.all().find((t) => t.fault === 'fire-panel-alarm')).toBeDefined());
    const alarm = g.gw.tickets.all().find((t) => t.fault === 'fire-panel-alarm');
    expect(alarm).toMatchObject({ tier: 'emergency', skill: 'fire', deviceId: 'fp-1' });
    expect(alarm?.description.zh).toContain('火警 3 区');
    expect(alarm?.title.zh).toContain('火灾报警');

    // A second zone while the alarm is on: written on the open ticket, not lost.
    await g.push('fp-1', FP_TOKEN, { event: { code: 'FIRE', text: '火警 5 区' } });
    await vi.waitFor(() => expect(g.gw.tickets.get(alarm?.id ?? '')?.history.some((h) => (h.note ?? '').includes('火警 5 区'))).toBe(true));

    await g.push('fp-1', FP_TOKEN, { event: { code: 'FAULT', text: '回路 2 故障' } });
    await vi.waitFor(() => expect(g.gw.tickets.all().find((t) => t.fault === 'fire-panel-fault')).toMatchObject({ tier: 'general', skill: 'fire' }));

    const unmapped = await g.push('fp-1', FP_TOKEN, { event: { code: 'SUPERVISORY', text: '监管' } });
    expect(unmapped).toMatchObject({ status: 200, body: { accepted: 1, warnings: [expect.stringContaining('SUPERVISORY')] } });

    await g.push('fp-1', FP_TOKEN, { event: { code: 'RESET', text: '复位' } });
    await vi.waitFor(() => {
      const open = g.gw.tickets.all().filter((t) => t.deviceId === 'fp-1');
      expect(open).toHaveLength(2);
      for (const t of open) expect(t.condition).toBe('normal');
    });
  });

  it('maps an elevator cloud\'s "trapped" event to the elevator entrapment fault', async () => {
    const g = await start();
    await g.push('lift-1', LIFT_TOKEN, { type: 'TRAPPED', message: '3 楼与 4 楼之间困人' });
    await vi.waitFor(() => expect(g.gw.tickets.all().find((t) => t.fault === 'elevator-entrapment')).toMatchObject({ tier: 'emergency', skill: 'elevator' }));
    expect(g.gw.tickets.all().find((t) => t.fault === 'elevator-entrapment')?.description.zh).toContain('3 楼与 4 楼之间困人');
    await g.push('lift-1', LIFT_TOKEN, { type: 'RELEASED', message: '已解困' });
    await vi.waitFor(() => expect(g.gw.tickets.all().find((t) => t.fault === 'elevator-entrapment')?.condition).toBe('normal'));
  });

  it('raises device-offline for a pushing device silent past expectEverySeconds, and clears it when it pushes again', async () => {
    const g = await start();
    await g.push('lift-1', LIFT_TOKEN, { floor: 1, state: { running: false } });
    await vi.waitFor(() => expect(g.gw.tickets.all().find((t) => t.fault === 'device-offline' && t.deviceId === 'lift-1')).toBeDefined(), { timeout: 20_000 });
    expect(g.httpStatus()?.devices.find((d) => d.deviceId === 'lift-1')?.state).toBe('bad');
    // Devices that push only events have no window: the fire panel is never judged silent.
    expect(g.gw.tickets.all().some((t) => t.deviceId === 'fp-1')).toBe(false);
    await g.push('lift-1', LIFT_TOKEN, { floor: 1, state: { running: false } });
    await vi.waitFor(() => expect(g.gw.tickets.all().find((t) => t.fault === 'device-offline' && t.deviceId === 'lift-1')?.condition).toBe('normal'));
    expect(g.httpStatus()?.devices.find((d) => d.deviceId === 'lift-1')?.state).toBe('good');
  }, 40_000);
});
