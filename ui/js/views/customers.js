// @ts-check
// Settings › Customer Management: the search box, the quick filters with their live counts (and
// one per tag), the summary, the sortable column headers (the sort kept per technician), and the
// customer table (#customer-table), windowed so thousands of customers cost what a screenful
// does. The list of customers lives in the store (list_customers, keyed by id); which of them
// the table shows, in what order, is query_customers's answer. Live health and sync news patch
// the rows in view; a filter or sort that depends on them asks the core again, debounced. Rows
// are ticked into the shared Selection (a checkbox each, the header box for the rows in view,
// "Select all N matching" across the filter) for the bulk bar. Keyboard: `/` focuses the
// search, ArrowUp/ArrowDown move through the rows, Enter opens the detail, Space ticks. Also
// Check health (all), Export (the current filter) and the row buttons that open the dialogs
// (main.js hands those in). Must never open another view's dialog itself.
import { invoke } from '../api.js';
import { byId, el } from '../lib/dom.js';
import { whileBusy } from '../lib/busy.js';
import { afterNextFrame, frameCoalescer } from '../lib/coalesce.js';
import { routeError, toastError } from '../lib/errors.js';
import { formatCount } from '../lib/format.js';
import { LatestReply } from '../lib/latest.js';
import { showToast } from '../lib/toast.js';
import { WindowedRows } from '../lib/windowed.js';
import { normState } from '../components/health.js';
import { syncCustomer } from '../components/sync.js';
import { ROW_CELLS, emptyRow, fillRow, setRowHealth, setRowQuiet, setRowSelected, setRowSync, setRowTags, setRowTrust, setRowsOffline } from '../components/customer-row.js';
import { refreshTrust } from '../components/trust-refresh.js';
import { tagChip } from '../components/tags.js';

/** @import { Store } from '../store.js' */
/** @import { Selection } from '../lib/selection.js' */
/** @import { Customer, CustomerQuery, QueryAnswer, QuickFilter, Sort, SortKey } from '../types' */
/** @typedef {(customer: Customer, opener: HTMLElement) => void} RowAction */
/**
 * @typedef {{
 *   openAdd: (opener: HTMLElement) => void,
 *   openEdit: RowAction, openDelete: RowAction, openDetail: RowAction, openLicense: RowAction,
 *   openReview: RowAction, openTags: RowAction, openConsole: RowAction, openMute: RowAction,
 * }} CustomerActions
 */

const CHECK_BUSY = { busy: 'Checking…', idle: 'Check health' };
const EXPORT_BUSY = { busy: 'Exporting…', idle: 'Export' };
/** A row's height before the first one is measured (CSS: 46 px cells and a 1 px border). */
const ROW_HEIGHT = 47;
/** Typing: ask at once (keys typed in the same task share one query). The core answers a
 * query at 10,000 customers in milliseconds and the newest answer wins (LatestReply), so a
 * pause here would only add to the time from a key to the table showing its result. */
const TYPING_MS = 0;
/** Rows whose customers the first answer carries (a tall screen and the overscan), so the
 * first screen is drawn before list_customers (megabytes at 10,000) has arrived. */
const HEAD_ROWS = 60;
/** A customer added, edited or removed here: ask again soon. */
const CHANGED_MS = 80;
/** Health or sync news that a filter, count or sort depends on: at most this often. */
const LIVE_MS = 700;
/** customers-changed: the whole list again, at most this often (an import sends many). */
const RELOAD_EVERY_MS = 1500;

/** @type {Sort} */
const DEFAULT_SORT = { key: 'name', descending: false };
/** @type {SortKey[]} */
const SORT_KEYS = ['name', 'health', 'server', 'lastSync', 'status'];

/** Inputs whose keys are not text: `/` still means "search" there. */
const NOT_TEXT = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'range', 'color']);

/** Whether keys typed into `target` are text (a `/` belongs there, not to the page). @param {EventTarget | null} target */
function isTyping(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !NOT_TEXT.has(target.type);
}

