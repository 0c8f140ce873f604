// The ticket's evidence as a small SVG chart: one line per point, booleans as steps, the raise time marked.
import { esc } from './common.js';

const COLORS = ['#c62828', '#1565c0', '#2e7d32', '#6a1b9a', '#ef6c00'];

export function evidenceChart(ticket, width = 560, height = 180) {
  const series = (ticket.evidence ?? []).filter((s) => s.samples.length > 0);
  if (series.length === 0) return '';
  const all = series.flatMap((s) => s.samples);
  const t0 = Math.min(...all.map((p) => p.ts));
  const t1 = Math.max(...all.map((p) => p.ts), t0 + 1);
  const pad = { l: 8, r: 8, t: 18, b: 18 };
  const w = width - pad.l - pad.r;
  const h = (height - pad.t - pad.b) / series.length;
  const x = (ts) => pad.l + ((ts - t0) / (t1 - t0)) * w;
  const parts = series.map((s, i) => {
    const nums = s.samples.map((p) => (typeof p.value === 'boolean' ? (p.value ? 1 : 0) : typeof p.value === 'number' ? p.value : null));
    const known = nums.filter((v) => v !== null);
    const lo = Math.min(...known, 0);
    const hi = Math.max(...known, lo + 1e-9);
    const top = pad.t + i * h;
    const y = (v) => top + h - 4 - ((v - lo) / (hi - lo)) * (h - 8);
    const step = s.samples.some((p) => typeof p.value === 'boolean');
    let d = '';
    s.samples.forEach((p, j) => {
      const v = nums[j];
      if (v === null) return;
      const cmd = d === '' ? 'M' : 'L';
      if (step && d !== '') d += ` L${x(p.ts).toFixed(1)},${y(nums[j - 1] ?? v).toFixed(1)}`;
      d += ` ${cmd}${x(p.ts).toFixed(1)},${y(v).toFixed(1)}`;
    });
    const lastValue = known.at(-1);
    const last = typeof lastValue === 'number' && !Number.isInteger(lastValue) ? Number(lastValue.toPrecision(4)) : lastValue;
    const color = COLORS[i % COLORS.length];
    return `<g class="series" data-point="${esc(s.pointId)}"><text x="${pad.l}" y="${top + 10}" fill="${color}">${esc(s.deviceId)} · ${esc(s.pointId)}${s.unit ? ` (${esc(s.unit)})` : ''}: ${esc(last)}</text>
      <path d="${d.trim()}" fill="none" stroke="${color}" stroke-width="2"/></g>`;
  });
  const raised = Date.parse(ticket.occurrences?.[0]?.at ?? ticket.createdAt);
  const marker = raised >= t0 && raised <= t1 ? `<line x1="${x(raised)}" x2="${x(raised)}" y1="${pad.t}" y2="${height - pad.b}" class="raised-at"/>` : '';
  const seconds = Math.round((t1 - t0) / 1000);
  return `<svg class="evidence" viewBox="0 0 ${width} ${height}" role="img" aria-label="evidence">${parts.join('')}${marker}
    <text x="${pad.l}" y="${height - 4}" class="axis">-${seconds}s</text><text x="${width - pad.r}" y="${height - 4}" class="axis" text-anchor="end">0</text></svg>`;
}
