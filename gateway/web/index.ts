import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { SiteConfig } from '../config/site-schema.js';
import { appIcon } from './png-encode.js';

const JS = 'text/javascript; charset=utf-8';

/**
 * The pages' own files, by name; nothing outside this list is ever read from disk. A Map, not an
 * object: a name from the URL such as `constructor` or `__proto__` must find nothing.
 */
const ASSETS: ReadonlyMap<string, string> = new Map(Object.entries({
  'words.js': JS,
  'session.js': JS,
  'alert-banner.js': JS,
  'live.js': JS,
  'page-shell.js': JS,
  'time-words.js': JS,
  'ticket-words.js': JS,
  'list-view.js': JS,
  'view.js': JS,
  'actions.js': JS,
  'boxes.js': JS,
  'ticket-state.js': JS,
  'steps.js': JS,
  'resolve-box.js': JS,
  'supervision.js': JS,
  'callback-box.js': JS,
  'history-words.js': JS,
  'repair-record.js': JS,
  'storm.js': JS,
  'photos.js': JS,
  'chart.js': JS,
  'kpi.js': JS,
  'i18n.js': JS,
  'patrol.js': JS,
  'engineering.js': JS,
  'desk.js': JS,
  'operator.js': JS,
  'reports.js': JS,
  'ticket.js': JS,
  'style.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
}));

/**
 * Files of the two libraries the pages use, served from the gateway's own node_modules (no CDN:
 * a site LAN often has no internet): lit-html for keyed DOM updates, uPlot for the evidence chart.
 */
