// @ts-check
// Constant inline SVG markup for lib/dom.js's svg(). Trusted because constant: must never hold
// or be built from user data.

// One server icon holding both arrows; CSS shows the one matching
// .health-icon[data-state], so a health change only touches attributes.
export const SERVER_HEALTH = `
<svg class="server-svg" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
  <rect class="srv-body" x="2.5" y="3" width="13" height="7" rx="1.6"/>
  <rect class="srv-body" x="2.5" y="12" width="13" height="7" rx="1.6"/>
  <circle class="srv-led" cx="5.6" cy="6.5" r="1"/>
  <circle class="srv-led" cx="5.6" cy="15.5" r="1"/>
  <path class="srv-line" d="M8.5 6.5h4.5M8.5 15.5h4.5"/>
  <g class="arrow arrow-up"><path d="M19 22v-8.2"/><path d="M15.9 16.7 19 13.5l3.1 3.2"/></g>
  <g class="arrow arrow-down"><path d="M19 13.5v8.2"/><path d="M15.9 18.8 19 22l3.1-3.2"/></g>
  <g class="arrow arrow-unknown"><circle cx="19" cy="18" r="3.6"/><path d="M19 16.3v2"/><path d="M19 19.9v.1"/></g>
</svg>`;

export const PENCIL = `
<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false" class="icon">
  <path d="M4 20h4L19.3 8.7a2 2 0 0 0 0-2.8l-1.2-1.2a2 2 0 0 0-2.8 0L4 16v4z"/>
  <path d="M13.5 6.5l4 4"/>
</svg>`;

// "Open console": a window with a pointer.
export const CONSOLE = `
<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false" class="icon">
  <rect x="3" y="4" width="18" height="14" rx="1.8"/><path d="M3 8h18"/><path d="M9 20.5h6"/><path d="M10 12.5l2.5 2-2.5 2"/>
</svg>`;

export const TRASH = `
<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false" class="icon">
  <path d="M4 7h16"/><path d="M9.5 7V4.5h5V7"/>
  <path d="M6 7l1 13h10l1-13"/><path d="M10 11v5.5M14 11v5.5"/>
</svg>`;

export const LICENSE = `
<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false" class="icon">
  <circle cx="8" cy="14" r="4.2"/><path d="M11 11l9-9"/><path d="M17 5l2.5 2.5"/><path d="M14.5 7.5 16.5 9.5"/>
</svg>`;

// Usage at or above the alert threshold (License Management).
export const WARN = `
<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false" class="icon icon-warn">
  <path class="warn-body" d="M12 3.2 22 20.5H2z"/><path class="warn-mark" d="M12 9.5v5"/><path class="warn-mark" d="M12 17.4v.1"/>
</svg>`;

// A tag (Edit tags on a row).
export const TAG = `
<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false" class="icon">
  <path d="M3.5 12.2V4.5a1 1 0 0 1 1-1h7.7l8.3 8.3a1.4 1.4 0 0 1 0 2l-6.2 6.2a1.4 1.4 0 0 1-2 0z"/>
  <circle cx="8.2" cy="8.2" r="1.5"/>
</svg>`;

// The search box's magnifier.
export const SEARCH = `
<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false" class="icon">
  <circle cx="10.5" cy="10.5" r="6.5"/><path d="M15.5 15.5 21 21"/>
</svg>`;

// A bell with a slash: the row's mute menu.
export const BELL_OFF = `
<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false" class="icon">
  <path d="M6 16V11a6 6 0 0 1 9.3-5"/><path d="M18 10.5V16l1.5 2H8"/>
  <path d="M10 21h4"/><path d="M4 4l16 16"/>
</svg>`;
