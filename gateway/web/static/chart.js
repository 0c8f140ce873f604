// The evidence of a ticket as a chart: uPlot (a small, fast, well-kept chart library, served from
// the gateway's own node_modules). Numbers as lines on a local-time axis with their units; booleans
// (wet / dry, running / stopped) as state bands; the moment of the fault marked.
import uPlot from '/vendor/uplot/uPlot.esm.js';
import { bi, lang, t } from './words.js';
import { html, ref } from './view.js';

/** @typedef {import('../../api/ticket-view.js').TicketView} TicketView */

// The legend's swatches are classes `ul.legend i.c0`..`c4` in style.css, in this order (the
// Content-Security-Policy allows no inline style attributes).
const COLORS = ['#1565c0', '#2e7d32', '#6a1b9a', '#ef6c00', '#00838f'];
const ON = '#c62828';
const OFF = '#a5d6a7';
const FAULT = '#c62828';
const FONT = '12px "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif';
const charts = new WeakMap();
const MIN_SPAN_S = 60;

const isBool = (s) => s.samples.length > 0 && s.samples.every((p) => typeof p.value === 'boolean' || p.value === null);
const nameOf = (s) => bi(s.name) || s.pointId;
const stateWord = (s, v) => (s.states ? bi(v ? s.states.on : s.states.off) : lang() === 'en' ? (v ? 'on' : 'off') : v ? '是' : '否');

