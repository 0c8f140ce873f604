// Lists that keep their place: a render that keeps the person's scroll and typing, a stable order, the arrived-below pill.
import { html, nothing, render } from './view.js';
import { t } from './words.js';

/**
 * Renders without moving what the person is looking at: the focused element (a reason being
 * typed) stays where it was on screen when cards are added or removed above it.
 */
export function renderKeepingPlace(template, container) {
  const focused = container.contains(document.activeElement) && document.activeElement !== document.body ? document.activeElement : null;
  const before = focused?.getBoundingClientRect().top;
  render(template, container);
  if (focused !== null && focused.isConnected && before !== undefined) {
    const moved = focused.getBoundingClientRect().top - before;
    if (moved !== 0) window.scrollBy(0, moved);
  }
}

/**
 * The order of a live list that does not move what a person is working on. While they hold it (a
 * box is open, a first tap is armed, or a field in the list has focus) the cards keep their order
 * and new ones join at the end, counted in `arrived` so the page can point to them; once they let
 * go the list is sorted again (emergencies first).
 */
export class StableOrder {
  #ids = [];
  /** Ids that joined below while the list was held. */
  arrived = new Set();

  order(items, compare, holding) {
    if (!holding) {
      const sorted = [...items].sort(compare);
      this.#ids = sorted.map((x) => x.id);
      this.arrived.clear();
      return sorted;
    }
    const byId = new Map(items.map((x) => [x.id, x]));
    const known = new Set(this.#ids);
    const kept = this.#ids.filter((id) => byId.has(id)).map((id) => byId.get(id));
    const fresh = items.filter((x) => !known.has(x.id)).sort(compare);
    for (const x of fresh) this.arrived.add(x.id);
    for (const id of this.arrived) if (!byId.has(id)) this.arrived.delete(id);
    this.#ids = [...kept, ...fresh].map((x) => x.id);
    return [...kept, ...fresh];
  }
}

/** Whether the person is typing in (or choosing from) a field inside `container`. */
export function typingIn(container) {
  const el = document.activeElement;
  return el !== null && container.contains(el) && el.matches('input, textarea, select');
}

/** A pill at the foot of the screen (it moves nothing) pointing to tickets that arrived below. */
export function arrivedBelow(order, container) {
  if (order.arrived.size === 0) return nothing;
  const go = () => container.querySelector(`[data-id="${CSS.escape([...order.arrived][0])}"]`)?.scrollIntoView({ behavior: 'smooth', block: 'center' });
  return html`<button type="button" class="arrived-below" @click=${go}>${t('new.below', { n: order.arrived.size })}</button>`;
}

/**
 * `fn` at most once an animation frame however often it is asked for: what the live stream sends
 * (a storm of ticket changes, the devices every second) redraws the page once a frame, not once an
 * event. A page that is not shown draws when it is shown again.
 */
export function oncePerFrame(fn) {
  let asked = false;
  return () => {
    if (asked) return;
    asked = true;
    requestAnimationFrame(() => {
      asked = false;
      fn();
    });
  };
}
