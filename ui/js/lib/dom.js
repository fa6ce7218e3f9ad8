// @ts-check
// Building blocks for the DOM: find an element by id (typed), build HTML and SVG elements, clone
// the constant icons. Text only ever goes in through textContent (`text`, or text children);
// this module must never put anything but the constant markup of icons.js into innerHTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * The element with this id, checked to be a `type` (default: any HTMLElement). Throws when
 * index.html lacks it or it is of another kind, so a renamed id fails loudly at start-up.
 * @template {Element} [T=HTMLElement]
 * @param {string} id
 * @param {{ new (): T, prototype: T }} [type]
 * @returns {T}
 */
export function byId(id, type) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`Missing element #${id}`);
  const want = type ?? HTMLElement;
  if (!(node instanceof want)) throw new Error(`#${id} is a <${node.localName}>, not a ${want.name}`);
  return /** @type {T} */ (/** @type {Element} */ (node));
}

/** @typedef {string | number | boolean | null | undefined} AttrValue */
/**
 * `text` sets textContent, `class` the class list, `dataset` data-* attributes; any other key is
 * an attribute (`true` -> present and empty; null, undefined or false -> left out).
 * @typedef {{ text?: unknown, class?: string, dataset?: Record<string, string> } & Record<string, AttrValue | Record<string, string>>} Attrs
 */
/** @typedef {Node | string | number | null | undefined | false} Child */

/**
 * el('p', { class: 'x', dataset: { id: '1' }, text: 'hi' }, child, …)
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.className = String(value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

/**
 * An SVG element with attributes (and optional text, for <text> and <title>).
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {string} [text]
 * @returns {SVGElementTagNameMap[K]}
 */
export function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * @param {Element} node
 * @param {Child[]} children
 */
function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** @type {Map<string, HTMLTemplateElement>} */
const svgCache = new Map();

/**
 * A fresh copy of one of icons.js's constant SVGs (parsed once, then cloned).
 * @param {string} markup  constant markup from icons.js only, never user data
 * @returns {SVGElement}
 */
export function svg(markup) {
  let tpl = svgCache.get(markup);
  if (!tpl) {
    tpl = document.createElement('template');
    tpl.innerHTML = markup.trim();
    svgCache.set(markup, tpl);
  }
  const first = tpl.content.firstElementChild;
  if (!(first instanceof SVGElement)) throw new Error('icon markup is not an <svg>');
  return /** @type {SVGElement} */ (first.cloneNode(true));
}

/**
 * Gives focus back to `node` if it is still on screen (the row may be gone, the page hidden).
 * @param {Element | null | undefined} node
 */
export function restoreFocus(node) {
  if (node instanceof HTMLElement && document.contains(node) && !node.closest('[hidden]')) {
    try {
      node.focus();
    } catch {
      /* focus is a courtesy */
    }
  }
}
