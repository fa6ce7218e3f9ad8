// @ts-check
// Settings › Audit log (#audit-page, administrators): what people did and what failed, newest
// first, filtered by technician, customer, action, outcome, days and words (audit_page, paged by
// the cursor the core returns: "Load more" asks for the entries older than the last one shown,
// never an offset); "Export CSV" of the filtered entries (export_audit, into Downloads);
// "Verify integrity" (verify_audit: OK, or the first entry that does not match its chain); and
// how long the audit is kept (get/set_audit_retention). Builds the page's contents into the
// empty section index.html holds. Owns that section; must never change an entry.
import { invoke } from '../api.js';
import { byId, el } from '../lib/dom.js';
import { whileBusy } from '../lib/busy.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { FieldErrors } from '../lib/form.js';
import { formatCount, formatDate, formatFull, formatTime } from '../lib/format.js';
import { LatestReply } from '../lib/latest.js';
import { showToast } from '../lib/toast.js';

/** @import { Store } from '../store.js' */
/** @import { AuditEntry, AuditFilter, AuditVerification, Outcome } from '../types' */

/** Entries asked for at a time (the core allows up to 500). */
const PAGE_SIZE = 100;
/** Typing in the search box: ask once the keys pause this long. */
const TYPING_MS = 250;
const RETENTION_MIN = 30;
const RETENTION_MAX = 3650;
const EXPORT_BUSY = { busy: 'Exporting…', idle: 'Export CSV' };
const VERIFY_BUSY = { busy: 'Verifying…', idle: 'Verify integrity' };
const MORE_BUSY = { busy: 'Loading…', idle: 'Load more' };
const SAVE_BUSY = { busy: 'Saving…', idle: 'Save' };

/**
 * The action filter's choices: a value ending in "." is a family (every action it starts).
 * @type {Array<[group: string, choices: Array<[value: string, label: string]>]>}
 */
const ACTION_CHOICES = [
  ['Kinds', [
    ['customer.', 'Customers (all)'],
    ['customer.certificate.', 'Certificates'],
    ['technician.', 'Technicians'],
    ['license.', 'License'],
    ['tag.', 'Tags'],
    ['admin.', 'Sign-in and set-up'],
    ['backup.', 'Backup'],
    ['alerts.', 'Alerts'],
    ['maintenance.', 'Maintenance'],
  ]],
  ['Actions', [
    ['customer.add', 'Add customer'],
    ['customer.update', 'Edit customer'],
    ['customer.delete', 'Delete customer'],
    ['customer.force_delete', 'Force delete customer'],
    ['customer.sync', 'Sync Now'],
    ['customer.console.open', 'Open console'],
    ['customer.import', 'Import customers'],
    ['admin.login', 'Log in'],
    ['monitor.settings', 'Monitoring settings'],
    ['sync.settings', 'Sync settings'],
    ['network.settings', 'Network settings'],
    ['audit.settings', 'Audit retention'],
  ]],
];

/** How each action reads in the table; one not listed shows as the core names it. @type {Record<string, string>} */
const ACTION_LABELS = {
  'admin.create': 'Create administrator',
  'admin.login': 'Log in',
  'customer.add': 'Add customer',
  'customer.update': 'Edit customer',
  'customer.delete': 'Delete customer',
  'customer.force_delete': 'Force delete customer',
  'customer.sync': 'Sync Now',
  'customer.sync.scheduled': 'Scheduled sync',
  'customer.sync.after_change': 'Sync after a change',
  'customer.certificate.trust': 'Trust certificate',
  'customer.certificate.changed': 'Certificate changed',
  'customer.instance_changed': 'Instance changed',
  'customer.tag': 'Tag customer',
  'customer.untag': 'Untag customer',
  'customer.import': 'Import customers',
  'customer.console.open': 'Open console',
  'monitor.settings': 'Monitoring settings',
  'sync.settings': 'Sync settings',
  'technician.add': 'Add technician',
  'technician.update': 'Edit technician',
  'technician.enable': 'Enable technician',
  'technician.disable': 'Disable technician',
  'license.apply': 'Apply license',
  'license.threshold': 'License alert threshold',
  'license.allocate': 'Allocate license',
  'license.push': 'Push license',
  'network.settings': 'Network settings',
  'backup.export': 'Export backup',
  'backup.import': 'Restore backup',
  'tag.create': 'Create tag',
  'tag.update': 'Edit tag',
  'tag.delete': 'Delete tag',
  'maintenance.save': 'Save maintenance window',
  'maintenance.delete': 'Delete maintenance window',
  'alerts.mute': 'Mute alerts',
  'alerts.unmute': 'Unmute alerts',
  'alerts.channel.save': 'Save alert channel',
  'alerts.channel.delete': 'Delete alert channel',
  'alerts.rule.save': 'Save alert rule',
  'alerts.rule.delete': 'Delete alert rule',
  'audit.settings': 'Audit retention',
};

