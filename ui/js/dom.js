// Tiny DOM helpers. User-controlled text only ever goes through textContent
// (el(), setText()) or escapeHtml(); never innerHTML.

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`Missing element #${id}`);
  return node;
}

/** el('p', {class: 'x', dataset: {id: 1}, text: 'hi'}, child...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function setText(node, text) {
  node.textContent = text == null ? '' : String(text);
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Parse a constant, trusted SVG string (never user data) into a node. */
const svgCache = new Map();
export function svg(markup) {
  let tpl = svgCache.get(markup);
  if (!tpl) {
    tpl = document.createElement('template');
    tpl.innerHTML = markup.trim(); // constant markup from icons.js only
    svgCache.set(markup, tpl);
  }
  return tpl.content.firstElementChild.cloneNode(true);
}

export function show(node, visible = true) {
  node.hidden = !visible;
}

/** Show a field error: message under the field, aria-invalid + aria-describedby on the input. */
export function setFieldError(input, errorEl, message) {
  const msg = message ? String(message) : '';
  errorEl.textContent = msg;
  const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
  if (msg) {
    input.setAttribute('aria-invalid', 'true');
    if (!ids.includes(errorEl.id)) ids.push(errorEl.id);
    input.setAttribute('aria-describedby', ids.join(' '));
  } else {
    input.removeAttribute('aria-invalid');
    const rest = ids.filter((x) => x !== errorEl.id);
    if (rest.length) input.setAttribute('aria-describedby', rest.join(' '));
    else input.removeAttribute('aria-describedby');
  }
}

/** Open a <dialog> modally (no-op if already open). */
export function openDialog(dialog) {
  if (!dialog.open) dialog.showModal();
}

export function closeDialog(dialog) {
  if (dialog.open) dialog.close();
}

/**
 * Wire [data-close] buttons and the Escape key of a dialog. canClose() may
 * return false (e.g. while a call is running) to keep the dialog open.
 */
export function wireDialogClose(dialog, canClose = () => true) {
  dialog.addEventListener('click', (e) => {
    const btn = e.target.closest('[data-close]');
    if (btn && dialog.contains(btn)) {
      e.preventDefault();
      if (canClose()) closeDialog(dialog);
    }
  });
  dialog.addEventListener('cancel', (e) => {
    if (!canClose()) e.preventDefault();
  });
}
