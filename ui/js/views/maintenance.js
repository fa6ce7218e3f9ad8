// @ts-check
// Settings › Maintenance (#maintenance-page): the maintenance windows (list_maintenance), each
// with what it applies to (a customer or a tag), when (once: from … to …; weekly: days, start,
// duration, time zone), whether it is in force now, its note and who planned it; and for
// administrators the Plan / change dialog (#maintenance-dialog, save_maintenance: the core's
// field errors go under the field that is wrong) and Delete (delete_maintenance). Owns the page
// and its dialog; must never mute anything (views/mute.js does).
import { invoke } from '../api.js';
import { byId, el, svg } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { whileBusy } from '../lib/busy.js';
import { confirmDelete } from '../lib/confirm.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { FieldErrors } from '../lib/form.js';
import { formatDayHm, formatDuration, toDate } from '../lib/format.js';
import { LatestReply } from '../lib/latest.js';
import { showToast } from '../lib/toast.js';
import { PENCIL, TRASH } from '../icons.js';
import { tagChip } from '../components/tags.js';

/** @import { Store } from '../store.js' */
/** @import { Maintenance, Scope } from '../types' */

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MINUTE_MS = 60_000;

/** This computer's time zone, the default for a weekly window. */
export function localZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Every IANA zone this WebKit knows, for the time zone's suggestions. @returns {string[]} */
function zones() {
  const intl = /** @type {{ supportedValuesOf?: (key: string) => string[] }} */ (/** @type {unknown} */ (Intl));
  try {
    return typeof intl.supportedValuesOf === 'function' ? intl.supportedValuesOf('timeZone') : [];
  } catch {
    return [];
  }
}