/** @param {string} action */
export const actionLabel = (action) => ACTION_LABELS[action] ?? action;

/** "25 Nov 2025 12:03:04" @param {string} at */
const when = (at) => `${formatDate(at)} ${formatTime(at)}`;

/** @param {number} n */
const entries = (n) => (n === 1 ? '1 entry' : `${formatCount(n)} entries`);

/**
 * @param {string} id
 * @param {string} label
 * @param {HTMLElement} control
 */
function filterField(id, label, control) {
  control.id = id;
  return el('div', { class: 'field audit-field' }, el('label', { for: id, text: label }), control);
}

/** The page's contents, into the empty #audit-page. @param {HTMLElement} page */
function build(page) {
  const actions = el('select', { name: 'action' }, el('option', { value: '', text: 'Any action' }),
    ...ACTION_CHOICES.map(([group, choices]) => el('optgroup', { label: group },
      ...choices.map(([value, label]) => el('option', { value, text: label })))));
  page.replaceChildren(
    el('div', { class: 'page-head' },
      el('h1', { id: 'audit-page-title', class: 'page-title', text: 'Audit log' }),
      el('div', { class: 'page-actions' },
        el('button', { id: 'audit-verify', type: 'button', class: 'btn btn-secondary', text: VERIFY_BUSY.idle }),
        el('button', { id: 'audit-export', type: 'button', class: 'btn btn-secondary', title: 'Export the entries the filters show, as CSV', text: EXPORT_BUSY.idle }))),
    el('div', { class: 'audit-top' },
      el('p', { class: 'settings-explain audit-explain', text: 'What technicians did in this console and what failed, with the reason. Each entry is chained to the one before it with a key kept in the system keychain, so an entry edited, inserted or deleted in the database shows up in Verify integrity. Scheduled syncs that succeed are in each customer\'s sync history, not here.' }),
      el('form', { id: 'audit-retention-form', class: 'card audit-retention', novalidate: true, 'aria-label': 'Audit retention' },
        el('div', { class: 'field field-num audit-retention-field' },
          el('label', { for: 'audit-retention', text: 'Keep entries for (days)' }),
          el('div', { class: 'audit-retention-row' },
            el('input', { id: 'audit-retention', name: 'retentionDays', type: 'number', min: String(RETENTION_MIN), max: String(RETENTION_MAX), step: '1', inputmode: 'numeric', autocomplete: 'off', 'aria-describedby': 'audit-retention-hint' }),
            el('button', { id: 'audit-retention-save', type: 'submit', class: 'btn btn-secondary btn-small', text: SAVE_BUSY.idle })),
          el('p', { id: 'audit-retention-hint', class: 'field-hint', text: `${RETENTION_MIN}–${formatCount(RETENTION_MAX)}; default 365. Older entries are deleted; the chain keeps the last one's value, so what is left still verifies.` }),
          el('p', { id: 'audit-retentionDays-error', class: 'field-error' })),
        el('p', { id: 'audit-retention-error', class: 'form-error', role: 'alert' }))),
    el('div', { id: 'audit-verify-result', class: 'callout audit-verify-result', role: 'status', hidden: true }),
    el('div', { id: 'audit-export-result', class: 'callout callout-info export-result', role: 'status', hidden: true },
      el('p', {}, 'Exported the filtered entries to ', el('span', { id: 'audit-export-path', class: 'mono export-path' })),
      el('button', { id: 'audit-export-close', type: 'button', class: 'dialog-x', 'aria-label': 'Close' })),
    el('form', { id: 'audit-filters', class: 'audit-filters', role: 'search', 'aria-label': 'Filter the audit log', novalidate: true },
      el('div', { class: 'field audit-field audit-search-field' },
        el('label', { for: 'audit-search', text: 'Search' }),
        el('input', { id: 'audit-search', name: 'text', type: 'search', placeholder: 'Words in the target, reason or technician', autocomplete: 'off', spellcheck: 'false', maxlength: '200' })),
      filterField('audit-technician', 'Technician',
        el('input', { name: 'actor', type: 'text', list: 'audit-technician-list', placeholder: 'Any technician', autocomplete: 'off', spellcheck: 'false', maxlength: '128' })),
      el('datalist', { id: 'audit-technician-list' }),
      filterField('audit-customer', 'Customer', el('select', { name: 'customerId' }, el('option', { value: '', text: 'Any customer' }))),
      filterField('audit-action', 'Action', actions),
      filterField('audit-outcome', 'Outcome', el('select', { name: 'outcome' },
        el('option', { value: '', text: 'Any outcome' }),
        el('option', { value: 'success', text: 'Success' }),
        el('option', { value: 'failure', text: 'Failure' }))),
      el('div', { class: 'field audit-field' },
        el('label', { for: 'audit-from', text: 'From' }),
        el('input', { id: 'audit-from', name: 'from', type: 'date' }),
        el('p', { id: 'audit-from-error', class: 'field-error' })),
      el('div', { class: 'field audit-field' },
        el('label', { for: 'audit-to', text: 'To' }),
        el('input', { id: 'audit-to', name: 'to', type: 'date' }),
        el('p', { id: 'audit-to-error', class: 'field-error' })),
      el('div', { class: 'audit-filter-actions' },
        el('button', { id: 'audit-clear', type: 'button', class: 'btn btn-secondary btn-small', text: 'Clear filters' }))),
    el('p', { id: 'audit-filter-error', class: 'form-error', role: 'alert' }),
    el('p', { id: 'audit-summary', class: 'table-footer audit-summary', role: 'status', 'aria-live': 'polite' }),
    el('div', { class: 'card table-card audit-table-card' },
      el('table', { id: 'audit-table', class: 'data-table audit-table' },
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col', class: 'col-awhen', text: 'When' }),
          el('th', { scope: 'col', class: 'col-aactor', text: 'Technician' }),
          el('th', { scope: 'col', class: 'col-aaction', text: 'Action' }),
          el('th', { scope: 'col', class: 'col-atarget', text: 'Customer or technician' }),
          el('th', { scope: 'col', class: 'col-aoutcome', text: 'Outcome' }),
          el('th', { scope: 'col', class: 'col-areason', text: 'Reason' }))),
        el('tbody', { id: 'audit-tbody' })),
      el('p', { id: 'audit-empty', class: 'empty-state', hidden: true }),
      el('p', { id: 'audit-loading', class: 'form-busy audit-loading', role: 'status', hidden: true },
        el('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading the audit log…'),
      el('p', { id: 'audit-error', class: 'form-error audit-error', role: 'alert' }),
      el('div', { class: 'audit-more' },
        el('button', { id: 'audit-more', type: 'button', class: 'btn btn-secondary', hidden: true, text: MORE_BUSY.idle }))));
}

