import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { SiteConfig } from '../config/site-schema.js';

/** The pages' files, by name; nothing outside this list is ever read from disk. */
const ASSETS: Readonly<Record<string, string>> = {
  'common.js': 'text/javascript; charset=utf-8',
  'chart.js': 'text/javascript; charset=utf-8',
  'i18n.js': 'text/javascript; charset=utf-8',
  'patrol.js': 'text/javascript; charset=utf-8',
  'engineering.js': 'text/javascript; charset=utf-8',
  'operator.js': 'text/javascript; charset=utf-8',
  'ticket.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

const PAGES = {
  patrol: { zh: '巡检', en: 'Patrol', script: 'patrol.js', phone: true },
  engineering: { zh: '工程值班', en: 'Engineering', script: 'engineering.js', phone: false },
  operator: { zh: '运维', en: 'Operator', script: 'operator.js', phone: false },
  ticket: { zh: '工单', en: 'Ticket', script: 'ticket.js', phone: true },
} as const;

// Built next to the compiled module (the build copies static/ into dist), read once, kept in memory.
const STATIC_DIR = new URL('./static/', import.meta.url);

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function pageHtml(site: SiteConfig, page: (typeof PAGES)[keyof typeof PAGES]): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.zh)} · ${escapeHtml(site.site.name)}</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body class="${page.phone ? 'phone' : 'desk'}" data-site="${escapeHtml(site.site.name)}" data-tz="${escapeHtml(site.site.timeZone)}">
<header><h1><span data-i18n="page.${page.script.replace('.js', '')}">${escapeHtml(page.zh)}</span> · ${escapeHtml(site.site.name)}</h1>
<nav><span id="who"></span><button id="lang" type="button">English</button></nav></header>
<div id="notice" role="alert" hidden></div>
<main id="app"><p class="muted">…</p></main>
<script type="module" src="/static/${page.script}"></script>
</body>
</html>`;
}

/** The staff pages: plain HTML and ES modules, no build step, so they run on the site LAN as they are. */
export function webPages(app: FastifyInstance, deps: { site: SiteConfig }): void {
  const cache = new Map<string, Buffer>();
  app.get<{ Params: { file: string } }>('/static/:file', async (req, reply) => {
    const type = ASSETS[req.params.file];
    if (type === undefined) return reply.code(404).send({ error: { code: 'GW_API_NOT_FOUND', message: `no file ${req.params.file}` } });
    let body = cache.get(req.params.file);
    if (body === undefined) {
      body = await readFile(new URL(req.params.file, STATIC_DIR));
      cache.set(req.params.file, body);
    }
    return reply.type(type).header('cache-control', 'no-cache').send(body);
  });
  const html = (p: keyof typeof PAGES) => pageHtml(deps.site, PAGES[p]);
  for (const p of ['patrol', 'engineering', 'operator'] as const) app.get(`/${p}`, async (_req, reply) => reply.type('text/html; charset=utf-8').send(html(p)));
  // The link in every alert.
  app.get('/tickets/:id', async (_req, reply) => reply.type('text/html; charset=utf-8').send(html('ticket')));
  app.get('/', async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(deps.site.site.name)}</title><link rel="stylesheet" href="/static/style.css"></head>
<body class="phone"><header><h1>${escapeHtml(deps.site.site.name)}</h1></header><main><ul class="links">
${(['patrol', 'engineering', 'operator'] as const).map((p) => `<li><a href="/${p}">${PAGES[p].zh} ${PAGES[p].en}</a></li>`).join('\n')}
</ul></main></body></html>`),
  );
}
