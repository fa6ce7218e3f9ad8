// @ts-check
// Customer Management › Tags (#tags-dialog, administrators): every tag with how many customers
// carry it; rename and recolour (update_tag), delete after saying what it leaves (delete_tag),
// and create (create_tag). Opened by #manage-tags-button. Owns this dialog; must never tag a
// customer (the tag editor and the bulk bar do).
import { invoke } from '../api.js';
import { byId, el } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { setBusy } from '../lib/busy.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { FieldErrors, setFieldError } from '../lib/form.js';
import { formatCount } from '../lib/format.js';
import { showToast } from '../lib/toast.js';
import { colourOf, colourPicker, pickedColour, tagChip } from '../components/tags.js';

/** @import { Store } from '../store.js' */
/** @import { Tag } from '../types' */

/** @param {number} n */
const customers = (n) => (n === 1 ? '1 customer' : `${formatCount(n)} customers`);

export class TagsDialog {
  /**
   * @param {Store} store
   * @param {{ changed: () => Promise<void> }} actions  changed: load the tags again (the page's)
   */
  constructor(store, actions) {
    this.store = store;
    this.actions = actions;
    this.list = byId('tags-list');
    this.newName = byId('tags-new-name', HTMLInputElement);
    this.newPicker = colourPicker('tags-new-colour');
    byId('tags-new-colours').append(this.newPicker);
    this.addBtn = byId('tags-add', HTMLButtonElement);
    this.errors = FieldErrors.of(byId('tags-error'), {
      name: { input: this.newName, error: byId('tags-new-name-error') },
      colour: { input: this.newPicker, error: byId('tags-new-colour-error') },
    });
    this.errors.clearOnEdit();
    this.busy = false;
    this.modal = new Modal(byId('tags-dialog', HTMLDialogElement), { canClose: () => !this.busy });
    const opener = byId('manage-tags-button', HTMLButtonElement);
    opener.addEventListener('click', () => this.open(opener));
    byId('tags-new-form', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      this.#create();
    });
    this.list.addEventListener('click', (e) => this.#click(e));
    this.list.addEventListener('input', (e) => this.#edited(e));
    this.list.addEventListener('change', (e) => this.#edited(e));
    this.list.addEventListener('submit', (e) => {
      e.preventDefault();
      const form = /** @type {Element} */ (e.target).closest('form[data-tag-id]');
      if (form instanceof HTMLFormElement) this.#save(form);
    });
    store.on('tags-changed', () => {
      if (this.modal.isOpen && !this.busy) this.#render();
    });
  }

  /** @param {HTMLElement} opener */
  open(opener) {
    this.errors.clear();
    this.newName.value = '';
    this.#render();
    this.modal.open(opener);
    this.newName.focus();
    this.actions.changed(); // the counts, fresh
  }

  /** Closes (lock, logout). */
  reset() {
    this.busy = false;
    this.modal.close();
  }

  #render() {
    const tags = this.store.tagList();
    byId('tags-empty').hidden = tags.length > 0;
    this.list.replaceChildren(...tags.map((t) => this.#row(t)));
  }

  /** One tag: its chip, name, colour, how many carry it, Save and Delete. @param {Tag} t */
  #row(t) {
    const id = String(t.id);
    const nameId = `tag-${id}-name`;
    return el('li', { class: 'tag-row', 'data-tag-id': id },
      el('form', { class: 'tag-row-form', 'data-tag-id': id, novalidate: true },
        el('span', { class: 'tag-row-chip' }, tagChip(t)),
        el('label', { class: 'visually-hidden', for: nameId, text: `Name of tag ${t.name}` }),
        el('input', { id: nameId, class: 'tag-row-name', name: 'name', type: 'text', value: t.name, maxlength: 40, autocomplete: 'off', spellcheck: 'false' }),
        colourPicker(`tag-${id}-colour`, colourOf(t.colour)),
        el('span', { class: 'tag-row-count', text: customers(Number(t.customers) || 0) }),
        el('span', { class: 'tag-row-buttons' },
          el('button', { type: 'submit', class: 'btn btn-secondary btn-small', 'data-act': 'save', disabled: true, text: 'Save' }),
          el('button', { type: 'button', class: 'btn btn-secondary btn-small tag-delete', 'data-act': 'delete', text: 'Delete', 'aria-label': `Delete tag ${t.name}` })),
        el('p', { class: 'field-error tag-row-error', id: `tag-${id}-error` }),
        el('div', { class: 'tag-row-confirm callout callout-warn', hidden: true },
          el('span', { text: `Delete "${t.name}"? It leaves ${customers(Number(t.customers) || 0)} and every technician's delegation by it. The customers stay.` }),
          el('button', { type: 'button', class: 'btn btn-danger btn-small', 'data-act': 'confirm-delete', text: 'Delete tag' }),
          el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-act': 'keep', text: 'Keep' }))));
  }

  /** A name or colour was edited: Save says so. @param {Event} e */
  #edited(e) {
    const form = /** @type {Element} */ (e.target).closest('form[data-tag-id]');
    if (!(form instanceof HTMLFormElement)) return;
    const tag = this.store.getTag(Number(form.dataset.tagId));
    const name = /** @type {HTMLInputElement} */ (form.querySelector('.tag-row-name'));
    const colour = pickedColour(/** @type {HTMLElement} */ (form.querySelector('.colour-picker')));
    const save = /** @type {HTMLButtonElement} */ (form.querySelector('[data-act="save"]'));
    save.disabled = !tag || (name.value.trim() === tag.name && colour === tag.colour);
    setFieldError(name, /** @type {HTMLElement} */ (form.querySelector('.tag-row-error')), '');
  }

  /** @param {MouseEvent} e */
  #click(e) {
    const btn = /** @type {Element} */ (e.target).closest('button[data-act]');
    const form = btn && btn.closest('form[data-tag-id]');
    if (!(btn instanceof HTMLButtonElement) || !(form instanceof HTMLFormElement) || this.busy) return;
    const confirm = /** @type {HTMLElement} */ (form.querySelector('.tag-row-confirm'));
    switch (btn.dataset.act) {
      case 'delete':
        confirm.hidden = false;
        /** @type {HTMLButtonElement} */ (confirm.querySelector('[data-act="keep"]')).focus();
        break;
      case 'keep':
        confirm.hidden = true;
        /** @type {HTMLButtonElement} */ (form.querySelector('[data-act="delete"]')).focus();
        break;
      case 'confirm-delete':
        this.#delete(form, btn);
        break;
      default: break;
    }
  }

  /** @param {HTMLFormElement} form */
  async #save(form) {
    const id = Number(form.dataset.tagId);
    const name = /** @type {HTMLInputElement} */ (form.querySelector('.tag-row-name'));
    const error = /** @type {HTMLElement} */ (form.querySelector('.tag-row-error'));
    const save = /** @type {HTMLButtonElement} */ (form.querySelector('[data-act="save"]'));
    const colour = pickedColour(/** @type {HTMLElement} */ (form.querySelector('.colour-picker')));
    this.busy = true;
    setBusy(save, true);
    try {
      const tag = await invoke('update_tag', { id, input: { name: name.value.trim(), colour } });
      this.busy = false;
      showToast(`Tag "${tag.name}" saved.`);
      await this.actions.changed();
    } catch (err) {
      this.busy = false;
      setBusy(save, false);
      routeError(err, {
        forbidden: (e) => this.#closeWith(e),
        not_found: (e) => {
          toastMessage(e);
          this.actions.changed();
        },
        other: (e) => {
          setFieldError(name, error, e.fields.name || e.fields.colour || e.message);
          name.focus();
        },
      });
    }
  }

  /**
   * @param {HTMLFormElement} form
   * @param {HTMLButtonElement} button
   */
  async #delete(form, button) {
    const id = Number(form.dataset.tagId);
    const tag = this.store.getTag(id);
    this.busy = true;
    setBusy(button, true);
    try {
      await invoke('delete_tag', { id });
      this.busy = false;
      showToast(`Tag "${tag ? tag.name : ''}" deleted.`);
      await this.actions.changed();
      this.newName.focus();
    } catch (err) {
      this.busy = false;
      setBusy(button, false);
      routeError(err, {
        forbidden: (e) => this.#closeWith(e),
        other: (e) => {
          const error = /** @type {HTMLElement} */ (form.querySelector('.tag-row-error'));
          error.textContent = e.message;
        },
      });
    }
  }

  async #create() {
    if (this.busy) return;
    this.errors.clear();
    this.busy = true;
    setBusy(this.addBtn, true);
    try {
      const tag = await invoke('create_tag', { input: { name: this.newName.value.trim(), colour: pickedColour(this.newPicker) } });
      this.busy = false;
      this.newName.value = '';
      showToast(`Tag "${tag.name}" created.`);
      await this.actions.changed();
      this.newName.focus();
    } catch (err) {
      this.busy = false;
      routeError(err, {
        forbidden: (e) => this.#closeWith(e),
        other: (e) => this.errors.show(e.fields, e.message),
      });
    } finally {
      setBusy(this.addBtn, false);
    }
  }

  /** @param {import('../api.js').ApiError} err */
  #closeWith(err) {
    this.modal.close();
    toastMessage(err);
  }
}
