// @ts-check
// Field errors of forms: the message under its field with aria-invalid and aria-describedby on
// the input, the core's `fields` spread over a form's fields, what has no field in the form's
// error line. Owns the error display only; must never validate or submit anything.

/**
 * Shows (or, with '', clears) a field's error.
 * @param {HTMLElement} input
 * @param {HTMLElement} errorEl  holds the message; its id goes into aria-describedby
 * @param {string} [message]
 */
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

/**
 * A form field: its input, the element holding its error, and what gets focus when it is wrong
 * (default: the input).
 * @typedef {{ input: HTMLElement, error: HTMLElement, focus?: HTMLElement }} Field
 */

/** The error display of one form. */
export class FieldErrors {
  /**
   * @param {HTMLElement} formError  where messages without a field go
   * @param {(key: string) => Field | undefined} lookup  the field a key (of `fields`) names
   * @param {() => Iterable<Field>} all  every field, for clear()
   */
  constructor(formError, lookup, all) {
    this.formError = formError;
    this.lookup = lookup;
    this.all = all;
    /** The fixed fields, when made with of(). @type {Record<string, Field>} */
    this.fields = {};
  }

  /**
   * For a form whose fields are fixed: key -> field.
   * @param {HTMLElement} formError
   * @param {Record<string, Field>} fields
   */
  static of(formError, fields) {
    const errors = new FieldErrors(formError, (key) => (Object.hasOwn(fields, key) ? fields[key] : undefined), () => Object.values(fields));
    errors.fields = fields;
    return errors;
  }

  /** Clears every field's error and the form's. */
  clear() {
    for (const f of this.all()) setFieldError(f.input, f.error, '');
    this.formError.textContent = '';
  }

  /** Clears one field's error. @param {string} key */
  clearField(key) {
    const f = this.lookup(key);
    if (f) setFieldError(f.input, f.error, '');
  }

  /**
   * Puts each message under its field; messages for no field of this form go to the form error,
   * and `fallback` goes there when no field got one. Focuses the first wrong field.
   * @param {Record<string, string>} fields  key -> message (the core's `fields`, or the form's own checks)
   * @param {string} [fallback]
   * @returns {HTMLElement | null}  what got focus, null when no field had an error
   */
  show(fields, fallback) {
    /** @type {HTMLElement | null} */
    let first = null;
    const other = [];
    for (const [key, msg] of Object.entries(fields)) {
      const f = this.lookup(key);
      if (f) {
        setFieldError(f.input, f.error, msg);
        first = first || f.focus || f.input;
      } else {
        other.push(msg);
      }
    }
    if (other.length) this.formError.textContent = other.join(' ');
    else if (!first && fallback) this.formError.textContent = fallback;
    if (first) first.focus();
    return first;
  }

  /** Clears a fixed field's error as soon as the user edits it (select: on change). */
  clearOnEdit() {
    for (const f of Object.values(this.fields)) {
      const type = f.input instanceof HTMLSelectElement ? 'change' : 'input';
      f.input.addEventListener(type, () => setFieldError(f.input, f.error, ''));
    }
  }
}
