// Photos from the phone's camera, scaled down in the browser before they are kept or sent.
import { t } from './words.js';
import { html, nothing } from './view.js';

/** @typedef {import('../../api/ticket-view.js').TicketView} TicketView */

/** Longest side after scaling: enough to see a crack or a wet ceiling, small enough for a site's Wi-Fi. */
const MAX_SIDE = 1600;
const QUALITY = 0.8;
export const MAX_PHOTOS = 6;

/** A picked image as a JPEG data URL no larger than MAX_SIDE on its longest side. */
export async function scaledPhoto(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close?.();
  return canvas.toDataURL('image/jpeg', QUALITY);
}

/**
 * A photo picker for a form: the camera on a phone (`capture`), thumbnails of what was taken, a
 * remove button on each. `photos` is the form's array of `{ dataUrl }`; `changed()` redraws.
 */
export function photoPicker(photos, changed, { required = false } = {}) {
  const pick = async (e) => {
    const files = [...(e.target.files ?? [])].slice(0, MAX_PHOTOS - photos.length);
    e.target.value = '';
    for (const f of files) photos.push({ dataUrl: await scaledPhoto(f) });
    changed();
  };
  return html`<div class="photos">
    <label class="take-photo ${photos.length >= MAX_PHOTOS ? 'full' : ''}">${t('report.take')}
      <input type="file" accept="image/*" capture="environment" multiple ?disabled=${photos.length >= MAX_PHOTOS} @change=${pick} ?required=${required && photos.length === 0} />
    </label>
    ${photos.length === 0 ? nothing : html`<ul class="thumbs">${photos.map(
      (p, i) => html`<li><img src=${p.dataUrl} alt="" /><button type="button" class="link" aria-label="remove" @click=${() => {
        photos.splice(i, 1);
        changed();
      }}>✕</button></li>`,
    )}</ul>`}
  </div>`;
}

/**
 * The photos of a ticket, from the gateway, each opening full size.
 * @param {TicketView} ticket
 */
export function photoStrip(ticket) {
  if (!ticket.attachments || ticket.attachments.length === 0) return nothing;
  return html`<ul class="thumbs gallery">${ticket.attachments.map(
    (a) => html`<li><a href="/api/attachments/${a.id}" target="_blank" rel="noopener"><img src="/api/attachments/${a.id}" alt=${a.purpose} loading="lazy" /></a></li>`,
  )}</ul>`;
}
