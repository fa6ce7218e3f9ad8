// The pop-up toast (#toast): role=status, aria-live=polite, auto-hides after ~4 s.
import { byId } from '../dom.js';

const HIDE_AFTER_MS = 4000;
let timer = null;

function hide() {
  const toast = byId('toast');
  clearTimeout(timer);
  timer = null;
  toast.classList.remove('is-visible');
  byId('toast-message').textContent = '';
}

/** kind: 'success' | 'info' | 'error' */
export function showToast(message, kind = 'success') {
  const toast = byId('toast');
  clearTimeout(timer);
  toast.dataset.kind = kind;
  toast.classList.add('is-visible');
  byId('toast-message').textContent = String(message);
  timer = setTimeout(hide, HIDE_AFTER_MS);
}

export function hideToast() {
  hide();
}

export function initToast() {
  byId('toast-close').addEventListener('click', hide);
}