/**
 * The day a date input holds, as the instant its local day starts (or, with `end`, ends).
 * @param {string} value  "2026-12-02"
 * @param {boolean} end
 */
function dayBound(value, end) {
  if (!value) return null;
  const [y, m, d] = value.split('-').map(Number);
  const date = end ? new Date(y, m - 1, d, 23, 59, 59, 999) : new Date(y, m - 1, d);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export class AuditLogView {
  /** @param {Store} store */
  constructor(store) {
    this.store = store;
    this.page = byId('audit-page');
    build(this.page);
    this.form = byId('audit-filters', HTMLFormElement);
    this.search = byId('audit-search', HTMLInputElement);
    this.actor = byId('audit-technician', HTMLInputElement);
    this.customer = byId('audit-customer', HTMLSelectElement);
    this.action = byId('audit-action', HTMLSelectElement);
    this.outcome = byId('audit-outcome', HTMLSelectElement);
    this.from = byId('audit-from', HTMLInputElement);
    this.to = byId('audit-to', HTMLInputElement);
    this.tbody = byId('audit-tbody', HTMLTableSectionElement);
    this.moreBtn = byId('audit-more', HTMLButtonElement);
    this.filterErrors = FieldErrors.of(byId('audit-filter-error'), {
      from: { input: this.from, error: byId('audit-from-error') },
      to: { input: this.to, error: byId('audit-to-error') },
    });
    this.retention = byId('audit-retention', HTMLInputElement);
    this.retentionErrors = FieldErrors.of(byId('audit-retention-error'), {
      retentionDays: { input: this.retention, error: byId('audit-retentionDays-error') },
    });
    this.retentionErrors.clearOnEdit();
    /** The entries shown, oldest last. @type {AuditEntry[]} */
    this.rows = [];
    /** The filters the rows shown were asked with (Load more asks with them again). @type {Partial<AuditFilter> | null} */
    this.filtered = null;
    /** The cursor for the next (older) page; null: the last page is shown. @type {number | null} */
    this.nextBefore = null;
    this.loads = new LatestReply();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.typing = undefined;
    this.#wire();
  }

  #wire() {
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#reload();
    });
    this.search.addEventListener('input', () => {
      clearTimeout(this.typing);
      this.typing = setTimeout(() => this.#reload(), TYPING_MS);
    });
    // The technician's name: asked for when it is picked or typed out, not at each key.
    this.actor.addEventListener('change', () => this.#reload());
    for (const input of [this.customer, this.action, this.outcome, this.from, this.to]) {
      input.addEventListener('change', () => this.#reload());
    }
    byId('audit-clear').addEventListener('click', () => {
      this.form.reset();
      this.#reload();
    });
    this.moreBtn.addEventListener('click', () => this.#loadMore());
    byId('audit-export').addEventListener('click', (e) => this.#export(/** @type {HTMLButtonElement} */ (e.currentTarget)));
    byId('audit-export-close').addEventListener('click', () => { byId('audit-export-result').hidden = true; });
    byId('audit-verify').addEventListener('click', (e) => this.#verify(/** @type {HTMLButtonElement} */ (e.currentTarget)));
    byId('audit-retention-form', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      this.#saveRetention();
    });
  }

  /** Settings › Audit log was shown: the choices and the newest entries again. */
  shown() {
    if (!this.store.isAdmin) return;
    this.#fillCustomers();
    this.#fillTechnicians();
    this.#loadRetention();
    this.#reload();
  }

  /** Forgets everything (lock, logout). */
  reset() {
    clearTimeout(this.typing);
    this.loads.invalidate();
    this.form.reset();
    this.filterErrors.clear();
    this.retentionErrors.clear();
    this.rows = [];
    this.filtered = null;
    this.nextBefore = null;
    this.tbody.replaceChildren();
    this.moreBtn.hidden = true;
    byId('audit-summary').textContent = '';
    byId('audit-error').textContent = '';
    byId('audit-empty').hidden = true;
    byId('audit-verify-result').hidden = true;
    byId('audit-export-result').hidden = true;
    this.customer.replaceChildren(el('option', { value: '', text: 'Any customer' }));
    byId('audit-technician-list').replaceChildren();
  }

  /** The customers this console has, by name; the one chosen stays chosen. */
  #fillCustomers() {
    const chosen = this.customer.value;
    const options = this.store.sortedCustomers().map((c) => el('option', { value: String(c.id), text: String(c.name ?? '') }));
    this.customer.replaceChildren(el('option', { value: '', text: 'Any customer' }), ...options);
    this.customer.value = chosen && this.store.getCustomer(chosen) ? chosen : '';
  }

  /** The technicians' usernames as suggestions (typing any name still filters by it). */
  async #fillTechnicians() {
    try {
      const techs = await invoke('list_technicians');
      const names = techs.map((t) => String(t.username)).concat(['system', 'mssp-admin']);
      byId('audit-technician-list').replaceChildren(...names.map((n) => el('option', { value: n })));
    } catch {
      /* suggestions only */
    }
  }

  /**
   * The filters as the core takes them, or null when a day is not a date.
   * @returns {Partial<AuditFilter> | null}
   */
  #filter() {
    const from = dayBound(this.from.value, false);
    const to = dayBound(this.to.value, true);
    /** @type {Record<string, string>} */
    const errors = {};
    if (from === undefined) errors.from = 'Enter a date.';
    if (to === undefined) errors.to = 'Enter a date.';
    if (from && to && from > to) errors.to = 'Pick a day on or after From.';
    if (Object.keys(errors).length) {
      this.filterErrors.show(errors);
      return null;
    }
    const text = (/** @type {string} */ v) => v.trim() || null;
    return {
      text: text(this.search.value),
      actor: text(this.actor.value),
      customerId: this.customer.value || null,
      action: this.action.value || null,
      outcome: /** @type {Outcome | null} */ (this.outcome.value || null),
      from: from ?? null,
      to: to ?? null,
    };
  }

  /** The first (newest) page for the filters as they are now. */
  async #reload() {
    clearTimeout(this.typing);
    this.filterErrors.clear();
    const filter = this.#filter();
    if (!filter) return;
    const current = this.loads.begin();
    byId('audit-loading').hidden = false;
    byId('audit-error').textContent = '';
    try {
      const page = await invoke('audit_page', { filter, before: null, limit: PAGE_SIZE });
      if (!current()) return;
      this.filtered = filter;
      this.rows = page.entries;
      this.nextBefore = page.nextBefore;
      this.tbody.replaceChildren(...page.entries.map((e) => this.#row(e)));
      this.#after();
    } catch (err) {
      if (!current()) return;
      this.#failed(err);
    } finally {
      if (current()) byId('audit-loading').hidden = true;
    }
  }

  /** The next (older) page after the last entry shown, with the same filters. */
  async #loadMore() {
    // While new filters are being asked for, the rows shown are about to go.
    if (this.nextBefore === null || !this.filtered || this.moreBtn.disabled || !byId('audit-loading').hidden) return;
    const filter = this.filtered;
    const before = this.nextBefore;
    const current = this.loads.begin();
    await whileBusy(this.moreBtn, MORE_BUSY, async () => {
      try {
        const page = await invoke('audit_page', { filter, before, limit: PAGE_SIZE });
        if (!current()) return;
        this.rows = this.rows.concat(page.entries);
        this.nextBefore = page.nextBefore;
        this.tbody.append(...page.entries.map((e) => this.#row(e)));
        this.#after();
      } catch (err) {
        if (current()) this.#failed(err);
      }
    });
  }

  /** The summary, the empty state and Load more, after a page came. */
  #after() {
    const n = this.rows.length;
    const more = this.nextBefore !== null;
    const filtered = this.#anyFilter();
    byId('audit-summary').textContent = n === 0 ? ''
      : `${more ? 'The newest ' : ''}${entries(n)}${filtered ? ' matching the filters' : ''}${more ? ' shown; Load more shows older ones.' : '.'}`;
    const empty = byId('audit-empty');
    empty.hidden = n !== 0;
    empty.textContent = filtered ? 'No entries match these filters.' : 'Nothing is in the audit log yet.';
    byId('audit-table').classList.toggle('is-empty', n === 0);
    this.moreBtn.hidden = !more;
  }

  #anyFilter() {
    const f = this.filtered;
    return !!f && Object.values(f).some((v) => v !== null && v !== '');
  }

  /** @param {unknown} err */
  #failed(err) {
    routeError(err, {
      validation: (e) => this.filterErrors.show(e.fields, e.message),
      other: (e) => { byId('audit-error').textContent = `Could not load the audit log: ${e.message}`; },
    });
  }

  /** @param {AuditEntry} e */
  #row(e) {
    const ok = e.outcome === 'success';
    const reason = e.reason ?? '';
    return el('tr', { 'data-audit-id': String(e.id), 'data-customer-id': e.customerId ?? '', 'data-outcome': e.outcome, 'data-action': e.action },
      el('td', { class: 'col-awhen', text: when(e.at), title: formatFull(e.at) }),
      el('td', { class: 'col-aactor', text: e.actor, title: e.actor }),
      el('td', { class: 'col-aaction', text: actionLabel(e.action), title: e.action }),
      el('td', { class: 'col-atarget', text: e.target, title: e.target }),
      el('td', { class: 'col-aoutcome' }, el('span', { class: 'pill', 'data-kind': ok ? 'good' : 'bad', text: ok ? 'Success' : 'Failure' })),
      el('td', { class: 'col-areason', text: reason, title: reason }));
  }

  /** @param {HTMLButtonElement} button */
  async #export(button) {
    if (button.disabled) return;
    this.filterErrors.clear();
    const filter = this.#filter();
    if (!filter) return;
    await whileBusy(button, EXPORT_BUSY, async () => {
      try {
        const { path } = await invoke('export_audit', { filter });
        byId('audit-export-path').textContent = path;
        byId('audit-export-result').hidden = false;
        showToast('Audit log exported.');
      } catch (err) {
        routeError(err, {
          validation: (e) => this.filterErrors.show(e.fields, e.message),
          forbidden: toastMessage,
          other: (e) => showToast(`Export failed: ${e.message}`, 'error'),
        });
      }
    });
  }

  /** @param {HTMLButtonElement} button */
  async #verify(button) {
    if (button.disabled) return;
    const box = byId('audit-verify-result');
    box.hidden = true;
    await whileBusy(button, VERIFY_BUSY, async () => {
      try {
        this.#showVerification(await invoke('verify_audit'));
      } catch (err) {
        routeError(err, {
          forbidden: toastMessage,
          other: (e) => {
            box.className = 'callout callout-error audit-verify-result';
            box.dataset.result = 'error';
            box.replaceChildren(el('p', { text: `The audit log could not be verified: ${e.message}` }));
            box.hidden = false;
          },
        });
      }
    });
  }

  /** @param {AuditVerification} v */
  #showVerification(v) {
    const box = byId('audit-verify-result');
    /** @type {HTMLElement[]} */
    const pending = v.pending > 0
      ? [el('p', { text: `${entries(v.pending)} written while the keychain was locked ${v.pending === 1 ? 'is' : 'are'} not chained yet.` })]
      : [];
    box.dataset.result = v.intact ? 'intact' : 'broken';
    box.className = `callout ${v.intact ? 'callout-info audit-intact' : 'callout-error'} audit-verify-result`;
    if (v.intact) {
      box.replaceChildren(el('p', { class: 'audit-verdict', text: `Integrity OK: all ${entries(v.verified)} match their chain.` }), ...pending);
    } else {
      const first = v.firstMismatch;
      /** @type {HTMLElement[]} */
      const lines = [el('p', { class: 'audit-verdict', text: 'The audit log was altered outside MSSP Console.' })];
      if (first) {
        lines.push(el('p', { id: 'audit-mismatch', text: `The first entry that does not match is #${first.id}: ${when(first.at)}, ${first.actor}, `
          + `${actionLabel(first.action)}, ${first.target}. It was edited, or an entry just before it was inserted or deleted.` }));
      }
      if (v.marksBroken) lines.push(el('p', { text: v.marksBroken }));
      lines.push(el('p', { text: `${entries(v.verified)} matched their chain.` }));
      box.replaceChildren(...lines, ...pending);
    }
    box.hidden = false;
  }

  async #loadRetention() {
    try {
      const days = await invoke('get_audit_retention');
      if (document.activeElement !== this.retention) this.retention.value = String(days);
    } catch (err) {
      routeError(err, { other: (e) => { this.retentionErrors.formError.textContent = `Could not load the retention: ${e.message}`; } });
    }
  }

  async #saveRetention() {
    const button = byId('audit-retention-save', HTMLButtonElement);
    if (button.disabled) return;
    this.retentionErrors.clear();
    const raw = this.retention.value.trim();
    const days = Number(raw);
    if (!raw || !Number.isInteger(days) || days < RETENTION_MIN || days > RETENTION_MAX) {
      this.retentionErrors.show({ retentionDays: `Enter a whole number of days from ${RETENTION_MIN} to ${formatCount(RETENTION_MAX)}.` });
      return;
    }
    await whileBusy(button, SAVE_BUSY, async () => {
      try {
        const pruned = await invoke('set_audit_retention', { days });
        showToast(pruned > 0 ? `Audit kept for ${formatCount(days)} days; ${entries(pruned)} older than that deleted.` : `Audit kept for ${formatCount(days)} days.`);
        if (pruned > 0) this.#reload();
      } catch (err) {
        routeError(err, {
          forbidden: toastMessage,
          validation: (e) => this.retentionErrors.show(e.fields, e.message),
          other: (e) => { this.retentionErrors.formError.textContent = `The retention could not be saved: ${e.message}`; },
        });
      }
    });
  }
}
