// Live changes from the gateway: the event stream, the live ticket list, the banner while it is out of reach.
import { html, nothing } from './view.js';
import { loadAlertHealth, showAlertHealth } from './alert-banner.js';
import { api, isUnreachable, token } from './session.js';
import { t } from './words.js';
import { oncePerFrame } from './list-view.js';

/** @typedef {import('../../api/ticket-view.js').TicketView} TicketView */

/**
 * The page shell is cached by a service worker so a phone opens the page while the gateway is
 * briefly out of reach. Browsers allow service workers only over HTTPS (or on localhost); over
 * plain HTTP the page says so when the gateway is out of reach.
 */
export const offlineCapable = 'serviceWorker' in navigator && window.isSecureContext;

/** How long the page waits before it opens the live stream again after it dropped. */
const RECONNECT_MS = 2000;

/**
 * Live changes from the gateway (server-sent events). An EventSource cannot send the sign-in code
 * in a header, and a code in the address would stay in the browser's history: the page asks for a
 * short-lived, single-use stream ticket with its code (POST /api/events/ticket) and opens the stream
 * with that. The browser would reconnect a dropped stream with the same (used) ticket, so the page
 * closes it and connects again with a new one. Every page that listens also shows, above
 * everything, an emergency alert that no channel could deliver.
 */
export function liveEvents(handlers) {
  let source = null;
  const again = () => setTimeout(() => void connect(), RECONNECT_MS);
  // Only the events this page shows, and the undelivered-alert banner every page has: a phone must
  // not receive every changed device once a second when it shows none.
  const wanted = [...new Set([...Object.keys(handlers).filter((e) => e !== 'state'), 'alerts'])].join(',');
  async function connect() {
    let url = `/api/events?events=${wanted}`;
    if (token()) {
      try {
        url = `/api/events?events=${wanted}&ticket=${encodeURIComponent((await api('/api/events/ticket', { method: 'POST' })).ticket)}`;
      } catch {
        handlers.state?.(false);
        again();
        return;
      }
    }
    source = new EventSource(url);
    for (const [event, fn] of Object.entries(handlers)) {
      if (event === 'state') continue;
      source.addEventListener(event, (e) => fn(JSON.parse(e.data)));
    }
    source.addEventListener('alerts', (e) => showAlertHealth(JSON.parse(e.data)));
    source.addEventListener('open', () => {
      handlers.state?.(true);
      void loadAlertHealth();
    });
    source.addEventListener('error', () => {
      handlers.state?.(false);
      source.close();
      again();
    });
  }
  void connect();
}

/**
 * Keeps `tickets` (a Map by id) to the tickets of `query`, live: loaded whole, then changed by
 * `ticket` events, and loaded whole again after the stream comes back (what changed while it was
 * down was not streamed). The last list is kept in this browser, so a page opened while the
 * gateway is out of reach shows what was there. `onTicket(ticket, isNew)` runs for each streamed
 * change, `onConnection(up)` when the stream drops or returns; `rerender` after every change.
 */
/**
 * @param {{ tickets: Map<string, TicketView>; query?: string; rerender: () => void; onTicket?: (ticket: TicketView, isNew: boolean) => void; onConnection?: (up: boolean) => void; events?: Record<string, (data: any) => void> }} o
 */
export async function liveTickets({ tickets, query = 'status=open', rerender, onTicket, onConnection, events = {} }) {
  const cacheKey = `gw.tickets.${location.pathname}`;
  // Up until the stream says otherwise: the first `open` needs no reload, one after a drop does.
  let connected = true;
  const load = async () => {
    try {
      const res = await api(`/api/tickets?${query}&order=desc&evidence=false&limit=5000`);
      tickets.clear();
      for (const tk of res.tickets) tickets.set(tk.id, tk);
      try {
        localStorage.setItem(cacheKey, JSON.stringify(res.tickets));
      } catch {
        // Storage full: the live list still works.
      }
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      if (tickets.size === 0) for (const tk of JSON.parse(localStorage.getItem(cacheKey) ?? '[]')) tickets.set(tk.id, tk);
    }
    rerender();
  };
  // What the stream sends redraws once a frame (a flood of ticket changes is one redraw).
  const redraw = oncePerFrame(rerender);
  liveEvents({
    // More events the page shows beside its tickets (the engineering page's suspected faults).
    ...events,
    ticket: (tk) => {
      const isNew = !tickets.has(tk.id);
      tickets.set(tk.id, tk);
      onTicket?.(tk, isNew);
      redraw();
    },
    state: (up) => {
      if (up && !connected) void load();
      connected = up;
      onConnection?.(up);
      redraw();
    },
  });
  await load();
}

/** The banner a page shows while the gateway is out of reach, saying what still works. */
export function offlineBanner(connected) {
  if (connected) return nothing;
  return html`<p class="banner" role="status">${t('offline')}${offlineCapable ? nothing : html`<br /><small>${t('offline.nosw')}</small>`}</p>`;
}
