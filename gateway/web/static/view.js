// The view layer of the pages: lit-html (served from the gateway's own node_modules, no CDN). Its
// templates update only what changed and `repeat` keeps each ticket's card by id, so what a person
// is typing, an open box, focus and scroll survive live updates.
export { html, nothing, render, svg } from '/vendor/lit-html/lit-html.js';
export { repeat } from '/vendor/lit-html/directives/repeat.js';
export { live } from '/vendor/lit-html/directives/live.js';
export { ref, createRef } from '/vendor/lit-html/directives/ref.js';