export class CustomersView {
  /**
   * @param {Store} store
   * @param {Selection} selection
   * @param {CustomerActions} actions
   */
  constructor(store, selection, actions) {
    this.store = store;
    this.selection = selection;
    this.actions = actions;
    this.page = byId('customer-page');
    this.table = byId('customer-table', HTMLTableElement);
    /** Answers drawn so far (the table's data-answer). */
    this.answersShown = 0;
    this.tbody = byId('customer-tbody', HTMLTableSectionElement);
    this.scroller = byId('customer-scroll');
    this.search = byId('customer-search', HTMLInputElement);
    this.pageBox = byId('select-page', HTMLInputElement);
    this.matchingBtn = byId('select-matching', HTMLButtonElement);
    /** What the table is asked to show. @type {CustomerQuery} */
    this.query = { text: '', quick: 'all', tag: null, sort: { ...DEFAULT_SORT } };
    /** The last answer. @type {QueryAnswer | null} */
    this.answer = null;
    /** The ids shown, in order (the answer's, known to the store once it is loaded). @type {string[]} */
    this.ids = [];
    /** The first rows' customers from the answer, drawn until the store is loaded. @type {Map<string, Customer>} */
    this.head = new Map();
    /** The row the keyboard is on. @type {string | null} */
    this.cursorId = null;
    /** Where a shift-click range starts. */
    this.anchor = -1;
    this.queries = new LatestReply();
    this.lists = new LatestReply();
    /** @type {{ typing?: ReturnType<typeof setTimeout>, live?: ReturnType<typeof setTimeout>, reload?: ReturnType<typeof setTimeout> }} */
    this.timers = {};
    this.querying = false;
    this.queryAgain = false;
    this.lastLive = 0;
    this.reloading = false;
    this.reloadAgain = false;
    this.lastReload = 0;
    /** Customers removed since the last frame. @type {Set<string>} */
    this.removed = new Set();
    this.flushRemoved = frameCoalescer(() => {
      const gone = this.removed;
      this.removed = new Set();
      if (!gone.size) return;
      this.selection.set(gone, false);
      this.ids = this.ids.filter((x) => !gone.has(x));
      this.windowed.setKeys(this.ids);
      this.#renderEmpty();
      this.#renderSelectMatching();
      this.#soon();
    });
    this.windowed = new WindowedRows({
      scroller: this.scroller,
      tbody: this.tbody,
      columns: ROW_CELLS,
      rowHeight: ROW_HEIGHT,
      create: emptyRow,
      fill: (tr, id) => this.#fill(tr, id),
      rendered: () => this.#renderPageBox(),
    });
    this.#subscribe();
    this.#wire(actions);
    this.#renderSort();
    this.#renderEmpty();
  }

  // ---------------------------------------------------------------- loading

  /** Loads the list, the tags and this technician's sort, then what to show (entering the console). */
  async load() {
    const current = this.lists.begin();
    byId('customer-loading').hidden = false;
    try {
      // The first screen first: the answer brings its rows, sorted as this technician last
      // chose (it says which), and the tags come beside it. The whole list (megabytes at
      // 10,000, parsed on this thread) is asked for once they are on screen.
      const tagsLoaded = invoke('list_tags').then((tags) => {
        if (current()) this.store.setTags(tags);
      }, () => {});
      await this.#ask({ keptSort: true });
      if (!current()) return;
      await afterNextFrame();
      if (!current()) return;
      const list = await invoke('list_customers');
      await tagsLoaded;
      if (!current()) return;
      this.store.setCustomers(list);
      performance.mark('customers:list');
    } catch (err) {
      if (!current()) return;
      routeError(err, {
        other: (e) => {
          byId('customer-loading').hidden = true;
          showToast(`Could not load customers: ${e.message}`, 'error');
        },
      });
    }
  }

  /**
   * customers-changed: customers were added, edited, removed or tagged somewhere. The list,
   * the tags and the answer again, at most every RELOAD_EVERY_MS (an import sends many).
   */
  changed() {
    if (!this.store.session) return;
    if (this.reloading) {
      this.reloadAgain = true;
      return;
    }
    if (this.timers.reload) return;
    const wait = Math.max(0, this.lastReload + RELOAD_EVERY_MS - Date.now());
    this.timers.reload = setTimeout(() => {
      this.timers.reload = undefined;
      this.#reload();
    }, wait);
  }

