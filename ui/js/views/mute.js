// @ts-check
// Muting from the window: a customer's mute menu (its row, its detail dialog), the bulk bar's
// mute for the selected customers (mute_customers), and the header's "Mute all notifications
// for 1 h" / "Unmute notifications" (this computer's desktop notifications; alert channels go
// on), which is also what the tray offers, for desktops without one. Tells the store what it
// set so rows and the detail follow at once; customers-changed reloads the truth after. Owns
// the header button and the calls; the menu itself is components/quiet.js's.
import { invoke } from '../api.js';
import { byId } from '../lib/dom.js';
import { whileBusy } from '../lib/busy.js';
import { toastError } from '../lib/errors.js';
import { formatCount, formatWhen } from '../lib/format.js';
import { LatestReply } from '../lib/latest.js';
import { showToast } from '../lib/toast.js';
import { MuteMenu, quietNow } from '../components/quiet.js';

/** @import { Store } from '../store.js' */
/** @import { Customer, TrayStatus } from '../types' */
/** @import { MuteChoice } from '../components/quiet.js' */

const HOUR_MS = 3600_000;

/** "until 14:00" / "until you unmute". @param {string | null} until */
const untilText = (until) => (until ? `until ${formatWhen(until)}` : 'until you unmute');

/** @param {number} n */
const customers = (n) => (n === 1 ? '1 customer' : `${formatCount(n)} customers`);

export class MuteActions {
  /** @param {Store} store */
  constructor(store) {
    this.store = store;
    this.menu = new MuteMenu();
    this.allBtn = byId('mute-all-button', HTMLButtonElement);
    /** Every desktop notification muted: until when (null: until unmuted); undefined: not muted. @type {string | null | undefined} */
    this.allUntil = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.expire = undefined;
    this.loads = new LatestReply();
    this.allBtn.addEventListener('click', () => this.#toggleAll());
    store.on('session-changed', ({ session }) => {
      if (!session) this.reset();
    });
  }

  /** Forgets the state shown (lock, logout). */
  reset() {
    this.loads.invalidate();
    this.menu.close(false);
    this.#renderAll(undefined);
  }

  /**
   * The tray's model as the window shows it (at login): whether every notification is muted,
   * and whether this computer is offline.
   */
  async load() {
    const current = this.loads.begin();
    try {
      const status = await invoke('tray_status');
      if (!current()) return;
      this.#renderAll(status.muted ? status.mutedUntil : undefined);
      this.store.setOffline(status.offlineSince);
    } catch (err) {
      console.warn('Could not load the mute state:', err);
    }
  }

  /**
   * A customer's mute menu, under `opener`.
   * @param {Customer} customer
   * @param {HTMLElement} opener
   */
  openFor(customer, opener) {
    const q = quietNow(customer);
    this.menu.open(opener, {
      canUnmute: !!q && q.kind === 'muted',
      pick: (choice) => this.#customer(customer, choice),
    });
  }

  /**
   * The bulk bar's mute menu for `ids`.
   * @param {string[]} ids
   * @param {HTMLElement} opener
   */
  openForMany(ids, opener) {
    const muted = ids.filter((id) => quietNow(this.store.getCustomer(id))?.kind === 'muted');
    this.menu.open(opener, {
      canUnmute: muted.length > 0,
      pick: (choice) => this.#many(ids, muted, choice),
    });
  }

  /**
   * @param {Customer} customer
   * @param {MuteChoice} choice
   */
  async #customer(customer, choice) {
    const scope = /** @type {const} */ ({ kind: 'customer', id: String(customer.id) });
    try {
      if ('unmute' in choice) {
        await invoke('unmute', { scope });
        this.#show(customer.id, null);
        showToast(`"${customer.name}" is no longer muted.`);
        return;
      }
      const until = await invoke('mute', { scope, hours: choice.hours });
      this.#show(customer.id, { kind: 'muted', until, note: null });
      showToast(`"${customer.name}" is muted ${untilText(until)}.`);
    } catch (err) {
      toastError(err, `Could not change the mute of "${customer.name}": `);
    }
  }

  /**
   * @param {string[]} ids
   * @param {string[]} muted  those of them muted now
   * @param {MuteChoice} choice
   */
  async #many(ids, muted, choice) {
    try {
      if ('unmute' in choice) {
        let done = 0;
        for (const id of muted) {
          await invoke('unmute', { scope: { kind: 'customer', id } });
          this.#show(id, null);
          done += 1;
        }
        showToast(`${customers(done)} no longer muted.`);
        return;
      }
      const n = await invoke('mute_customers', { customerIds: ids, hours: choice.hours });
      const until = choice.hours === null ? null : new Date(Date.now() + choice.hours * HOUR_MS).toISOString();
      for (const id of ids) this.#show(id, { kind: 'muted', until, note: null });
      showToast(`${customers(n)} muted ${untilText(until)}.`);
    } catch (err) {
      toastError(err, 'Could not mute the selected customers: ');
    }
  }

  /**
   * What a row shows at once after a mute or unmute; a maintenance window in force stays
   * shown (the core ranks it first), and customers-changed brings the rest.
   * @param {string} id
   * @param {Customer['quiet']} quiet
   */
  #show(id, quiet) {
    if (quietNow(this.store.getCustomer(id))?.kind === 'maintenance') return;
    this.store.setQuiet(id, quiet);
  }

  /** The header button: mute every desktop notification for 1 h, or unmute them. */
  async #toggleAll() {
    if (this.allBtn.disabled) return;
    await whileBusy(this.allBtn, undefined, async () => {
      // An answer of tray_status still on its way predates this change.
      this.loads.invalidate();
      try {
        if (this.allUntil !== undefined) {
          await invoke('unmute', { scope: { kind: 'all' } });
          this.#renderAll(undefined);
          showToast('Desktop notifications are on again.');
        } else {
          const until = await invoke('mute', { scope: { kind: 'all' }, hours: 1 });
          this.#renderAll(until);
          showToast(`All desktop notifications are muted ${untilText(until)}. Alert channels still send.`);
        }
      } catch (err) {
        toastError(err, 'Could not change the notifications: ');
      }
    });
  }

  /**
   * @param {TrayStatus['mutedUntil'] | undefined} until  undefined: not muted
   */
  #renderAll(until) {
    clearTimeout(this.expire);
    this.expire = undefined;
    const end = until ? Date.parse(until) : NaN;
    if (until !== undefined && until !== null && !(end > Date.now())) until = undefined;
    this.allUntil = until;
    const muted = until !== undefined;
    this.allBtn.textContent = muted ? `Notifications muted ${untilText(until ?? null)} · Unmute` : 'Mute all notifications for 1 h';
    this.allBtn.setAttribute('aria-pressed', muted ? 'true' : 'false');
    this.allBtn.title = muted
      ? 'Desktop notifications are muted on this computer (alert channels still send). Click to unmute.'
      : "Silence this computer's desktop notifications for an hour; alert channels still send.";
    // Back to "Mute all …" when the hour is over.
    if (Number.isFinite(end) && end > Date.now()) {
      this.expire = setTimeout(() => this.#renderAll(undefined), Math.min(end - Date.now() + 500, 2 ** 31 - 1));
    }
  }
}