function clockFormat() {
  const f = new Intl.DateTimeFormat(lang(), { timeZone: document.body.dataset.tz || undefined, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  return (sec) => f.format(new Date(sec * 1000));
}

/** The true / false intervals of a boolean point over [t0, t1] (seconds). */
function intervals(series, t1) {
  const out = [];
  const pts = series.samples.filter((p) => typeof p.value === 'boolean');
  pts.forEach((p, i) => {
    const from = p.ts / 1000;
    const to = i + 1 < pts.length ? pts[i + 1].ts / 1000 : t1;
    const last = out.at(-1);
    if (last && last.value === p.value) last.to = to;
    else out.push({ value: p.value, from, to });
  });
  return out;
}

/**
 * The chart of a ticket's evidence, drawn into its own element once it is on the page (and drawn
 * again only when the ticket's version changes): a line chart for the numeric points, a band
 * chart for the boolean ones, both on the same local-time axis, with a legend in words.
 * @param {TicketView} ticket
 */
export function evidenceChart(ticket) {
  const series = (ticket.evidence ?? []).filter((s) => s.samples.length > 0);
  if (series.length === 0) return html`<p class="muted chart-none">${t('chart.none')}</p>`;
  const faultAt = Date.parse(ticket.occurrences?.[0]?.at ?? ticket.createdAt) / 1000;
  const all = series.flatMap((s) => s.samples.map((p) => p.ts / 1000));
  // At least a minute of axis, the fault a little before the right edge: a chart of one second says nothing.
  const t1 = Math.max(...all, faultAt + 5);
  const t0 = Math.min(...all, faultAt, t1 - MIN_SPAN_S);
  const bools = series.filter(isBool);
  const nums = series.filter((s) => !isBool(s));
  const clock = clockFormat();
  const draw = (el) => {
    const key = `${ticket.id}/${ticket.version}/${lang()}`;
    const have = charts.get(el);
    if (have?.key === key) return;
    for (const c of have?.plots ?? []) c.destroy();
    el.replaceChildren();
    const width = Math.max(240, Math.min(el.clientWidth, 900));
    const plots = [];
    if (nums.length > 0) plots.push(lineChart(el, nums, { t0, t1, faultAt, width, clock }));
    if (bools.length > 0) plots.push(bandChart(el, bools, { t0, t1, faultAt, width, clock, axis: nums.length === 0 }));
    // As wide as the card, also after the phone turns; let go of the charts once the card is gone.
    const resize =
      have?.resize ??
      new ResizeObserver(() => {
        const current = charts.get(el);
        if (!el.isConnected) {
          for (const p of current?.plots ?? []) p.destroy();
          current?.resize.disconnect();
          charts.delete(el);
          return;
        }
        const w = Math.max(240, Math.min(el.clientWidth, 900));
        for (const p of current?.plots ?? []) if (Math.abs(p.width - w) > 4) p.setSize({ width: w, height: p.height });
      });
    if (!have) resize.observe(el);
    charts.set(el, { key, plots, resize });
  };
  // lit sets the ref before the card is in the document: draw once it has a width.
  const mount = (el) => {
    if (el) requestAnimationFrame(() => el.isConnected && draw(el));
  };
  const bands = bools.map((s) => {
    const spans = intervals(s, t1);
    return html`<li class="state-band" data-point=${s.pointId}><b>${nameOf(s)}</b>：${spans.map(
      (i, n) => html`<span class="band-${i.value ? 'on' : 'off'}">${stateWord(s, i.value)} ${n + 1 < spans.length ? `${clock(i.from)}–${clock(i.to)}` : t('chart.since', { t: clock(i.from) })}</span>${n + 1 < spans.length ? ' · ' : ''}`,
    )}</li>`;
  });
  const lines = nums.map((s, i) => {
    const last = s.samples.at(-1)?.value;
    const v = typeof last === 'number' ? Number(last.toPrecision(4)) : last;
    return html`<li data-point=${s.pointId}><i class="c${i % COLORS.length}"></i>${nameOf(s)}${s.unit ? ` (${s.unit})` : ''}: ${v ?? '-'}${s.unit ? ` ${s.unit}` : ''}</li>`;
  });
  return html`<figure class="evidence">
    <div class="plots" ${ref(mount)}></div>
    <ul class="legend">${lines}${bands}<li class="fault-at"><i></i>${t('chart.fault')} ${clock(faultAt)}</li></ul>
  </figure>`;
}

/** The x axis: local time of the site, labels kept on the element for tests and screen readers. */
function timeAxis(el, clock) {
  return {
    font: FONT,
    stroke: '#555',
    grid: { stroke: '#eee' },
    size: 36,
    space: 72,
    values: (_u, splits) => {
      const labels = splits.map((s) => clock(s));
      el.dataset.timeTicks = labels.join(' ');
      return labels;
    },
  };
}

function faultLine(u, faultAt) {
  const x = u.valToPos(faultAt, 'x', true);
  const { ctx } = u;
  ctx.save();
  ctx.strokeStyle = FAULT;
  ctx.setLineDash([5, 4]);
  ctx.lineWidth = 2 * devicePixelRatio;
  ctx.beginPath();
  ctx.moveTo(x, u.bbox.top);
  ctx.lineTo(x, u.bbox.top + u.bbox.height);
  ctx.stroke();
  ctx.restore();
}

function lineChart(el, nums, { t0, t1, faultAt, width, clock }) {
  // One time column for all points: each point's samples at their own times, gaps spanned.
  const xs = [...new Set(nums.flatMap((s) => s.samples.map((p) => p.ts / 1000)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const data = [xs, ...nums.map((s) => {
    const ys = new Array(xs.length).fill(null);
    for (const p of s.samples) if (typeof p.value === 'number') ys[index.get(p.ts / 1000)] = p.value;
    return ys;
  })];
  const units = [...new Set(nums.map((s) => s.unit ?? ''))];
  const scales = { x: { time: true, range: [t0, t1] } };
  for (const u of units) scales[`u:${u}`] = { auto: true };
  /** @type {Record<string, unknown>[]} */
  const axes = [timeAxis(el, clock)];
  units.slice(0, 2).forEach((u, i) => {
    const named = nums.filter((s) => (s.unit ?? '') === u).map(nameOf).join(' / ');
    axes.push({ scale: `u:${u}`, side: i === 0 ? 3 : 1, font: FONT, labelFont: FONT, label: u ? `${named} (${u})` : named, labelSize: 18, size: 48, stroke: '#555', grid: { show: i === 0, stroke: '#eee' } });
  });
  const opts = {
    width,
    height: 220,
    scales,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    series: [{}, ...nums.map((s, i) => ({ label: nameOf(s), scale: `u:${s.unit ?? ''}`, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true, points: { show: false } }))],
    axes,
    hooks: { draw: [(u) => faultLine(u, faultAt)] },
  };
  return new uPlot(opts, data, el);
}

function bandChart(el, bools, { t0, t1, faultAt, width, clock, axis }) {
  const laneCss = 26;
  const opts = {
    width,
    height: bools.length * laneCss + (axis ? 48 : 12),
    scales: { x: { time: true, range: [t0, t1] }, lane: { range: [0, 1] } },
    legend: { show: false },
    cursor: { show: false },
    series: [{}, { scale: 'lane', show: false }],
    axes: [axis ? timeAxis(el, clock) : { show: false }, { scale: 'lane', show: false }],
    hooks: {
      draw: [
        (u) => {
          const { ctx } = u;
          const dpr = devicePixelRatio;
          const laneH = u.bbox.height / bools.length;
          ctx.save();
          ctx.font = FONT.replace('12px', `${12 * dpr}px`);
          ctx.textBaseline = 'middle';
          ctx.textAlign = 'left'; // uPlot leaves the axes' alignment (centre) on the context
          // Bands, then the fault's line, then the words: the line never hides a band's word.
          const words = [];
          bools.forEach((s, i) => {
            const top = u.bbox.top + i * laneH;
            for (const span of intervals(s, t1)) {
              const x0 = Math.max(u.bbox.left, u.valToPos(span.from, 'x', true));
              const x1 = Math.min(u.bbox.left + u.bbox.width, u.valToPos(span.to, 'x', true));
              ctx.fillStyle = span.value ? ON : OFF;
              ctx.fillRect(x0, top + 2 * dpr, Math.max(1, x1 - x0), laneH - 4 * dpr);
              const word = `${nameOf(s)} ${stateWord(s, span.value)}`;
              if (x1 - x0 > ctx.measureText(word).width + 8 * dpr) words.push({ word, x: x0 + 4 * dpr, y: top + laneH / 2, on: span.value });
            }
          });
          faultLine(u, faultAt);
          for (const w of words) {
            ctx.fillStyle = w.on ? '#fff' : '#1b5e20';
            ctx.fillText(w.word, w.x, w.y);
          }
          ctx.restore();
        },
      ],
    },
  };
  return new uPlot(opts, [[t0, t1], [null, null]], el);
}
