// @ts-check
// The bulk bar (#bulk-bar) over the selected customers: how many are selected, Sync Now
// (sync_customers, in the background like Sync All), Check health (check_customers), Add tag /
// Remove tag (#bulk-tag-dialog: a tag, or a new one, for all of them), and the buttons that open
// the mute menu, Review changed certificates and Delete (main.js hands those in); the progress of a batch and
// its result, each failure named with why (#bulk-progress). Roles: operators sync and check,
// administrators do the rest (CSS hides what a role cannot do; the core refuses anyway). Owns the
// bar, the progress area and the tag dialog; must never change the selection except Clear.
import { invoke, invokeWithProgress } from '../api.js';
import { byId, el } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { setBusy } from '../lib/busy.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { FieldErrors } from '../lib/form.js';
import { formatCount } from '../lib/format.js';
import { showToast } from '../lib/toast.js';
import { BatchPanel } from '../components/batch-progress.js';
import { colourPicker, pickedColour, tagChip } from '../components/tags.js';

/** @import { Store } from '../store.js' */
/** @import { Selection } from '../lib/selection.js' */
/** @import { BatchWords } from '../components/batch-progress.js' */
/** @typedef {(ids: string[], opener: HTMLElement) => void} BulkOpen */

/** @type {BatchWords} */
const SYNC_WORDS = {
  running: (done, total, failed) => `Syncing ${done} of ${total} · ${failed} failed`,
  finished: (ok, failed) => `Sync finished: ${ok} synced, ${failed} failed`,
  cancelled: (done, total) => `Sync cancelled after ${done} of ${total}`,
  failures: 'Not synced:',
};
/** @type {BatchWords} */
const CHECK_WORDS = {
  running: (done, total, failed) => `Checking ${done} of ${total} · ${failed} failed`,
  finished: (ok, failed) => `Health check finished: ${ok} answered, ${failed} failed`,
  cancelled: (done, total) => `Health check cancelled after ${done} of ${total}`,
  failures: 'Failed checks:',
};
const NEW_TAG = '__new__';

/** @param {number} n */
const customers = (n) => (n === 1 ? '1 customer' : `${formatCount(n)} customers`);

export class BulkActions {
  /**
   * @param {Store} store
   * @param {Selection} selection
   * @param {{ openDelete: BulkOpen, openCertificates: BulkOpen, openMute: BulkOpen, tagsChanged: () => void }} actions
   *   tagsChanged: a tag was created here (the page loads the tags again)
   */
  constructor(store, selection, actions) {
    this.store = store;
    this.selection = selection;
    this.actions = actions;
    this.bar = byId('bulk-bar');
    this.count = byId('bulk-count');
    this.syncBtn = byId('bulk-sync', HTMLButtonElement);
    this.checkBtn = byId('bulk-check', HTMLButtonElement);
    this.panel = new BatchPanel(byId('bulk-progress'));
    /** A batch of the panel is running. */
    this.busy = false;
    // Add tag / Remove tag
    this.tagForm = byId('bulk-tag-form', HTMLFormElement);
    this.tagList = byId('bulk-tag-list');
    this.tagName = byId('bulk-tag-name', HTMLInputElement);
    this.tagSubmit = byId('bulk-tag-submit', HTMLButtonElement);
    this.picker = colourPicker('bulk-tag-colour');
    byId('bulk-tag-colours').append(this.picker);
    this.tagErrors = FieldErrors.of(byId('bulk-tag-error'), {
      name: { input: this.tagName, error: byId('bulk-tag-name-error') },
      colour: { input: this.picker, error: byId('bulk-tag-colour-error') },
      tag: { input: this.tagList, error: byId('bulk-tag-choice-error') },
    });
    this.tagErrors.clearOnEdit();
    this.tagging = false;
    /** Add (true) or Remove, and for which customers, while the dialog is open. @type {{ add: boolean, ids: string[] } | null} */
    this.tagJob = null;
    this.tagModal = new Modal(byId('bulk-tag-dialog', HTMLDialogElement), { canClose: () => !this.tagging });
    this.#wire();
    this.#render();
  }

  #wire() {
    this.selection.onChange(() => this.#render());
    byId('bulk-clear').addEventListener('click', () => this.selection.clear());
    this.syncBtn.addEventListener('click', () => this.#sync());
    this.checkBtn.addEventListener('click', () => this.#check());
    for (const [id, add] of /** @type {const} */ ([['bulk-tag-add', true], ['bulk-tag-remove', false]])) {
      const btn = byId(id, HTMLButtonElement);
      btn.addEventListener('click', () => this.#openTag(add, btn));
    }
    const mute = byId('bulk-mute', HTMLButtonElement);
    mute.addEventListener('click', () => this.actions.openMute(this.selection.ids(), mute));
    const certs = byId('bulk-certs', HTMLButtonElement);
    certs.addEventListener('click', () => this.actions.openCertificates(this.selection.ids(), certs));
    const del = byId('bulk-delete', HTMLButtonElement);
    del.addEventListener('click', () => this.actions.openDelete(this.selection.ids(), del));
    this.tagForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#tag();
    });
    this.tagList.addEventListener('change', () => {
      this.#renderNewTag();
      this.tagErrors.clearField('tag');
    });
    this.tagModal.dialog.addEventListener('close', () => { this.tagJob = null; });
    this.store.on('session-changed', ({ session }) => {
      if (!session) this.reset();
    });
  }

  /** Forgets the panel and closes the dialog (lock, logout). */
  reset() {
    this.panel.hide();
    this.busy = false;
    this.tagging = false;
    this.tagModal.close();
    this.#render();
  }

  #render() {
    const n = this.selection.size;
    this.bar.hidden = n === 0;
    this.count.textContent = `${formatCount(n)} selected`;
    setBusy(this.syncBtn, this.busy);
    setBusy(this.checkBtn, this.busy);
  }