/** "2026-12-02T09:15" for an <input type="datetime-local">, in local time. @param {Date} d */
function localInput(d) {
  const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A datetime-local value as RFC 3339 (UTC); null when empty or not a date. @param {string} value */
function rfc3339(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * "Mon, Wed, Fri 22:00 for 2 hrs (Europe/Berlin)" / "2 Dec 22:00 – 3 Dec 02:00".
 * @param {Maintenance} w
 */
export function whenText(w) {
  if (w.kind === 'once') return `${formatDayHm(w.startsAt)} – ${formatDayHm(w.endsAt)}`;
  const days = w.weekdays.map((on, i) => (on ? DAYS[i] : '')).filter(Boolean);
  const every = days.length === 7 ? 'Every day' : days.join(', ');
  return `${every} ${w.startTime ?? ''} for ${formatDuration((w.durationMinutes ?? 0) * MINUTE_MS)} (${w.timeZone ?? ''})`;
}

/**
 * A one-off window's state: "In force", "Planned", "Over"; a weekly one: "Weekly".
 * @param {Maintenance} w
 * @param {number} now
 * @returns {{ state: string, text: string }}
 */
function stateOf(w, now) {
  if (w.kind !== 'once') return { state: 'weekly', text: 'Weekly' };
  const from = toDate(w.startsAt)?.getTime() ?? NaN;
  const to = toDate(w.endsAt)?.getTime() ?? NaN;
  if (now >= to) return { state: 'over', text: 'Over' };
  if (now >= from) return { state: 'active', text: 'In force' };
  return { state: 'planned', text: 'Planned' };
}

export class MaintenancePage {
  /** @param {Store} store */
  constructor(store) {
    this.store = store;
    this.page = byId('maintenance-page');
    this.tbody = byId('maintenance-tbody', HTMLTableSectionElement);
    /** @type {Maintenance[]} */
    this.windows = [];
    this.loads = new LatestReply();
    // The dialog
    this.form = byId('maintenance-form', HTMLFormElement);
    this.submit = byId('maint-submit', HTMLButtonElement);
    this.target = byId('maint-target', HTMLSelectElement);
    this.from = byId('maint-from', HTMLInputElement);
    this.to = byId('maint-to', HTMLInputElement);
    this.days = byId('maint-days');
    this.start = byId('maint-start', HTMLInputElement);
    this.duration = byId('maint-duration', HTMLInputElement);
    this.zone = byId('maint-zone', HTMLInputElement);
    this.note = byId('maint-note', HTMLInputElement);
    this.saving = false;
    /** The window being changed; null: a new one. @type {Maintenance | null} */
    this.editing = null;
    this.modal = new Modal(byId('maintenance-dialog', HTMLDialogElement), { canClose: () => !this.saving });
    this.errors = FieldErrors.of(byId('maint-form-error'), {
      scope: { input: this.target, error: byId('maint-scope-error') },
      startsAt: { input: this.from, error: byId('maint-startsAt-error') },
      endsAt: { input: this.to, error: byId('maint-endsAt-error') },
      weekdays: { input: this.days, error: byId('maint-weekdays-error'), focus: /** @type {HTMLElement} */ (this.days.querySelector('input')) },
      startTime: { input: this.start, error: byId('maint-startTime-error') },
      durationMinutes: { input: this.duration, error: byId('maint-durationMinutes-error') },
      timeZone: { input: this.zone, error: byId('maint-timeZone-error') },
      note: { input: this.note, error: byId('maint-note-error') },
    });
    this.errors.clearOnEdit();
    this.days.addEventListener('change', () => this.errors.clearField('weekdays'));
    byId('maint-zones').replaceChildren(...zones().map((z) => el('option', { value: z })));
    this.#wire();
  }

  #wire() {
    byId('add-maintenance-button').addEventListener('click', (e) => this.open(null, /** @type {HTMLElement} */ (e.currentTarget)));
    this.tbody.addEventListener('click', (e) => {
      const btn = /** @type {Element} */ (e.target).closest('button[data-action]');
      if (!(btn instanceof HTMLButtonElement)) return;
      const w = this.windows.find((x) => String(x.id) === btn.dataset.id);
      if (!w) return;
      if (btn.dataset.action === 'edit') this.open(w, btn);
      else if (btn.dataset.action === 'delete') this.#delete(w, btn);
    });
    for (const radio of this.form.querySelectorAll('input[name="scopeKind"], input[name="kind"]')) {
      radio.addEventListener('change', () => this.#renderKinds());
    }
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#save();
    });
    // Windows and mutes changed (here, in another session): the list again when shown.
    this.store.on('customers-reset', () => {
      if (this.#visible()) this.#render();
    });
    this.store.on('tags-changed', () => {
      if (this.#visible()) this.#render();
    });
  }

  #visible() {
    return !this.page.hidden && !this.page.closest('[hidden]');
  }

  /** Settings › Maintenance was shown. */
  shown() {
    byId('maint-readonly-note').hidden = this.store.isAdmin;
    this.load();
  }

  /** customers-changed (windows and mutes change with it): the list again, if shown. */
  changed() {
    if (this.#visible() && this.store.session) this.load();
  }

  /** Forgets everything (lock, logout). */
  reset() {
    this.loads.invalidate();
    this.windows = [];
    this.tbody.replaceChildren();
    this.saving = false;
    this.modal.close();
    byId('maintenance-error').textContent = '';
    byId('maintenance-empty').hidden = true;
    byId('maintenance-loading').hidden = true;
  }

  async load() {
    const current = this.loads.begin();
    byId('maintenance-loading').hidden = this.windows.length > 0;
    try {
      const list = await invoke('list_maintenance');
      if (!current()) return;
      this.windows = list;
      byId('maintenance-error').textContent = '';
      this.#render();
    } catch (err) {
      if (!current()) return;
      routeError(err, { other: (e) => { byId('maintenance-error').textContent = `Could not load the maintenance windows: ${e.message}`; } });
    } finally {
      if (current()) byId('maintenance-loading').hidden = true;
    }
  }

  /** @param {Scope} scope */
  #scopeCell(scope) {
    if (scope.kind === 'tag') {
      const tag = this.store.getTag(scope.id);
      return tag ? tagChip(tag, { small: false }) : el('span', { class: 'muted-text', text: 'A deleted tag' });
    }
    if (scope.kind === 'customer') {
      const c = this.store.getCustomer(scope.id);
      return el('span', { class: 'maint-customer', text: c ? String(c.name) : 'A customer not shown to you' });
    }
    return el('span', { text: 'All customers' });
  }

  #render() {
    const now = Date.now();
    const admin = this.store.isAdmin;
    const rows = this.windows.map((w) => {
      const s = stateOf(w, now);
      const actions = admin
        ? el('td', { class: 'col-mactions admin-only' },
          el('div', { class: 'row-actions' },
            el('button', { type: 'button', class: 'icon-button', 'data-action': 'edit', 'data-id': String(w.id), 'aria-label': 'Change', title: 'Change' }, svg(PENCIL)),
            el('button', { type: 'button', class: 'icon-button', 'data-action': 'delete', 'data-id': String(w.id), 'aria-label': 'Delete', title: 'Delete' }, svg(TRASH))))
        : null;
      return el('tr', { class: 'maint-row', 'data-id': String(w.id), 'data-state': s.state },
        el('td', { class: 'col-mscope' }, this.#scopeCell(w.scope)),
        el('td', { class: 'col-mwhen', text: whenText(w) }),
        el('td', { class: 'col-mstate' }, el('span', { class: 'maint-state', 'data-state': s.state, text: s.text })),
        el('td', { class: 'col-mnote', text: w.note, title: w.note }),
        el('td', { class: 'col-mby', text: w.createdBy }),
        actions);
    });
    this.tbody.replaceChildren(...rows);
    byId('maintenance-empty').hidden = this.windows.length > 0;
  }

  // ---------------------------------------------------------------- the dialog

  /**
   * Opens the dialog: a new window (null) or a change to `w`.
   * @param {Maintenance | null} w
   * @param {HTMLElement} opener
   */
  open(w, opener) {
    this.editing = w;
    this.saving = false;
    this.errors.clear();
    byId('maint-dialog-title').textContent = w ? 'Change maintenance window' : 'Plan maintenance';
    this.submit.textContent = w ? 'Save' : 'Plan maintenance';
    const scopeKind = w && w.scope.kind === 'customer' ? 'customer' : 'tag';
    byId(`maint-scope-${scopeKind}`, HTMLInputElement).checked = true;
    const kind = w ? w.kind : 'once';
    byId(`maint-kind-${kind}`, HTMLInputElement).checked = true;
    this.#fillTargets(w && w.scope.kind !== 'all' ? String(w.scope.id) : null);
    const hour = Math.ceil(Date.now() / 3600_000) * 3600_000;
    this.from.value = localInput(w && w.startsAt ? new Date(w.startsAt) : new Date(hour));
    this.to.value = localInput(w && w.endsAt ? new Date(w.endsAt) : new Date(hour + 2 * 3600_000));
    const weekdays = w && w.kind === 'weekly' ? w.weekdays : [];
    for (const box of this.days.querySelectorAll('input')) box.checked = !!weekdays[Number(box.value)];
    this.start.value = (w && w.startTime) || '22:00';
    this.duration.value = String((w && w.durationMinutes) || 120);
    this.zone.value = (w && w.timeZone) || localZone();
    this.note.value = w ? w.note : '';
    this.#renderKinds();
    this.modal.open(opener);
    this.target.focus();
    // Tags made elsewhere since the list was loaded: offer them too, keeping the choice.
    invoke('list_tags').then((tags) => {
      if (!this.modal.isOpen) return;
      this.store.setTags(tags);
      if (byId('maint-scope-tag', HTMLInputElement).checked) this.#fillTargets(this.target.value || null);
    }).catch(() => {});
  }

  /** The tag or customer list, for the chosen kind. @param {string | null} chosen */
  #fillTargets(chosen) {
    const customer = byId('maint-scope-customer', HTMLInputElement).checked;
    byId('maint-target-label').textContent = customer ? 'Customer' : 'Tag';
    const options = customer
      ? this.store.sortedCustomers().map((c) => el('option', { value: String(c.id), text: String(c.name) }))
      : this.store.tagList().map((t) => el('option', { value: String(t.id), text: t.name }));
    if (!options.length) options.push(el('option', { value: '', text: customer ? 'No customers yet' : 'No tags yet: create one under Customer Management › Tags' }));
    this.target.replaceChildren(...options);
    if (chosen !== null && Array.from(this.target.options).some((o) => o.value === chosen)) this.target.value = chosen;
  }

  #renderKinds() {
    const weekly = byId('maint-kind-weekly', HTMLInputElement).checked;
    byId('maint-once').hidden = weekly;
    byId('maint-weekly').hidden = !weekly;
    const customer = byId('maint-scope-customer', HTMLInputElement).checked;
    if (byId('maint-target-label').textContent !== (customer ? 'Customer' : 'Tag')) this.#fillTargets(null);
  }

  /** The form as a Maintenance, or field errors of its own. @returns {Maintenance | Record<string, string>} */
  #read() {
    const customer = byId('maint-scope-customer', HTMLInputElement).checked;
    const weekly = byId('maint-kind-weekly', HTMLInputElement).checked;
    if (!this.target.value) return { scope: customer ? 'Choose a customer.' : 'Choose a tag (create one under Customer Management › Tags).' };
    /** @type {Scope} */
    const scope = customer ? { kind: 'customer', id: this.target.value } : { kind: 'tag', id: Number(this.target.value) };
    const minutes = this.duration.value.trim();
    if (weekly && !/^\d+$/.test(minutes)) return { durationMinutes: 'Enter the minutes as a whole number, e.g. 120.' };
    return {
      id: this.editing ? this.editing.id : null,
      scope,
      kind: weekly ? 'weekly' : 'once',
      startsAt: weekly ? null : rfc3339(this.from.value),
      endsAt: weekly ? null : rfc3339(this.to.value),
      weekdays: Array.from(this.days.querySelectorAll('input')).map((b) => b.checked),
      startTime: weekly ? this.start.value : null,
      durationMinutes: weekly ? Number(minutes) : null,
      timeZone: weekly ? this.zone.value.trim() : null,
      note: this.note.value.trim(),
      createdBy: '',
    };
  }

  async #save() {
    if (this.saving) return;
    this.errors.clear();
    const read = this.#read();
    if (!('kind' in read)) {
      this.errors.show(/** @type {Record<string, string>} */ (read));
      return;
    }
    const input = /** @type {Maintenance} */ (read);
    this.saving = true;
    try {
      await whileBusy(this.submit, undefined, async () => {
        try {
          const saved = await invoke('save_maintenance', { window: input });
          this.saving = false;
          this.modal.close();
          const i = this.windows.findIndex((x) => x.id === saved.id);
          if (i >= 0) this.windows[i] = saved;
          else this.windows.push(saved);
          this.#render();
          showToast(input.id === null ? 'Maintenance window planned.' : 'Maintenance window saved.');
        } catch (err) {
          routeError(err, {
            validation: (e) => this.errors.show(e.fields, e.message),
            forbidden: toastMessage,
            other: (e) => { byId('maint-form-error').textContent = e.message; },
          });
        }
      });
    } finally {
      this.saving = false;
    }
  }

  /**
   * @param {Maintenance} w
   * @param {HTMLElement} opener
   */
  #delete(w, opener) {
    confirmDelete({
      title: 'Delete maintenance window',
      text: `Delete the window "${whenText(w)}"? Alerts for its customers are sent again at once.`,
      confirm: 'Delete window',
      opener,
      action: async () => {
        await invoke('delete_maintenance', { id: /** @type {number} */ (w.id) });
        this.windows = this.windows.filter((x) => x.id !== w.id);
        this.#render();
        showToast('Maintenance window deleted.');
      },
    });
  }
}
