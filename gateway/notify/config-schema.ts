import { z } from 'zod';
import { SecretRef } from '../../core/schema-parts.js';
import { Roster, rosterProblems } from './roster-schema.js';
import { TEMPLATE_FIELDS, unknownFields } from './webhook-template.js';

const Common = {
  id: z.string().min(1),
  /** Only tickets of these tiers go to this channel (default: all). */
  tiers: z.array(z.enum(['emergency', 'general', 'low'])).optional(),
  /** The language its messages are written in: one per channel, not both on every line. */
  language: z.enum(['zh-CN', 'en']).default('zh-CN'),
  /** Failed attempts after which the alert is reported failing (GW_NOTIFY_FAILED); it is still retried. */
  retries: z.number().int().min(0).max(10).default(5),
  /** Bounded queue: when full, the oldest non-emergency alert is dropped (counted, and noted on its ticket). */
  queueLimit: z.number().int().min(1).default(500),
};

/** Messages a minute each robot takes (its documented limit); over it, waiting alerts are merged into one digest. */
const perMinute = (n: number) => z.number().int().min(1).max(600).default(n);

/** Alert channels. Webhook URLs carry robot keys: give them as secrets. */
export const Channel = z.discriminatedUnion('type', [
  z.strictObject({ ...Common, type: z.literal('mqtt'), topic: z.string().min(1).default('alerts/{tier}') }),
  z.strictObject({
    ...Common,
    type: z.literal('webhook'),
    url: SecretRef,
    /** Any JSON whose strings may name {{fields}} (SMS and voice-call gateways); default `{type, text, alerts}`. */
    template: z
      .unknown()
      .optional()
      .superRefine((t, ctx) => {
        const bad = t === undefined ? [] : unknownFields(t);
        if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `unknown template fields ${bad.map((b) => `{{${b}}}`).join(', ')}; known: ${TEMPLATE_FIELDS.join(', ')}` });
      }),
    perMinute: z.number().int().min(1).max(6000).optional(),
  }),
  z.strictObject({ ...Common, type: z.literal('wecom'), url: SecretRef, perMinute: perMinute(20) }),
  z.strictObject({ ...Common, type: z.literal('dingtalk'), url: SecretRef, secret: SecretRef.optional(), perMinute: perMinute(20) }),
  z.strictObject({ ...Common, type: z.literal('feishu'), url: SecretRef, secret: SecretRef.optional(), perMinute: perMinute(100) }),
]);
export type Channel = z.infer<typeof Channel>;

/**
 * Channels named by a team or escalation level of the roster get only that addressee's alerts;
 * the others (the MQTT alert topic, say) get every alert.
 */
export const NotifyConfig = z
  .strictObject({
    channels: z.array(Channel).default([{ id: 'mqtt-alerts', type: 'mqtt', topic: 'alerts/{tier}', language: 'zh-CN', retries: 5, queueLimit: 500 }]),
    roster: Roster.optional(),
    /**
     * A general or low alert not delivered within this many minutes is given up (counted on
     * /metrics and noted on its ticket). An emergency alert never expires: it is retried until it
     * is delivered or its ticket is acknowledged.
     */
    expireMinutes: z.number().positive().default(60),
    /** An incident (a flood) sends one summary, then an update at most this often while alarms join it. */
    summaryEverySeconds: z.number().positive().default(30),
  })
  .prefault({})
  .superRefine((n, ctx) => {
    const ids = new Set<string>();
    n.channels.forEach((c, i) => {
      if (ids.has(c.id)) ctx.addIssue({ code: 'custom', path: ['channels', i, 'id'], message: `duplicate channel id "${c.id}"` });
      ids.add(c.id);
    });
    if (n.roster !== undefined) for (const p of rosterProblems(n.roster, ids)) ctx.addIssue({ code: 'custom', path: ['roster', ...p.path], message: p.message });
  });
export type NotifyConfig = z.infer<typeof NotifyConfig>;