const require = createRequire(import.meta.url);
const LIT_DIR = path.resolve(path.dirname(require.resolve('lit-html')), '..');
const UPLOT_DIR = path.dirname(require.resolve('uplot/package.json'));
const VENDOR: ReadonlyMap<string, { file: string; type: string }> = new Map(Object.entries({
  'lit-html/lit-html.js': { file: path.join(LIT_DIR, 'lit-html.js'), type: JS },
  'lit-html/directive.js': { file: path.join(LIT_DIR, 'directive.js'), type: JS },
  'lit-html/directive-helpers.js': { file: path.join(LIT_DIR, 'directive-helpers.js'), type: JS },
  'lit-html/async-directive.js': { file: path.join(LIT_DIR, 'async-directive.js'), type: JS },
  'lit-html/directives/repeat.js': { file: path.join(LIT_DIR, 'directives', 'repeat.js'), type: JS },
  'lit-html/directives/live.js': { file: path.join(LIT_DIR, 'directives', 'live.js'), type: JS },
  'lit-html/directives/ref.js': { file: path.join(LIT_DIR, 'directives', 'ref.js'), type: JS },
  'uplot/uPlot.esm.js': { file: path.join(UPLOT_DIR, 'dist', 'uPlot.esm.js'), type: JS },
  'uplot/uPlot.min.css': { file: path.join(UPLOT_DIR, 'dist', 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
  // Not a library: the words the server and the pages share, one plain module both import.
  'shared/shared-words.js': { file: fileURLToPath(new URL('../../core/shared-words.js', import.meta.url)), type: JS },
}));

const PAGES = {
  patrol: { zh: '巡检', en: 'Patrol', script: 'patrol.js', phone: true },
  engineering: { zh: '工程值班', en: 'Engineering', script: 'engineering.js', phone: false },
  desk: { zh: '客服', en: 'Desk', script: 'desk.js', phone: false },
  operator: { zh: '运维', en: 'Operator', script: 'operator.js', phone: false },
  reports: { zh: '报表', en: 'Reports', script: 'reports.js', phone: false },
  ticket: { zh: '工单', en: 'Ticket', script: 'ticket.js', phone: true },
} as const;

/** The pages with an address of their own, in the order the index lists them (a ticket's page is the link in its alert). */
const LISTED = ['patrol', 'engineering', 'desk', 'operator', 'reports'] as const satisfies readonly (keyof typeof PAGES)[];

const ICON_SIZES = [192, 512] as const;

// Built next to the compiled module (the build copies static/ into dist), read once, kept in memory.
const STATIC_DIR = new URL('./static/', import.meta.url);

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const HEAD = `<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#263238">
<link rel="manifest" href="/manifest.webmanifest">
<link rel="icon" href="/static/icon.svg" type="image/svg+xml">
<link rel="apple-touch-icon" href="/static/icon-192.png">
<link rel="stylesheet" href="/static/style.css">`;

function pageHtml(site: SiteConfig, name: keyof typeof PAGES): string {
  const page = PAGES[name];
  const chart = name === 'engineering' || name === 'ticket' ? '\n<link rel="stylesheet" href="/vendor/uplot/uPlot.min.css">' : '';
  return `<!doctype html>
<html lang="zh-CN">
<head>
${HEAD}${chart}
<title>${escapeHtml(page.zh)} · ${escapeHtml(site.site.name)}</title>
</head>
<body class="${page.phone ? 'phone' : 'desk'}" data-page="${name}" data-site="${escapeHtml(site.site.name)}" data-tz="${escapeHtml(site.site.timeZone)}">
<header><h1><span class="page" data-i18n="page.${name}">${escapeHtml(page.zh)}</span><span class="site"> · ${escapeHtml(site.site.name)}</span></h1>
<nav><span id="who"></span><button id="lang" type="button">English</button></nav></header>
<div id="notice" role="alert" hidden></div>
<main id="app"><p class="muted">…</p></main>
<script type="module" src="/static/${page.script}"></script>
</body>
</html>`;
}

/** What the service worker keeps so a page opens while the gateway is briefly out of reach. */
function shellPaths(): string[] {
  return [
    ...LISTED.map((p) => `/${p}`),
    '/tickets/_',
    '/manifest.webmanifest',
    ...[...ASSETS.keys()].map((f) => `/static/${f}`),
    ...ICON_SIZES.map((s) => `/static/icon-${s}.png`),
    ...[...VENDOR.keys()].map((f) => `/vendor/${f}`),
  ];
}

/**
 * The service worker: pages and their files network first (a fresh gateway always wins), the
 * cached copy when the gateway does not answer within a few seconds; the API is never cached (the
 * pages keep their own last lists and queue what people do). Its cache is named by a hash of the
 * files, so an upgraded gateway replaces the shell.
 */
function serviceWorker(version: string): string {
  return `// Generated by the gateway: caches the staff pages' shell (see gateway/web/index.ts).
const CACHE = 'gw-shell-${version}';
const SHELL = ${JSON.stringify(shellPaths())};
const TIMEOUT_MS = 4000;
self.addEventListener('install', (e) => e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting())));
self.addEventListener('activate', (e) => e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim())));
self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || ['/readyz', '/healthz', '/metrics', '/sw.js'].includes(url.pathname)) return;
  const key = url.pathname.startsWith('/tickets/') ? '/tickets/_' : url.pathname;
  e.respondWith((async () => {
    try {
      const res = await fetch(e.request, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (res.ok) {
        const copy = res.clone();
        e.waitUntil(caches.open(CACHE).then((c) => c.put(key, copy)));
      }
      return res;
    } catch {
      return (await caches.match(key)) ?? Response.error();
    }
  })());
});
`;
}

/** The staff pages: HTML and ES modules with no build step, so they run on the site LAN as they are. */
export function webPages(app: FastifyInstance, deps: { site: SiteConfig }): void {
  const cache = new Map<string, Buffer>();
  const read = async (key: string, file: URL | string): Promise<Buffer> => {
    let body = cache.get(key);
    if (body === undefined) {
      body = await readFile(file);
      cache.set(key, body);
    }
    return body;
  };
  app.get<{ Params: { file: string } }>('/static/:file', async (req, reply) => {
    const size = /^icon-(\d+)\.png$/.exec(req.params.file)?.[1];
    if (size !== undefined && (ICON_SIZES as readonly number[]).includes(Number(size))) {
      let png = cache.get(req.params.file);
      if (png === undefined) {
        png = appIcon(Number(size));
        cache.set(req.params.file, png);
      }
      return reply.type('image/png').header('cache-control', 'no-cache').send(png);
    }
    const type = ASSETS.get(req.params.file);
    if (type === undefined) return reply.code(404).send({ error: { code: 'GW_API_NOT_FOUND', message: `no file ${req.params.file}` } });
    return reply.type(type).header('cache-control', 'no-cache').send(await read(req.params.file, new URL(req.params.file, STATIC_DIR)));
  });
  app.get<{ Params: { '*': string } }>('/vendor/*', async (req, reply) => {
    const v = VENDOR.get(req.params['*']);
    if (v === undefined) return reply.code(404).send({ error: { code: 'GW_API_NOT_FOUND', message: `no file ${req.params['*']}` } });
    return reply.type(v.type).header('cache-control', 'no-cache').send(await read(`vendor:${req.params['*']}`, v.file));
  });

  let swSource: string | null = null;
  app.get('/sw.js', async (_req, reply) => {
    if (swSource === null) {
      const hash = createHash('sha256');
      for (const f of ASSETS.keys()) hash.update(await read(f, new URL(f, STATIC_DIR)));
      for (const [k, v] of VENDOR) hash.update(await read(`vendor:${k}`, v.file));
      hash.update(deps.site.site.name);
      swSource = serviceWorker(hash.digest('hex').slice(0, 16));
    }
    return reply.type(JS).header('cache-control', 'no-cache').header('service-worker-allowed', '/').send(swSource);
  });
  app.get('/manifest.webmanifest', async (_req, reply) =>
    reply
      .type('application/manifest+json; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send({
        name: `${deps.site.site.name} 报事报修`,
        short_name: '报修',
        lang: 'zh-CN',
        start_url: '/patrol',
        scope: '/',
        display: 'standalone',
        background_color: '#f4f5f7',
        theme_color: '#263238',
        icons: [...ICON_SIZES.map((s) => ({ src: `/static/icon-${s}.png`, sizes: `${s}x${s}`, type: 'image/png', purpose: 'any' })), { src: '/static/icon.svg', sizes: 'any', type: 'image/svg+xml' }],
      }),
  );

  const html = (p: keyof typeof PAGES) => pageHtml(deps.site, p);
  for (const p of LISTED) app.get(`/${p}`, async (_req, reply) => reply.type('text/html; charset=utf-8').send(html(p)));
  // The link in every alert.
  app.get('/tickets/:id', async (_req, reply) => reply.type('text/html; charset=utf-8').send(html('ticket')));
  app.get('/', async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(`<!doctype html><html lang="zh-CN"><head>${HEAD}
<title>${escapeHtml(deps.site.site.name)}</title></head>
<body class="phone"><header><h1>${escapeHtml(deps.site.site.name)}</h1></header><main><ul class="links">
${LISTED.map((p) => `<li><a href="/${p}">${PAGES[p].zh} ${PAGES[p].en}</a></li>`).join('\n')}
</ul></main></body></html>`),
  );
}
