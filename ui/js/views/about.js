// @ts-check
// The About box (#about-dialog): product, version and build from app_info. Owns that dialog;
// must never call the core (app_info is already in the store).
import { byId } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';

/** @import { Store } from '../store.js' */

/**
 * @param {Store} store
 * @returns {() => void} opens the About box
 */
export function initAbout(store) {
  const modal = new Modal(byId('about-dialog', HTMLDialogElement), { backdropCloses: true });
  return function openAbout() {
    const info = store.info;
    byId('about-product').textContent = 'MSSP Console';
    byId('about-version').textContent = info && info.version ? String(info.version) : '–';
    byId('about-build').textContent = info && info.build != null ? String(info.build) : '–';
    modal.open();
    byId('about-close').focus();
  };
}
