// @ts-check
// Busy buttons: while a call runs its button is disabled and aria-busy, and may say so
// ("Saving…"). Owns only the button's state; must never decide what the call does.

/** @typedef {{ busy: string, idle: string }} BusyLabels */

/**
 * @param {HTMLButtonElement} button
 * @param {boolean} busy
 * @param {BusyLabels} [labels]  the texts while busy and after; without them the text stays
 */
export function setBusy(button, busy, labels) {
  button.disabled = busy;
  if (busy) button.setAttribute('aria-busy', 'true');
  else button.removeAttribute('aria-busy');
  if (labels) button.textContent = busy ? labels.busy : labels.idle;
}

/**
 * Runs `task` with `button` busy, and frees the button whatever the outcome.
 * @template T
 * @param {HTMLButtonElement} button
 * @param {BusyLabels | undefined} labels
 * @param {() => Promise<T>} task
 * @returns {Promise<T>}
 */
export async function whileBusy(button, labels, task) {
  setBusy(button, true, labels);
  try {
    return await task();
  } finally {
    setBusy(button, false, labels);
  }
}
