// @ts-check
// Quiet times as the window words them: a customer's "Muted until 14:00" / "Maintenance until
// Tue 3 Dec 06:00" badge (Customer.quiet, dropped once its end has passed), and the small mute
// menu ("Mute for 1 h / 4 h / 8 h / until I unmute", "Unmute") that the row, the detail dialog
// and the bulk bar open. Owns the menu element and these texts; must never call the core: the
// caller gets the choice and acts on it.
import { el } from '../lib/dom.js';
import { formatWhen, toDate } from '../lib/format.js';

/** @import { Customer, QuietNow } from '../types' */

/**
 * The quiet state in force now: null when there is none or it has ended.
 * @param {Customer | null | undefined} c
 * @param {number} [now]
 * @returns {QuietNow | null}
 */
export function quietNow(c, now = Date.now()) {
  const q = c && c.quiet;
  if (!q) return null;
  const until = toDate(q.until);
  if (until && until.getTime() <= now) return null;
  return q;
}

/**
 * "Muted until 14:00", "Muted until I unmute", "Maintenance until Tue 3 Dec 06:00".
 * @param {QuietNow} q
 */
export function quietText(q) {
  const what = q.kind === 'maintenance' ? 'Maintenance' : 'Muted';
  if (!q.until) return q.kind === 'muted' ? 'Muted until I unmute' : 'Maintenance';
  return `${what} until ${formatWhen(q.until)}`;
}

/**
 * The tooltip of the badge.
 * @param {QuietNow} q
 */
export function quietTitle(q) {
  const base = q.kind === 'maintenance'
    ? 'In a maintenance window: checks go on, but no notification or alert is sent.'
    : 'Muted: checks go on, but no notification or alert is sent.';
  return q.note ? `${base} ${q.note}` : base;
}

/** What a person chose: hours (null: until unmuted), or unmute. @typedef {{ hours: number | null } | { unmute: true }} MuteChoice */

/** The menu's entries. */
const CHOICES = /** @type {const} */ ([
  ['1', 'Mute for 1 h'],
  ['4', 'Mute for 4 h'],
  ['8', 'Mute for 8 h'],
  ['forever', 'Mute until I unmute'],
]);

/**
 * One pop-up menu for every mute button: opens under its button, closes on a choice, Escape,
 * a click elsewhere or scrolling.
 */
export class MuteMenu {
  constructor() {
    this.menu = el('div', { id: 'mute-menu', class: 'popup-menu', role: 'menu', hidden: true });
    for (const [value, label] of CHOICES) {
      this.menu.append(el('button', { type: 'button', class: 'popup-item', role: 'menuitem', 'data-mute': value, text: label }));
    }
    this.unmuteBtn = el('button', { type: 'button', class: 'popup-item popup-item-sep', role: 'menuitem', 'data-mute': 'unmute', text: 'Unmute' });
    this.menu.append(this.unmuteBtn);
    document.body.append(this.menu);
    /** @type {((choice: MuteChoice) => void) | null} */
    this.pick = null;
    /** @type {HTMLElement | null} */
    this.opener = null;
    this.menu.addEventListener('click', (e) => {
      const btn = /** @type {Element} */ (e.target).closest('button[data-mute]');
      if (!(btn instanceof HTMLButtonElement)) return;
      const value = btn.dataset.mute;
      const pick = this.pick;
      this.close(true);
      if (!pick) return;
      if (value === 'unmute') pick({ unmute: true });
      else pick({ hours: value === 'forever' ? null : Number(value) });
    });
    this.menu.addEventListener('keydown', (e) => this.#key(e));
    document.addEventListener('mousedown', (e) => {
      if (!this.menu.hidden && !this.menu.contains(/** @type {Node} */ (e.target)) && e.target !== this.opener) this.close(false);
    }, true);
    window.addEventListener('resize', () => this.close(false));
    document.addEventListener('scroll', () => this.close(false), true);
  }

  /**
   * Opens under `opener` (a second click on it closes).
   * @param {HTMLElement} opener
   * @param {{ canUnmute: boolean, pick: (choice: MuteChoice) => void }} options
   */
  open(opener, { canUnmute, pick }) {
    if (!this.menu.hidden && this.opener === opener) {
      this.close(true);
      return;
    }
    this.opener = opener;
    this.pick = pick;
    this.unmuteBtn.hidden = !canUnmute;
    this.menu.hidden = false;
    // Inside an open modal dialog the menu must be in the top layer too.
    const dialog = opener.closest('dialog[open]');
    (dialog ?? document.body).append(this.menu);
    const r = opener.getBoundingClientRect();
    const w = this.menu.offsetWidth;
    const h = this.menu.offsetHeight;
    const left = Math.max(8, Math.min(r.right - w, window.innerWidth - w - 8));
    const below = r.bottom + 4 + h <= window.innerHeight - 8;
    this.menu.style.left = `${left}px`;
    this.menu.style.top = `${below ? r.bottom + 4 : Math.max(8, r.top - h - 4)}px`;
    opener.setAttribute('aria-expanded', 'true');
    const first = this.menu.querySelector('button');
    if (first) first.focus();
  }

  /** @param {boolean} refocus  give focus back to the button that opened it */
  close(refocus) {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.pick = null;
    const opener = this.opener;
    this.opener = null;
    if (opener) {
      opener.setAttribute('aria-expanded', 'false');
      if (refocus && document.contains(opener)) opener.focus();
    }
  }

  /** @param {KeyboardEvent} e */
  #key(e) {
    const items = Array.from(this.menu.querySelectorAll('button')).filter((b) => !b.hidden);
    const at = items.indexOf(/** @type {HTMLButtonElement} */ (document.activeElement));
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      this.close(true);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = (at + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
      items[next].focus();
    } else if (e.key === 'Tab') {
      this.close(false);
    }
  }
}
