// @ts-check
// Windowed rendering of a long table: only the rows in view (and a few above and below) are in
// the DOM, between two spacer rows that give the scroller its full height, so 10,000 rows cost
// what 30 do. Rows are recycled as they leave the window and filled again for the keys that
// come in. Every row has the same height (measured from the first one rendered). Owns the
// tbody's children and the scroll listener; must never know what a row shows: `create` and
// `fill` do.
import { frameCoalescer } from './coalesce.js';

/**
 * @typedef {{
 *   scroller: HTMLElement,
 *   tbody: HTMLTableSectionElement,
 *   columns: number,
 *   rowHeight: number,
 *   overscan?: number,
 *   create: () => HTMLTableRowElement,
 *   fill: (tr: HTMLTableRowElement, key: string, index: number) => void,
 *   rendered?: () => void,
 * }} WindowedOptions
 *   scroller: the element that scrolls (holding the table, whose thead may be sticky);
 *   create: a new empty row; fill: writes the row of `key` (at `index`) into `tr`;
 *   rendered: after every pass (a scroll, new keys), whether or not rows moved.
 */

export class WindowedRows {
  /** @param {WindowedOptions} options */
  constructor(options) {
    this.options = options;
    this.scroller = options.scroller;
    this.tbody = options.tbody;
    this.rowHeight = options.rowHeight;
    this.overscan = options.overscan ?? 6;
    /** @type {string[]} */
    this.keys = [];
    /** key -> position, built when first asked. @type {Map<string, number> | null} */
    this.positions = null;
    /** The rows in the DOM now, by key. @type {Map<string, HTMLTableRowElement>} */
    this.rows = new Map();
    /** Rows out of the window, ready to be filled again. @type {HTMLTableRowElement[]} */
    this.pool = [];
    this.first = 0;
    this.last = 0;
    this.measured = false;
    this.top = spacer(options.columns);
    this.bottom = spacer(options.columns);
    this.tbody.replaceChildren(this.top, this.bottom);
    this.schedule = frameCoalescer(() => this.render());
    this.scroller.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(this.scroller);
  }

  /**
   * Shows `keys` in this order. Rows already shown for a key are filled again (their data may
   * have changed); the scroll position stays unless `toTop`.
   * @param {string[]} keys
   * @param {{ toTop?: boolean }} [options]
   */
  setKeys(keys, { toTop = false } = {}) {
    this.keys = keys;
    this.positions = null;
    if (toTop) this.scroller.scrollTop = 0;
    this.render(true);
  }

  /** Where `key` is in the list; -1 when it is not. @param {string} key */
  indexOf(key) {
    if (!this.positions) {
      this.positions = new Map();
      for (let i = 0; i < this.keys.length; i++) this.positions.set(this.keys[i], i);
    }
    return this.positions.get(key) ?? -1;
  }

  /** The row shown for `key`, if it is in the DOM now. @param {string} key */
  rowFor(key) {
    return this.rows.get(key) || null;
  }

  /** Fills every row in the DOM again (their data changed). */
  refresh() {
    for (const [key, tr] of this.rows) this.options.fill(tr, key, this.indexOf(key));
  }

