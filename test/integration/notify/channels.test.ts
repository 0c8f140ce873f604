import { createHmac } from 'node:crypto';
import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createMqttAdapter } from '../../../adapters/mqtt/index.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { createNotifier } from '../../../gateway/notify/index.js';
import { FileStore } from '../../../gateway/store/store.js';
import { TicketService } from '../../../gateway/tickets/ticket-service.js';
import { testSite } from '../../helpers/site.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { webhookServer } from '../../helpers/webhook-server.js';

describe('alert channels', () => {
  it('sends the WeCom, DingTalk and Feishu formats, a retried webhook and an MQTT alert for a raised ticket', async () => {
    const hook = await webhookServer();
    const base = testSite();
    const site = testSite({
      http: { host: '127.0.0.1', port: 8080, publicUrl: 'http://gw.site.lan:8080' },
      notify: {
        channels: [
          { id: 'mqtt', type: 'mqtt', topic: 'alerts/{tier}' },
          { id: 'wecom', type: 'wecom', url: { value: `${hook.url}/wecom` } },
          { id: 'dingtalk', type: 'dingtalk', url: { value: `${hook.url}/dingtalk?access_token=x` }, secret: { value: 'SECdemo' } },
          { id: 'feishu', type: 'feishu', url: { value: `${hook.url}/feishu` }, secret: { value: 'fs-secret' } },
          { id: 'hook', type: 'webhook', url: { value: `${hook.url}/flaky` }, retries: 3 },
        ],
      },
    });
    const mqttAdapter = await createMqttAdapter({ broker: { mode: 'embedded', host: '127.0.0.1', port: 0, maxPayloadBytes: 16384, allowAnonymous: false, logins: [{ username: 'console', password: { value: 'pw-console' }, subscribe: ['alerts/#'] }] }, devices: [{ id: 'leak-1', source: base.devices[0]!.source as never }] }, { clock: systemClock, log: silentLogger() });
    await mqttAdapter.start();
    onTestFinished(() => mqttAdapter.stop());
    const console = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttAdapter.address()?.port}`, { username: 'console', password: 'pw-console', reconnectPeriod: 0 });
    onTestFinished(() => console.endAsync(true));
    await console.subscribeAsync('alerts/#', { qos: 1 });
    const mqttAlerts: { topic: string; body: Record<string, unknown> }[] = [];
    console.on('message', (topic, p) => mqttAlerts.push({ topic, body: JSON.parse(p.toString()) as Record<string, unknown> }));

    const store = await FileStore.open({ dataDir: await tempDir(), clock: systemClock, log: silentLogger() });
    onTestFinished(() => store.close());
    const tickets = await TicketService.open({ store, site, clock: systemClock, log: silentLogger() });
    const notifier = createNotifier({ site, tickets, store, clock: systemClock, log: silentLogger(), publishMqtt: (t, p, o) => mqttAdapter.publish(t, p, o) });
    await notifier.start();
    onTestFinished(() => notifier.stop());

    const t = await tickets.raise({
      fault: 'water-leak',
      device: site.devices[0]!,
      tier: 'emergency',
      skill: 'plumbing',
      title: { zh: '漏水', en: 'Water leak' },
      description: { zh: 'x', en: 'x' },
    });

    await vi.waitFor(() => expect(hook.received.map((r) => r.path).sort()).toEqual(['/dingtalk', '/feishu', '/flaky', '/wecom']), { timeout: 15_000 });
    await vi.waitFor(() => expect(mqttAlerts).toHaveLength(1));
    expect(mqttAlerts[0]).toMatchObject({ topic: 'alerts/emergency', body: { number: t.number, tier: 'emergency', link: `http://gw.site.lan:8080/tickets/${t.id}` } });

    const by = (p: string) => hook.received.find((r) => r.path === p)!;
    const wecom = by('/wecom').body as { msgtype: string; text: { content: string } };
    expect(wecom.msgtype).toBe('text');
    expect(wecom.text.content).toContain(t.number);
    expect(wecom.text.content).toContain('紧急');
    expect(wecom.text.content).toContain('B1 泵房');

    const ding = by('/dingtalk');
    expect(ding.body).toMatchObject({ msgtype: 'markdown', markdown: { title: '【紧急】漏水' } });
    const ts = ding.query.get('timestamp')!;
    expect(ding.query.get('sign')).toBe(createHmac('sha256', 'SECdemo').update(`${ts}\nSECdemo`).digest('base64'));

    const fs = by('/feishu').body as { msg_type: string; timestamp: string; sign: string; card: { header: { title: { content: string } }; elements: { text?: { content: string } }[] } };
    expect(fs.msg_type).toBe('interactive');
    expect(fs.card.header.title.content).toBe('【紧急】漏水');
    expect(fs.card.elements[0]?.text?.content).toContain(t.number);
    expect(fs.sign).toBe(createHmac('sha256', `${fs.timestamp}\nfs-secret`).update('').digest('base64'));

    // The flaky webhook failed twice and delivered once.
    expect(hook.received.filter((r) => r.path === '/flaky')).toHaveLength(1);
    await vi.waitFor(() => expect(notifier.status().find((s) => s.channel === 'hook')).toMatchObject({ sent: 1, failed: 0 }));
  });
});
