// @ts-check
// The pop-up toast (#toast: role=status, aria-live=polite) that hides itself after ~4 s.
// Owns #toast only; messages go in as text, never as markup.
import { byId } from './dom.js';

const HIDE_AFTER_MS = 4000;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;

export function hideToast() {
  clearTimeout(timer);
  timer = undefined;
  byId('toast').classList.remove('is-visible');
  byId('toast-message').textContent = '';
}

/**
 * @param {string} message
 * @param {'success' | 'info' | 'error'} [kind]
 */
export function showToast(message, kind = 'success') {
  const toast = byId('toast');
  clearTimeout(timer);
  toast.dataset.kind = kind;
  toast.classList.add('is-visible');
  byId('toast-message').textContent = String(message);
  timer = setTimeout(hideToast, HIDE_AFTER_MS);
}

export function initToast() {
  byId('toast-close').addEventListener('click', hideToast);
}
