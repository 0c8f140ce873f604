import type { AlertFacts, AlertMention } from './alert-facts.js';
import type { AlertText } from './alert-text.js';

/**
 * A `webhook` channel's optional body template: any JSON, whose strings may name fields as
 * `{{field}}`, so an SMS or voice-call gateway (the usual way to wake someone for an entrapment at
 * night) takes the alert in its own request format without code. A string that is exactly
 * `{{mobiles}}` becomes the list of mobile numbers to call; anywhere else a list is joined with commas.
 *
 * Fields: text (the whole message), head, body (the lines under the head), link, number (the
 * ticket numbers), ticketId, tier, kind, mobiles, names.
 */
export const TEMPLATE_FIELDS = ['text', 'head', 'body', 'link', 'number', 'ticketId', 'tier', 'kind', 'mobiles', 'names'] as const;
type Field = (typeof TEMPLATE_FIELDS)[number];

function fields(t: AlertText, alerts: readonly AlertFacts[], m: AlertMention | null): Record<Field, string | readonly string[]> {
  const first = alerts[0];
  return {
    text: [t.head, ...t.lines, t.link].join('\n'),
    head: t.head,
    body: t.lines.join('\n'),
    link: t.link,
    number: alerts.map((a) => a.number).join(','),
    ticketId: alerts.map((a) => a.ticketId).join(','),
    tier: first?.tier ?? '',
    kind: alerts.length > 1 ? 'digest' : (first?.kind ?? ''),
    mobiles: m?.mobiles ?? [],
    names: m?.names ?? [],
  };
}

export function fillTemplate(template: unknown, t: AlertText, alerts: readonly AlertFacts[], m: AlertMention | null): unknown {
  const f = fields(t, alerts, m);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = /^\{\{(\w+)\}\}$/.exec(v);
      if (whole !== null && whole[1] !== undefined && whole[1] in f) return f[whole[1] as Field];
      return v.replace(/\{\{(\w+)\}\}/g, (all, name: string) => {
        const value = (f as Record<string, string | readonly string[] | undefined>)[name];
        if (value === undefined) return all;
        return typeof value === 'string' ? value : value.join(',');
      });
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(template);
}

/** Placeholders a template names that are not fields (the site file check reports them). */
export function unknownFields(template: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(/\{\{(\w+)\}\}/g)) if (!(TEMPLATE_FIELDS as readonly string[]).includes(m[1] ?? '')) out.add(m[1] ?? '');
    } else if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (typeof v === 'object' && v !== null) {
      Object.values(v).forEach(walk);
    }
  };
  walk(template);
  return [...out];
}