  /** The part of the body the scroller shows, in body pixels (below a sticky head). */
  #view() {
    const head = this.tbody.previousElementSibling;
    const headHeight = head instanceof HTMLElement ? head.offsetHeight : 0;
    const top = Math.max(0, this.scroller.scrollTop);
    return { top, bottom: top + Math.max(0, this.scroller.clientHeight - headHeight), headHeight };
  }

  /** The keys whose rows are (at least partly) in view now, without the overscan. */
  visibleKeys() {
    const { top, bottom } = this.#view();
    const h = this.rowHeight;
    const from = Math.max(0, Math.floor(top / h));
    const to = Math.min(this.keys.length, Math.ceil(bottom / h));
    return this.keys.slice(from, Math.max(from, to));
  }

  /**
   * Scrolls just enough for the row at `index` to be wholly in view.
   * @param {number} index
   */
  scrollToIndex(index) {
    if (index < 0 || index >= this.keys.length) return;
    const { top, bottom } = this.#view();
    const h = this.rowHeight;
    const rowTop = index * h, rowBottom = rowTop + h;
    if (rowTop < top) this.scroller.scrollTop = rowTop;
    else if (rowBottom > bottom) this.scroller.scrollTop += rowBottom - bottom;
    this.render();
  }

  /**
   * Puts the rows of the window into the DOM (recycling those that left it).
   * @param {boolean} [refill]  fill rows that stay as well (their data changed)
   */
  render(refill = false) {
    const n = this.keys.length;
    const h = this.rowHeight;
    const { top, bottom } = this.#view();
    const first = Math.max(0, Math.min(n, Math.floor(top / h) - this.overscan));
    const last = Math.max(first, Math.min(n, Math.ceil(bottom / h) + this.overscan));
    const changed = refill || first !== this.first || last !== this.last;
    this.first = first;
    this.last = last;
    if (!changed) {
      if (this.options.rendered) this.options.rendered();
      return;
    }
    /** @type {Map<string, HTMLTableRowElement>} */
    const next = new Map();
    for (let i = first; i < last; i++) {
      const key = this.keys[i];
      const tr = this.rows.get(key);
      if (tr) {
        this.rows.delete(key);
        next.set(key, tr);
        if (refill) this.options.fill(tr, key, i);
        stripe(tr, i);
      }
    }
    // What left the window goes back to the pool (focus inside it moves to the scroller).
    const active = document.activeElement;
    for (const tr of this.rows.values()) {
      if (active && tr.contains(active)) this.scroller.focus({ preventScroll: true });
      tr.remove();
      this.pool.push(tr);
    }
    /** @type {HTMLTableRowElement[]} */
    const ordered = [];
    for (let i = first; i < last; i++) {
      const key = this.keys[i];
      let tr = next.get(key);
      if (!tr) {
        tr = this.pool.pop() || this.options.create();
        this.options.fill(tr, key, i);
        stripe(tr, i);
        next.set(key, tr);
      }
      ordered.push(tr);
    }
    this.rows = next;
    // Few moves: rows that stay keep their place, new ones go in around them.
    let ref = this.top.nextSibling;
    for (const tr of ordered) {
      if (tr === ref) ref = ref.nextSibling;
      else this.tbody.insertBefore(tr, ref);
    }
    setHeight(this.top, first * h);
    setHeight(this.bottom, (n - last) * h);
    if (!this.measured && ordered.length) this.#measure(ordered[0]);
    if (this.options.rendered) this.options.rendered();
  }

  /** The rows' real height (fonts, zoom), once. @param {HTMLTableRowElement} tr */
  #measure(tr) {
    const real = tr.getBoundingClientRect().height;
    if (!(real > 0)) return;
    this.measured = true;
    if (Math.abs(real - this.rowHeight) > 0.5) {
      this.rowHeight = real;
      this.render(true);
    }
  }
}

/** @param {number} columns */
function spacer(columns) {
  const tr = document.createElement('tr');
  tr.className = 'spacer-row';
  tr.setAttribute('aria-hidden', 'true');
  const td = document.createElement('td');
  td.colSpan = columns;
  tr.append(td);
  setHeight(tr, 0);
  return tr;
}

/**
 * @param {HTMLTableRowElement} tr
 * @param {number} px
 */
function setHeight(tr, px) {
  tr.hidden = px <= 0;
  /** @type {HTMLElement} */ (tr.firstChild).style.height = `${px}px`;
}

/**
 * Odd rows are shaded by class: nth-child would count the spacer and the recycled order.
 * @param {HTMLTableRowElement} tr
 * @param {number} index
 */
function stripe(tr, index) {
  tr.classList.toggle('is-odd', index % 2 === 1);
}
