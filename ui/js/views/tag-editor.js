// @ts-check
// One customer's tags (#tag-editor-dialog, administrators), from its row or its detail view: a
// checkbox per tag, a new tag made on the spot (create_tag), Save (set_customer_tags). Tagging
// can grant a technician delegated that tag access, so the core audits each change. Owns this
// dialog; must never change the tags themselves beyond creating one.
import { invoke } from '../api.js';
import { byId, el } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { setBusy } from '../lib/busy.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { FieldErrors } from '../lib/form.js';
import { showToast } from '../lib/toast.js';
import { colourPicker, pickedColour, tagChip } from '../components/tags.js';

/** @import { Store } from '../store.js' */
/** @import { Customer } from '../types' */

export class TagEditor {
  /**
   * @param {Store} store
   * @param {{ tagsChanged: () => Promise<void> }} actions  a tag was created here
   */
  constructor(store, actions) {
    this.store = store;
    this.actions = actions;
    this.list = byId('tag-editor-list');
    this.name = byId('tag-editor-new-name', HTMLInputElement);
    this.picker = colourPicker('tag-editor-colour');
    byId('tag-editor-colours').append(this.picker);
    this.createBtn = byId('tag-editor-create', HTMLButtonElement);
    this.saveBtn = byId('tag-editor-save', HTMLButtonElement);
    this.errors = FieldErrors.of(byId('tag-editor-error'), {
      name: { input: this.name, error: byId('tag-editor-name-error') },
      colour: { input: this.picker, error: byId('tag-editor-colour-error') },
    });
    this.errors.clearOnEdit();
    /** The customer whose tags are edited. @type {string | null} */
    this.customerId = null;
    this.busy = false;
    this.modal = new Modal(byId('tag-editor-dialog', HTMLDialogElement), { canClose: () => !this.busy });
    this.modal.dialog.addEventListener('close', () => { this.customerId = null; });
    byId('tag-editor-form', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      this.#save();
    });
    this.createBtn.addEventListener('click', () => this.#create());
    this.name.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.#create();
      }
    });
    store.on('customer-removed', ({ id }) => {
      if (id === this.customerId) this.modal.close();
    });
  }

  /**
   * @param {Customer} customer
   * @param {HTMLElement} opener
   */
  open(customer, opener) {
    if (this.busy) return;
    this.customerId = String(customer.id);
    this.errors.clear();
    this.name.value = '';
    byId('tag-editor-title').textContent = `Tags of ${customer.name}`;
    this.#fill(new Set((customer.tags || []).map(Number)));
    this.modal.open(opener);
    const first = this.list.querySelector('input');
    (first instanceof HTMLInputElement ? first : this.name).focus();
  }

  /** Closes (lock, logout). */
  reset() {
    this.busy = false;
    this.modal.close();
  }

  /** @param {Set<number>} on */
  #fill(on) {
    const tags = this.store.tagList();
    this.list.replaceChildren(...tags.map((t) => el('label', { class: 'tag-option' },
      el('input', { type: 'checkbox', value: String(t.id), checked: on.has(Number(t.id)) }),
      tagChip(t))));
    byId('tag-editor-empty').hidden = tags.length > 0;
  }

  #checked() {
    return new Set(Array.from(this.list.querySelectorAll('input:checked')).map((i) => Number(/** @type {HTMLInputElement} */ (i).value)));
  }

  /** A new tag, ticked for this customer (saved with Save). */
  async #create() {
    if (this.busy) return;
    this.errors.clear();
    const keep = this.#checked();
    this.busy = true;
    setBusy(this.createBtn, true);
    try {
      const tag = await invoke('create_tag', { input: { name: this.name.value.trim(), colour: pickedColour(this.picker) } });
      await this.actions.tagsChanged();
      keep.add(Number(tag.id));
      this.#fill(keep);
      this.name.value = '';
      this.saveBtn.focus();
    } catch (err) {
      routeError(err, {
        forbidden: (e) => {
          this.busy = false;
          this.modal.close();
          toastMessage(e);
        },
        other: (e) => this.errors.show(e.fields, e.message),
      });
    } finally {
      this.busy = false;
      setBusy(this.createBtn, false);
    }
  }

  async #save() {
    const id = this.customerId;
    if (this.busy || id === null) return;
    this.errors.clear();
    this.busy = true;
    setBusy(this.saveBtn, true);
    try {
      const tagIds = await invoke('set_customer_tags', { customerId: id, tagIds: Array.from(this.#checked()) });
      this.busy = false;
      this.store.setCustomerTags(id, tagIds);
      const c = this.store.getCustomer(id);
      this.modal.close();
      showToast(`Tags of "${c ? c.name : ''}" saved.`);
      this.actions.tagsChanged(); // the counts
    } catch (err) {
      this.busy = false;
      routeError(err, {
        forbidden: (e) => {
          this.modal.close();
          toastMessage(e);
        },
        not_found: (e) => {
          this.modal.close();
          this.store.removeCustomer(id);
          toastMessage(e);
        },
        other: (e) => this.errors.show(e.fields, e.message),
      });
    } finally {
      setBusy(this.saveBtn, false);
    }
  }
}