  // ---------------------------------------------------------------- Sync Now, Check health

  async #sync() {
    const ids = this.selection.ids();
    if (this.busy || !ids.length) return;
    this.busy = true;
    this.#render();
    this.panel.start(SYNC_WORDS, ids.length);
    try {
      // Answers at once; the channel reports until the last sync ends.
      await invokeWithProgress('sync_customers', { customerIds: ids }, (p) => {
        this.panel.progress(p);
        if (p.running === false) this.#idle();
      });
    } catch (err) {
      this.#idle();
      routeError(err, {
        conflict: (e) => this.panel.fail(`Sync Now did not start: ${e.message}`),
        other: (e) => this.panel.fail(`Sync Now failed: ${e.message}`),
      });
    }
  }

  async #check() {
    const ids = this.selection.ids();
    if (this.busy || !ids.length) return;
    this.busy = true;
    this.#render();
    this.panel.start(CHECK_WORDS, ids.length);
    try {
      const report = await invokeWithProgress('check_customers', { customerIds: ids }, (p) => this.panel.progress(p));
      this.panel.finish(report);
    } catch (err) {
      routeError(err, { other: (e) => this.panel.fail(`Check health failed: ${e.message}`) });
    } finally {
      this.#idle();
    }
  }

  #idle() {
    this.busy = false;
    this.#render();
  }

  // ---------------------------------------------------------------- Add tag / Remove tag

  /**
   * @param {boolean} add
   * @param {HTMLElement} opener
   */
  #openTag(add, opener) {
    const ids = this.selection.ids();
    if (!ids.length || this.tagging) return;
    this.tagJob = { add, ids };
    this.tagErrors.clear();
    this.tagName.value = '';
    byId('bulk-tag-title').textContent = add ? 'Add tag' : 'Remove tag';
    byId('bulk-tag-text').textContent = add
      ? `Add a tag to the ${customers(ids.length)} selected.`
      : `Remove a tag from the ${customers(ids.length)} selected.`;
    this.tagSubmit.textContent = add ? 'Add tag' : 'Remove tag';
    this.#fillTags(add);
    this.tagModal.open(opener);
    const first = this.tagList.querySelector('input');
    if (first instanceof HTMLInputElement) first.focus();
  }

  /** The tags to choose from; for Add also "New tag". @param {boolean} add */
  #fillTags(add) {
    const tags = this.store.tagList();
    const items = tags.map((t) => el('label', { class: 'tag-option' },
      el('input', { type: 'radio', name: 'bulk-tag', value: String(t.id) }),
      tagChip(t)));
    if (add) {
      items.push(el('label', { class: 'tag-option tag-option-new' },
        el('input', { type: 'radio', name: 'bulk-tag', value: NEW_TAG, checked: tags.length === 0 }),
        el('span', { text: 'New tag' })));
    }
    this.tagList.replaceChildren(...items);
    if (!add && !tags.length) this.tagList.append(el('p', { class: 'field-hint', text: 'There are no tags yet.' }));
    this.#renderNewTag();
  }

  #chosenTag() {
    const on = this.tagList.querySelector('input:checked');
    return on instanceof HTMLInputElement ? on.value : '';
  }

  #renderNewTag() {
    const isNew = this.#chosenTag() === NEW_TAG;
    byId('bulk-tag-new').hidden = !isNew;
    if (isNew) this.tagName.focus();
  }

  async #tag() {
    const job = this.tagJob;
    if (!job || this.tagging) return;
    this.tagErrors.clear();
    const chosen = this.#chosenTag();
    if (!chosen) {
      this.tagErrors.show({ tag: 'Choose a tag.' });
      return;
    }
    this.tagging = true;
    setBusy(this.tagSubmit, true);
    try {
      let tag;
      if (chosen === NEW_TAG) {
        tag = await invoke('create_tag', { input: { name: this.tagName.value.trim(), colour: pickedColour(this.picker) } });
        this.actions.tagsChanged();
      } else {
        tag = this.store.getTag(Number(chosen));
        if (!tag) throw new Error('That tag no longer exists.');
      }
      const res = await invoke('tag_customers', { tagId: Number(tag.id), customerIds: job.ids, add: job.add });
      this.tagging = false;
      this.tagModal.close();
      const changed = Number(res.changed) || 0;
      const rest = job.ids.length - changed;
      const verb = job.add ? 'added to' : 'removed from';
      const note = rest > 0 ? ` (${customers(rest)} ${job.add ? 'had it already' : 'did not have it'})` : '';
      showToast(`Tag "${tag.name}" ${verb} ${customers(changed)}${note}.`);
    } catch (err) {
      routeError(err, {
        forbidden: (e) => {
          this.tagging = false;
          this.tagModal.close();
          toastMessage(e);
        },
        validation: (e) => this.tagErrors.show(e.fields, e.message),
        conflict: (e) => this.tagErrors.show(e.fields, e.message),
        other: (e) => this.tagErrors.show({}, e.message),
      });
    } finally {
      this.tagging = false;
      setBusy(this.tagSubmit, false);
    }
  }
}