  async #reload() {
    this.reloading = true;
    this.lastReload = Date.now();
    const current = this.lists.begin();
    try {
      const asked = this.#ask();
      const [list, tags] = await Promise.all([invoke('list_customers'), invoke('list_tags').catch(() => null)]);
      if (!current() || !this.store.session) return;
      if (tags) this.store.setTags(tags);
      this.store.setCustomers(list);
      await asked;
    } catch (err) {
      routeError(err, { other: (e) => console.warn('Could not reload the customers:', e.message) });
    } finally {
      this.reloading = false;
      if (this.reloadAgain) {
        this.reloadAgain = false;
        this.changed();
      }
    }
  }

  /** The tags again (after a tag was created, renamed, recoloured or deleted). */
  async reloadTags() {
    try {
      this.store.setTags(await invoke('list_tags'));
    } catch (err) {
      routeError(err, { other: (e) => console.warn('Could not load the tags:', e.message) });
    }
  }

  /** Forgets what was shown (lock, logout). */
  reset() {
    this.queries.invalidate();
    this.lists.invalidate();
    for (const t of Object.values(this.timers)) clearTimeout(t);
    this.timers = {};
    this.querying = this.queryAgain = this.reloading = this.reloadAgain = false;
    this.answer = null;
    this.ids = [];
    this.head.clear();
    this.cursorId = null;
    this.anchor = -1;
    this.query = { text: '', quick: 'all', tag: null, sort: { ...DEFAULT_SORT } };
    this.search.value = '';
    this.selection.clear();
    this.windowed.setKeys([], { toTop: true });
    this.#renderFilters();
    this.#renderSort();
    this.#renderEmpty();
  }

  // ---------------------------------------------------------------- asking the core

  /**
   * Asks query_customers for what to show now; one call at a time, the newest query wins.
   * @param {{ toTop?: boolean, keptSort?: boolean }} [options]  toTop: the filter changed,
   *   show its first rows; keptSort: sorted as this technician last chose (entering the page)
   */
  async #ask({ toTop = false, keptSort = false } = {}) {
    if (!this.store.session) return;
    if (this.querying && !toTop) {
      this.queryAgain = true;
      return;
    }
    const current = this.queries.begin();
    this.querying = true;
    const query = { ...this.query, sort: { ...this.query.sort } };
    // Until the list is here, the answer brings the customers of the first screen.
    const head = this.store.loaded ? 0 : HEAD_ROWS;
    try {
      const answer = await invoke('query_customers', { query, ...(head ? { head } : {}), ...(keptSort ? { keptSort } : {}) });
      if (!current()) return;
      this.answer = answer;
      if (keptSort) {
        const sort = answer.sort;
        this.query.sort = sort && SORT_KEYS.includes(sort.key) ? { key: sort.key, descending: sort.descending === true } : { ...DEFAULT_SORT };
        this.#renderSort();
      }
      if (!this.store.loaded) for (const c of answer.head ?? []) this.head.set(String(c.id), c);
      this.#show(toTop);
    } catch (err) {
      if (!current()) return;
      routeError(err, {
        validation: (e) => {
          // The tag filtered on is gone (deleted elsewhere): show everything again.
          if (e.fields.tag && this.query.tag !== null) {
            this.query.tag = null;
            this.#queryChanged();
            return;
          }
          showToast(Object.values(e.fields)[0] || e.message, 'error');
        },
        other: (e) => showToast(`Could not search the customers: ${e.message}`, 'error'),
      });
    } finally {
      if (current()) {
        this.querying = false;
        if (this.queryAgain) {
          this.queryAgain = false;
          this.#ask();
        }
      }
    }
  }

  /** Health or sync news a filter, count or sort depends on: ask again, at most every LIVE_MS. */
  #live() {
    if (this.timers.live || !this.store.session || !this.answer) return;
    const wait = Math.max(CHANGED_MS, this.lastLive + LIVE_MS - Date.now());
    this.timers.live = setTimeout(() => {
      this.timers.live = undefined;
      this.lastLive = Date.now();
      this.#ask();
    }, wait);
  }

  /** A customer was added, edited or removed by this window: ask again soon. */
  #soon() {
    clearTimeout(this.timers.live);
    this.timers.live = setTimeout(() => {
      this.timers.live = undefined;
      this.#ask();
    }, CHANGED_MS);
  }

  /** The query changed (typing, a filter, the sort): ask at once, from the top. */
  #queryChanged() {
    clearTimeout(this.timers.typing);
    this.timers.typing = undefined;
    this.cursorId = null;
    this.anchor = -1;
    this.#renderFilters();
    this.#renderSort();
    this.#ask({ toTop: true });
  }

  /** The answer (and the store) as the table, the filters and the summary. @param {boolean} toTop */
  #show(toTop) {
    const a = this.answer;
    if (!a) return;
    // Before the list is loaded every row is shown: those beyond the head wait, drawn pending.
    const known = this.store.loaded ? a.ids.filter((id) => this.store.customers.has(id)) : a.ids;
    // Customers the list does not have yet (added meanwhile): the list again.
    if (known.length < a.ids.length) this.changed();
    this.ids = known;
    this.windowed.setKeys(known, { toTop });
    this.#renderFilters();
    this.#renderEmpty();
    this.#renderSelectMatching();
    // Which answer the table shows: tests and the window benchmark wait for it to move
    // (an answer that changes nothing on screen still counts as shown).
    this.table.dataset.answer = String(++this.answersShown);
    performance.mark('customers:answer');
  }

  // ---------------------------------------------------------------- store and events

  #subscribe() {
    const { store } = this;
    store.on('customers-reset', () => {
      this.head.clear();
      this.selection.prune((id) => store.customers.has(id));
      if (this.answer) this.#show(false);
      else this.#renderEmpty();
    });
    store.on('customer-upserted', ({ customer }) => {
      const tr = this.windowed.rowFor(String(customer.id));
      if (tr) {
        this.#fill(tr, String(customer.id));
        tr.classList.remove('row-flash');
        void tr.offsetWidth; // restart the highlight animation
        tr.classList.add('row-flash');
      }
      this.#soon();
    });
    // A bulk delete removes many at once: one pass per frame for all of them.
    store.on('customer-removed', ({ id }) => {
      this.removed.add(id);
      this.flushRemoved();
    });
    // Once per customer of a coalesced batch: rows in view only.
    store.on('health-changed', ({ id, health, moved }) => {
      const tr = this.windowed.rowFor(id);
      if (tr) setRowHealth(tr, health, store.sinceFor(id, normState(health)));
      const c = tr && store.offlineSince ? store.getCustomer(id) : null;
      if (tr && c) setRowQuiet(tr, c);
      if (moved) this.#live();
    });
    store.on('since-changed', ({ id }) => {
      const tr = this.windowed.rowFor(id);
      const c = store.getCustomer(id);
      if (tr && c) setRowHealth(tr, c.health, store.sinceFor(id, normState(c.health)));
    });
    store.on('sync-changed', ({ id, customer }) => {
      const tr = this.windowed.rowFor(id);
      if (tr) setRowSync(tr, customer);
      this.#live();
    });
    store.on('sync-batch', ({ ids }) => {
      for (const id of ids) {
        const tr = this.windowed.rowFor(id);
        const c = tr && store.getCustomer(id);
        if (tr && c) setRowSync(tr, c);
      }
      this.#live();
    });
    // Offline: every row in view says "not checked since …"; online again: they stop.
    store.on('connectivity-changed', ({ offlineSince }) => {
      setRowsOffline(offlineSince);
      this.#refreshQuiet();
    });
    store.on('trust-changed', ({ id, customer }) => {
      const tr = this.windowed.rowFor(id);
      if (tr) setRowTrust(tr, customer);
      this.#live();
    });
    store.on('tags-changed', () => {
      const lookup = this.#tagLookup();
      for (const [id, tr] of this.windowed.rows) {
        const c = store.getCustomer(id);
        if (c) setRowTags(tr, c, lookup);
      }
      if (this.query.tag !== null && !store.getTag(this.query.tag) && store.session) {
        this.query.tag = null;
        this.#queryChanged();
      } else {
        this.#renderFilters();
      }
    });
    this.selection.onChange(() => {
      for (const [id, tr] of this.windowed.rows) setRowSelected(tr, this.selection.has(id));
      this.#renderPageBox();
      this.#renderSelectMatching();
    });
  }

  /** The quiet badges and offline notes of the rows in view (a mute may have run out). */
  #refreshQuiet() {
    for (const [id, tr] of this.windowed.rows) {
      const c = this.store.getCustomer(id);
      if (c) setRowQuiet(tr, c);
    }
  }

  /** Once a minute: badges whose mute or window ended go. */
  tick() {
    if (this.store.session) this.#refreshQuiet();
  }

  #tagLookup() {
    return (/** @type {number} */ id) => this.store.getTag(id);
  }

  /** Customer `id` as the store has it, or as the first answer brought it (list loading). @param {string} id */
  #customer(id) {
    return this.store.getCustomer(id) ?? this.head.get(id) ?? null;
  }

  /**
   * Writes customer `id` into a (new or recycled) row.
   * @param {HTMLTableRowElement} tr
   * @param {string} id
   */
  #fill(tr, id) {
    const c = this.#customer(id);
    // Not here yet (the list is loading): a blank row of the right height, never a recycled
    // row still showing another customer.
    tr.classList.toggle('is-pending', !c);
    if (!c) {
      tr.dataset.customerId = id;
      return;
    }
    fillRow(tr, c, this.store.sinceFor(id, normState(c.health)), this.#tagLookup());
    setRowSelected(tr, this.selection.has(id));
    tr.classList.toggle('is-cursor', id === this.cursorId);
    tr.classList.remove('row-flash');
  }

  // ---------------------------------------------------------------- controls

  /** @param {CustomerActions} actions */
  #wire(actions) {
    this.tbody.addEventListener('click', (e) => this.#rowClick(e));
    this.tbody.addEventListener('keydown', (e) => this.#rowKey(e));
    this.search.addEventListener('input', () => {
      clearTimeout(this.timers.typing);
      this.timers.typing = setTimeout(() => {
        this.timers.typing = undefined;
        const text = this.search.value.trim();
        if (text === this.query.text) return;
        this.query.text = text;
        this.#queryChanged();
      }, TYPING_MS);
    });
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.search.value) {
        e.preventDefault();
        e.stopPropagation();
        this.search.value = '';
        this.query.text = '';
        this.#queryChanged();
      } else if (e.key === 'ArrowDown' && this.ids.length) {
        e.preventDefault();
        this.#moveCursor(0, true);
      } else if (e.key === 'Enter') {
        e.preventDefault();
        clearTimeout(this.timers.typing);
        this.timers.typing = undefined;
        this.query.text = this.search.value.trim();
        this.#queryChanged();
      }
    });
    byId('quick-filters').addEventListener('click', (e) => {
      const btn = /** @type {Element} */ (e.target).closest('button');
      if (!(btn instanceof HTMLButtonElement)) return;
      if (btn.dataset.quick) {
        const quick = /** @type {QuickFilter} */ (btn.dataset.quick);
        if (quick === this.query.quick && quick !== 'all') this.query.quick = 'all';
        else this.query.quick = quick;
        if (quick === 'all') this.query.tag = null;
      } else if (btn.dataset.tag) {
        const tag = Number(btn.dataset.tag);
        this.query.tag = this.query.tag === tag ? null : tag;
      } else {
        return;
      }
      this.#queryChanged();
    });
    this.table.tHead?.addEventListener('click', (e) => {
      const btn = /** @type {Element} */ (e.target).closest('button[data-sort]');
      if (btn instanceof HTMLButtonElement) this.#sortBy(/** @type {SortKey} */ (btn.dataset.sort));
    });
    this.pageBox.addEventListener('change', () => {
      const visible = this.windowed.visibleKeys();
      const all = visible.length > 0 && visible.every((id) => this.selection.has(id));
      this.selection.set(visible, !all);
    });
    this.matchingBtn.addEventListener('click', () => this.selection.set(this.ids, true));
    byId('customer-clear-filters').addEventListener('click', () => this.#clearFilters());
    byId('add-customer-link').addEventListener('click', (e) => actions.openAdd(/** @type {HTMLElement} */ (e.currentTarget)));
    const checkBtn = byId('check-health-button', HTMLButtonElement);
    checkBtn.addEventListener('click', () => this.#checkHealth(checkBtn));
    const exportBtn = byId('export-customers', HTMLButtonElement);
    exportBtn.addEventListener('click', () => this.#export(exportBtn));
    byId('export-result-close').addEventListener('click', () => { byId('export-result').hidden = true; });
    document.addEventListener('keydown', (e) => this.#globalKey(e));
  }

  /** @param {SortKey} key */
  #sortBy(key) {
    if (!SORT_KEYS.includes(key)) return;
    const s = this.query.sort;
    this.query.sort = s.key === key ? { key, descending: !s.descending } : { key, descending: false };
    this.#queryChanged();
    invoke('set_customer_sort', { sort: this.query.sort }).catch((err) => {
      routeError(err, { other: (e) => console.warn('Could not keep the sort:', e.message) });
    });
  }

  #clearFilters() {
    this.search.value = '';
    this.query.text = '';
    this.query.quick = 'all';
    this.query.tag = null;
    this.#queryChanged();
    this.search.focus();
  }

  /** What Export and the bulk bar act on: the current query and the ids it found. */
  currentQuery() {
    return { ...this.query, sort: { ...this.query.sort } };
  }

  // ---------------------------------------------------------------- rendering the controls

  #renderFilters() {
    const a = this.answer;
    for (const btn of byId('quick-filters').querySelectorAll('button[data-quick]')) {
      if (!(btn instanceof HTMLButtonElement)) continue;
      const quick = /** @type {QuickFilter} */ (btn.dataset.quick);
      const on = quick === this.query.quick && (quick !== 'all' || this.query.tag === null);
      btn.setAttribute('aria-pressed', on ? 'true' : 'false');
      const n = a ? Number(a.counts[/** @type {keyof QueryAnswer['counts']} */ (quick)] ?? 0) : null;
      const count = /** @type {HTMLElement} */ (btn.querySelector('.quick-count'));
      count.textContent = n === null ? '' : formatCount(n);
      btn.dataset.empty = n === 0 ? 'true' : 'false';
    }
    const tags = this.store.tagList();
    const box = byId('tag-filters');
    byId('tag-filters-label').hidden = tags.length === 0;
    // The same tags as drawn: counts and pressed state only (a button under the pointer stays).
    const drawn = JSON.stringify(tags.map((t) => [t.id, t.name, t.colour]));
    if (box.dataset.drawn !== drawn) {
      box.dataset.drawn = drawn;
      box.replaceChildren(...tags.map((t) => el('button', {
        type: 'button', class: 'quick-tag', 'data-tag': String(t.id), title: `Only customers tagged ${t.name}`,
      }, tagChip(t, { count: '' }))));
    }
    for (const btn of box.children) {
      if (!(btn instanceof HTMLElement)) continue;
      const id = Number(btn.dataset.tag);
      const n = a && a.tagCounts ? Number(a.tagCounts[String(id)] ?? 0) : null;
      btn.setAttribute('aria-pressed', this.query.tag === id ? 'true' : 'false');
      const count = btn.querySelector('.tag-chip-count');
      if (count) count.textContent = n === null ? '' : formatCount(n);
    }
    const summary = byId('customer-summary');
    summary.textContent = a ? a.summary : '';
  }

  #renderSort() {
    const s = this.query.sort;
    for (const th of this.table.querySelectorAll('th[data-sort-key]')) {
      if (!(th instanceof HTMLElement)) continue;
      const keys = (th.dataset.sortKey ?? '').split(' ');
      th.setAttribute('aria-sort', keys.includes(s.key) ? (s.descending ? 'descending' : 'ascending') : 'none');
    }
    for (const btn of this.table.querySelectorAll('button[data-sort]')) {
      if (!(btn instanceof HTMLElement)) continue;
      const on = btn.dataset.sort === s.key;
      btn.classList.toggle('is-sorted', on);
      const arrow = btn.querySelector('.sort-arrow');
      if (arrow instanceof HTMLElement) {
        if (on) arrow.dataset.dir = s.descending ? 'desc' : 'asc';
        else delete arrow.dataset.dir;
      }
    }
  }

  #renderEmpty() {
    const none = this.store.loaded && this.store.customers.size === 0;
    const noMatch = this.store.loaded && !none && !!this.answer && this.ids.length === 0;
    byId('customer-empty').hidden = !none;
    byId('customer-nomatch').hidden = !noMatch;
    this.table.classList.toggle('is-empty', none);
    byId('customer-loading').hidden = this.store.loaded || !this.store.session;
  }

  /** The header checkbox: ticked when every row in view is, mixed when some are. */
  #renderPageBox() {
    const visible = this.windowed.visibleKeys();
    const n = visible.filter((id) => this.selection.has(id)).length;
    this.pageBox.checked = n > 0 && n === visible.length;
    this.pageBox.indeterminate = n > 0 && n < visible.length;
    this.pageBox.disabled = visible.length === 0;
  }

  /**
   * "Select all N matching" while some are not; beside the count, whether all matching are
   * selected and how many selected ones this view does not show.
   */
  #renderSelectMatching() {
    const n = this.ids.length;
    let shown = 0;
    for (const id of this.ids) if (this.selection.has(id)) shown += 1;
    const all = n > 0 && shown === n;
    const outside = this.selection.size - shown;
    this.matchingBtn.hidden = n === 0 || all;
    this.matchingBtn.textContent = `Select all ${formatCount(n)} matching`;
    const notes = [];
    if (all) notes.push(n === 1 ? 'all matching' : `all ${formatCount(n)} matching`);
    if (outside > 0) notes.push(`${formatCount(outside)} not in this view`);
    byId('select-note').textContent = notes.length ? `(${notes.join('; ')})` : '';
  }

  // ---------------------------------------------------------------- rows and keys

  /** One delegated listener for every row action. @param {MouseEvent} e */
  #rowClick(e) {
    const target = /** @type {Element} */ (e.target);
    const tr = target.closest('tr.customer-row');
    if (!(tr instanceof HTMLTableRowElement)) return;
    const id = tr.dataset.customerId ?? '';
    if (target instanceof HTMLInputElement && target.classList.contains('row-check')) {
      this.#ticked(id, target.checked, e.shiftKey);
      return;
    }
    const btn = target.closest('button[data-action]');
    if (!(btn instanceof HTMLButtonElement)) {
      // A click on the row itself puts the keyboard there.
      if (!target.closest('a, button, input')) this.#setCursor(id, false);
      return;
    }
    const customer = this.#customer(id);
    if (!customer) return;
    this.#setCursor(id, false);
    const { actions } = this;
    switch (btn.dataset.action) {
      case 'edit': actions.openEdit(customer, btn); break;
      case 'delete': actions.openDelete(customer, btn); break;
      case 'license': actions.openLicense(customer, btn); break;
      case 'detail': actions.openDetail(customer, btn); break;
      case 'tags': actions.openTags(customer, btn); break;
      case 'console': actions.openConsole(customer, btn); break;
      case 'mute': actions.openMute(customer, btn); break;
      case 'badge':
        if (btn.dataset.kind === 'changed' && this.store.isAdmin) actions.openReview(customer, btn);
        else actions.openDetail(customer, btn);
        break;
      case 'sync':
        syncCustomer(this.store, customer.id).catch((err) => {
          toastError(err, `Sync of "${customer.name}" failed: `);
          // It may have failed on a certificate the core has just found changed.
          refreshTrust(this.store);
        });
        break;
      default: break;
    }
  }

  /**
   * A row's checkbox was clicked; with Shift, every row from the last one clicked follows it.
   * @param {string} id
   * @param {boolean} on
   * @param {boolean} range
   */
  #ticked(id, on, range) {
    const index = this.windowed.indexOf(id);
    if (range && this.anchor >= 0 && index >= 0) {
      const [from, to] = this.anchor < index ? [this.anchor, index] : [index, this.anchor];
      this.selection.set(this.ids.slice(from, to + 1), on);
    } else {
      this.selection.set([id], on);
    }
    this.anchor = index;
  }

  /**
   * Keys on a row: ArrowUp/ArrowDown move, Enter opens the detail, Space ticks.
   * @param {KeyboardEvent} e
   */
  #rowKey(e) {
    const tr = /** @type {Element} */ (e.target).closest('tr.customer-row');
    if (!(tr instanceof HTMLTableRowElement)) return;
    const onRow = e.target === tr;
    const id = tr.dataset.customerId ?? '';
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      this.cursorId = id;
      this.#moveCursor(e.key === 'ArrowDown' ? 1 : -1);
    } else if (onRow && e.key === 'Enter') {
      e.preventDefault();
      const c = this.#customer(id);
      if (c) this.actions.openDetail(c, tr);
    } else if (onRow && e.key === ' ') {
      e.preventDefault();
      this.#ticked(id, !this.selection.has(id), e.shiftKey);
    }
  }

  /**
   * `/` focuses the search; ArrowUp/ArrowDown also work when nothing has focus.
   * @param {KeyboardEvent} e
   */
  #globalKey(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (this.page.hidden || this.page.closest('[hidden]') || document.querySelector('dialog[open]')) return;
    if (e.key === '/' && !isTyping(e.target)) {
      e.preventDefault();
      this.search.focus();
      this.search.select();
      return;
    }
    const idle = e.target === document.body || e.target === this.scroller;
    if (idle && (e.key === 'ArrowDown' || e.key === 'ArrowUp') && this.ids.length) {
      e.preventDefault();
      this.#moveCursor(e.key === 'ArrowDown' ? 1 : -1);
    } else if (idle && e.key === 'Enter' && this.cursorId) {
      const c = this.#customer(this.cursorId);
      const tr = this.windowed.rowFor(this.cursorId);
      if (c) {
        e.preventDefault();
        this.actions.openDetail(c, tr || this.scroller);
      }
    }
  }

  /**
   * Moves the keyboard's row by `delta` (from the search box: to row `delta`) and focuses it.
   * @param {number} delta
   * @param {boolean} [absolute]
   */
  #moveCursor(delta, absolute = false) {
    if (!this.ids.length) return;
    const at = this.cursorId === null ? -1 : this.windowed.indexOf(this.cursorId);
    const next = absolute ? delta : at < 0 ? (delta > 0 ? 0 : this.ids.length - 1) : at + delta;
    const index = Math.max(0, Math.min(this.ids.length - 1, next));
    this.#setCursor(this.ids[index], true);
  }

  /**
   * @param {string} id
   * @param {boolean} focus  scroll it into view and give it focus
   */
  #setCursor(id, focus) {
    const old = this.cursorId === null ? null : this.windowed.rowFor(this.cursorId);
    if (old) old.classList.remove('is-cursor');
    this.cursorId = id;
    if (focus) this.windowed.scrollToIndex(this.windowed.indexOf(id));
    const tr = this.windowed.rowFor(id);
    if (!tr) return;
    tr.classList.add('is-cursor');
    if (focus) tr.focus({ preventScroll: true });
  }

  // ---------------------------------------------------------------- page buttons

  /** @param {HTMLButtonElement} button */
  async #checkHealth(button) {
    if (button.disabled) return;
    await whileBusy(button, CHECK_BUSY, async () => {
      try {
        // The healths came as health-updated meanwhile; the answer is the counts after it.
        this.store.setCounts(await invoke('check_health'));
        const s = this.store.summary();
        showToast(`Health check finished: ${formatCount(s.up)} up, ${formatCount(s.down)} down, ${formatCount(s.unknown)} unknown.`, 'info');
        this.#ask();
      } catch (err) {
        toastError(err);
      }
    });
  }

  /** Export: what the current filter finds, as CSV in the Downloads folder. @param {HTMLButtonElement} button */
  async #export(button) {
    if (button.disabled) return;
    const n = this.ids.length;
    await whileBusy(button, EXPORT_BUSY, async () => {
      try {
        const res = await invoke('export_customers', { query: this.currentQuery() });
        byId('export-result-text').textContent = `Exported ${n === 1 ? '1 customer' : `${formatCount(n)} customers`} (${this.answer ? this.answer.summary : ''}) to`;
        byId('export-result-path').textContent = res.path;
        byId('export-result').hidden = false;
      } catch (err) {
        toastError(err, 'Export failed: ');
      }
    });
  }
}
