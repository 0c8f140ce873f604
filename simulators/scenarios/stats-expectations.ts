import type { CallbackFigures } from '../../gateway/api/repair-figures.js';
import { monthPeriod } from '../../gateway/api/report-period.js';
import type { ExpectedStats } from './scenario-schema.js';

/** One row of the summary table: what the month's figures had to be, what they were. */
export interface StatsRow {
  readonly expected: string;
  readonly arrived: string;
  readonly ok: boolean;
}

/** The part of GET /api/stats a scenario judges. */
export interface MonthFigures {
  readonly callbacks: CallbackFigures;
}

/** The figures of a site-local month (`2026-07`), read as staff read them: GET /api/stats from its first day to the next month's. */
export async function monthFigures(gatewayUrl: string, token: string, month: string, timeZone: string): Promise<MonthFigures> {
  const p = monthPeriod(month, timeZone);
  const q = new URLSearchParams({ from: new Date(p.from).toISOString(), to: new Date(p.to).toISOString() });
  const res = await fetch(`${gatewayUrl}/api/stats?${q.toString()}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET /api/stats answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as MonthFigures;
}

type CallbackFigure = keyof NonNullable<ExpectedStats['callbacks']>;

/** Each figure a scenario may expect, as the summary table names it; the last two are shares. */
const LABELS: Readonly<Record<CallbackFigure, string>> = { owed: 'owed', onTime: 'on time', late: 'late', missing: 'missing', rate: 'rate', satisfiedShare: 'satisfied' };

/** A figure as people read it: a count, or a share in percent (none when there was nothing to count). */
function shown(k: CallbackFigure, v: number | null): string {
  if (k !== 'rate' && k !== 'satisfiedShare') return String(v);
  return v === null ? 'none' : `${Math.round(v * 1000) / 10} %`;
}

/** The callbacks figures given in the scenario, each exactly as expected (shares to a thousandth). */
export function judgeStats(e: ExpectedStats, got: MonthFigures, month: string): StatsRow {
  const c = got.callbacks;
  const actual: Record<CallbackFigure, number | null> = { owed: c.owed, onTime: c.onTime, late: c.late, missing: c.missing, rate: c.rate, satisfiedShare: c.satisfaction.share };
  const wanted = Object.entries(e.callbacks ?? {}).filter((x): x is [CallbackFigure, number | null] => x[1] !== undefined);
  const same = (a: number | null, b: number | null): boolean => (a === null || b === null ? a === b : Math.abs(a - b) < 0.001);
  const wrong = wanted.filter(([k, v]) => !same(actual[k], v)).map(([k]) => LABELS[k]);
  const words = (figures: readonly [CallbackFigure, number | null][]): string => figures.map(([k, v]) => `${LABELS[k]} ${shown(k, v)}`).join(', ');
  const seen = words(Object.entries(actual) as [CallbackFigure, number | null][]);
  return {
    expected: `${month} callbacks: ${words(wanted)}`,
    arrived: `${month} callbacks: ${seen}${wrong.length === 0 ? '' : ` (${wrong.join(', ')} differ)`}`,
    ok: wrong.length === 0,
  };
}
