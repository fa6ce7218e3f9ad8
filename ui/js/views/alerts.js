// @ts-check
// Settings › Alert channels (#alerts-page, administrators): the mail and webhook channels
// (list_alert_channels) with Send test (send_test_alert: what the server said, shown on the
// channel's row), the delivery log per channel (alert_deliveries, #deliveries-dialog), the
// Add / change channel dialog (#channel-dialog, save_alert_channel; a password or signing secret
// goes in and never comes back), Delete (delete_alert_channel), and the routing rules: which
// events for which customers (all, a tag, a list) go to which channel (#rule-dialog,
// save_alert_rule / delete_alert_rule). The core's field errors go under the field that is
// wrong. Owns this page and its three dialogs; alerts themselves are sent by the core only.
import { invoke } from '../api.js';
import { byId, el, svg } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { whileBusy } from '../lib/busy.js';
import { confirmDelete } from '../lib/confirm.js';
import { routeError, toastMessage } from '../lib/errors.js';
import { FieldErrors } from '../lib/form.js';
import { formatFull, formatWhen } from '../lib/format.js';
import { LatestReply } from '../lib/latest.js';
import { showToast } from '../lib/toast.js';
import { PENCIL, TRASH } from '../icons.js';
import { tagChip } from '../components/tags.js';

/** @import { Store } from '../store.js' */
/** @import { AlertEvent, Channel, DeliveryRow, Rule, WebhookPreset } from '../types' */

/** The events a rule can send, in the words of the window. @type {Array<[AlertEvent, string]>} */
const EVENTS = [
  ['down', 'Customer down'],
  ['recovered', 'Customer recovered'],
  ['still_down', 'Still down (reminder, or a quiet time ended)'],
  ['certificate_changed', 'Certificate changed'],
  ['certificate_expiring', 'Certificate expiring'],
  ['instance_changed', 'Another instance answers'],
  ['sync_failing', 'Sync failing'],
  ['usage_alert', 'License usage alert'],
  ['offline', 'This computer offline'],
  ['online', 'This computer online again'],
];
const EVENT_NAME = new Map(/** @type {Array<[string, string]>} */ (EVENTS).concat([['test', 'Test']]));
/** @type {Record<WebhookPreset, string>} */
const PRESET_NAME = { generic: 'Webhook', slack: 'Slack', teams: 'Microsoft Teams' };
const OUTCOME_NAME = { delivered: 'Delivered', failed: 'Failed, will retry', gave_up: 'Gave up' };
const TEST_BUSY = { busy: 'Sending…', idle: 'Send test' };

/** "hooks.slack.com" from a URL (the whole text when it is not one). @param {string} url */
function hostOf(url) {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

/** @param {Channel} c */
function kindText(c) {
  return c.kind === 'email' ? 'E-mail' : PRESET_NAME[c.preset ?? 'generic'];
}

/** @param {Channel} c */
function destination(c) {
  return c.kind === 'email' ? c.to.join(', ') : hostOf(c.url);
}

export class AlertsPage {
  /** @param {Store} store */
  constructor(store) {
    this.store = store;
    this.page = byId('alerts-page');
    this.channelsBody = byId('channels-tbody', HTMLTableSectionElement);
    this.rulesBody = byId('rules-tbody', HTMLTableSectionElement);
    /** @type {Channel[]} */
    this.channels = [];
    /** @type {Rule[]} */
    this.rules = [];
    /** Channel id -> the last Send test's outcome, this session. @type {Map<number, { ok: boolean, text: string, at: string }>} */
    this.tests = new Map();
    this.loads = new LatestReply();
    this.saving = false;
    /** @type {Channel | null} */
    this.editingChannel = null;
    /** @type {Rule | null} */
    this.editingRule = null;
    /** The channel whose log is open. @type {number | null} */
    this.logChannel = null;
    this.logs = new LatestReply();
    this.channelForm = byId('channel-form', HTMLFormElement);
    this.channelSubmit = byId('chan-submit', HTMLButtonElement);
    this.channelModal = new Modal(byId('channel-dialog', HTMLDialogElement), { canClose: () => !this.saving });
    /** @type {(id: string) => HTMLInputElement} */
    const input = (id) => byId(id, HTMLInputElement);
    this.cf = {
      name: input('chan-name'), host: input('chan-host'), port: input('chan-port'),
      security: byId('chan-security', HTMLSelectElement), username: input('chan-username'),
      password: input('chan-password'), from: input('chan-from'), to: input('chan-to'),
      caPem: byId('chan-ca', HTMLTextAreaElement), preset: byId('chan-preset', HTMLSelectElement),
      url: input('chan-url'), secret: input('chan-secret'), enabled: input('chan-enabled'),
    };
    const f = this.cf;
    this.channelErrors = FieldErrors.of(byId('chan-form-error'), {
      name: { input: f.name, error: byId('chan-name-error') },
      host: { input: f.host, error: byId('chan-host-error') },
      port: { input: f.port, error: byId('chan-port-error') },
      username: { input: f.username, error: byId('chan-username-error') },
      password: { input: f.password, error: byId('chan-password-error') },
      from: { input: f.from, error: byId('chan-from-error') },
      to: { input: f.to, error: byId('chan-to-error') },
      caPem: { input: f.caPem, error: byId('chan-caPem-error') },
      url: { input: f.url, error: byId('chan-url-error') },
      secret: { input: f.secret, error: byId('chan-secret-error') },
    });
    this.ruleForm = byId('rule-form', HTMLFormElement);
    this.ruleSubmit = byId('rule-submit', HTMLButtonElement);
    this.ruleModal = new Modal(byId('rule-dialog', HTMLDialogElement), { canClose: () => !this.saving });
    this.ruleEvents = byId('rule-events');
    this.ruleEvents.replaceChildren(...EVENTS.map(([value, label]) => el('label', { class: 'check-item' },
      el('input', { type: 'checkbox', value }), ` ${label}`)));
    this.ruleChannel = byId('rule-channel', HTMLSelectElement);
    this.ruleTag = byId('rule-tag', HTMLSelectElement);
    this.ruleCustomers = byId('rule-customers', HTMLSelectElement);
    this.ruleSync = byId('rule-sync', HTMLInputElement);
    this.ruleErrors = FieldErrors.of(byId('rule-form-error'), {
      events: { input: this.ruleEvents, error: byId('rule-events-error'), focus: /** @type {HTMLElement} */ (this.ruleEvents.querySelector('input')) },
      syncFailures: { input: this.ruleSync, error: byId('rule-syncFailures-error') },
      tagId: { input: this.ruleTag, error: byId('rule-tagId-error') },
      customerIds: { input: this.ruleCustomers, error: byId('rule-customerIds-error') },
      channelId: { input: this.ruleChannel, error: byId('rule-channelId-error') },
    });
    this.#initChannelDialog();
    this.#initRuleDialog();
    this.logModal = new Modal(byId('deliveries-dialog', HTMLDialogElement));
    this.logModal.dialog.addEventListener('close', () => {
      this.logChannel = null;
      this.logs.invalidate();
    });
    byId('deliveries-refresh').addEventListener('click', () => this.#loadLog());
    byId('add-channel-button').addEventListener('click', (e) => this.#openChannel(null, /** @type {HTMLElement} */ (e.currentTarget)));
    byId('add-rule-button').addEventListener('click', (e) => this.#openRule(null, /** @type {HTMLElement} */ (e.currentTarget)));
    this.channelsBody.addEventListener('click', (e) => this.#channelClick(e));
    this.rulesBody.addEventListener('click', (e) => this.#ruleClick(e));
    store.on('tags-changed', () => {
      if (this.#visible()) this.#renderRules();
    });
  }

  #visible() {
    return !this.page.hidden && !this.page.closest('[hidden]');
  }

  /** Settings › Alert channels was shown. */
  shown() {
    if (this.store.isAdmin) this.load();
  }

  /** Forgets everything (lock, logout). */
  reset() {
    this.loads.invalidate();
    this.logs.invalidate();
    this.channels = [];
    this.rules = [];
    this.tests.clear();
    this.saving = false;
    this.channelModal.close();
    this.ruleModal.close();
    this.logModal.close();
    this.channelsBody.replaceChildren();
    this.rulesBody.replaceChildren();
    byId('channels-error').textContent = '';
    byId('channels-empty').hidden = true;
    byId('rules-empty').hidden = true;
    byId('channels-loading').hidden = true;
  }

  async load() {
    const current = this.loads.begin();
    byId('channels-loading').hidden = this.channels.length > 0;
    try {
      const [channels, rules] = await Promise.all([invoke('list_alert_channels'), invoke('list_alert_rules')]);
      if (!current()) return;
      this.channels = channels;
      this.rules = rules;
      byId('channels-error').textContent = '';
      this.#renderChannels();
      this.#renderRules();
    } catch (err) {
      if (!current()) return;
      routeError(err, { other: (e) => { byId('channels-error').textContent = `Could not load the alert channels: ${e.message}`; } });
    } finally {
      if (current()) byId('channels-loading').hidden = true;
    }
  }

  // ---------------------------------------------------------------- channels table

  #renderChannels() {
    const rows = this.channels.map((c) => {
      const test = this.tests.get(/** @type {number} */ (c.id));
      const testCell = el('td', { class: 'col-ctest' });
      if (test) {
        testCell.append(el('span', { class: 'test-outcome', 'data-ok': test.ok ? 'true' : 'false', title: `${formatFull(test.at)}: ${test.text}`, text: `${test.ok ? '✓' : '✗'} ${test.text}` }));
      }
      const id = String(c.id);
      return el('tr', { class: 'channel-row', 'data-id': id, 'data-channel-name': c.name },
        el('td', { class: 'col-cname' },
          el('span', { class: 'channel-name', text: c.name }),
          c.enabled ? null : el('span', { class: 'channel-off', text: 'off' })),
        el('td', { class: 'col-ckind', text: kindText(c) }),
        el('td', { class: 'col-cdest', text: destination(c), title: c.kind === 'email' ? destination(c) : c.url }),
        testCell,
        el('td', { class: 'col-cactions' },
          el('div', { class: 'row-actions' },
            el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-action': 'test', 'data-id': id, text: 'Send test' }),
            el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-action': 'log', 'data-id': id, text: 'Delivery log' }),
            el('button', { type: 'button', class: 'icon-button', 'data-action': 'edit', 'data-id': id, 'aria-label': `Change ${c.name}`, title: 'Change' }, svg(PENCIL)),
            el('button', { type: 'button', class: 'icon-button', 'data-action': 'delete', 'data-id': id, 'aria-label': `Delete ${c.name}`, title: 'Delete' }, svg(TRASH)))));
    });
    this.channelsBody.replaceChildren(...rows);
    byId('channels-empty').hidden = this.channels.length > 0;
    byId('add-rule-button', HTMLButtonElement).disabled = this.channels.length === 0;
  }

  /** @param {MouseEvent} e */
  #channelClick(e) {
    const btn = /** @type {Element} */ (e.target).closest('button[data-action]');
    if (!(btn instanceof HTMLButtonElement)) return;
    const c = this.channels.find((x) => String(x.id) === btn.dataset.id);
    if (!c) return;
    switch (btn.dataset.action) {
      case 'test': this.#sendTest(c, btn); break;
      case 'log': this.#openLog(c, btn); break;
      case 'edit': this.#openChannel(c, btn); break;
      case 'delete':
        confirmDelete({
          title: 'Delete alert channel',
          text: `Delete "${c.name}"? Its routing rules and delivery log go with it.`,
          confirm: 'Delete channel',
          opener: btn,
          action: async () => {
            await invoke('delete_alert_channel', { id: /** @type {number} */ (c.id) });
            this.channels = this.channels.filter((x) => x.id !== c.id);
            this.rules = this.rules.filter((r) => r.channelId !== c.id);
            this.#renderChannels();
            this.#renderRules();
            showToast(`Alert channel "${c.name}" deleted.`);
          },
        });
        break;
      default: break;
    }
  }

  /**
   * Send test: the server's answer (or why it failed) on the row, and in a toast.
   * @param {Channel} c
   * @param {HTMLButtonElement} btn
   */
  async #sendTest(c, btn) {
    if (btn.disabled) return;
    const id = /** @type {number} */ (c.id);
    await whileBusy(btn, TEST_BUSY, async () => {
      try {
        const said = await invoke('send_test_alert', { channelId: id });
        this.tests.set(id, { ok: true, text: said || 'Delivered', at: new Date().toISOString() });
        showToast(`Test sent to "${c.name}": ${said}`);
      } catch (err) {
        routeError(err, {
          forbidden: toastMessage,
          other: (e) => {
            this.tests.set(id, { ok: false, text: e.message, at: new Date().toISOString() });
            showToast(`Test to "${c.name}" failed: ${e.message}`, 'error');
          },
        });
      }
    });
    this.#renderChannels();
    const again = this.channelsBody.querySelector(`button[data-action="test"][data-id="${id}"]`);
    if (again instanceof HTMLElement) again.focus();
  }

  // ---------------------------------------------------------------- delivery log

  /**
   * @param {Channel} c
   * @param {HTMLElement} opener
   */
  #openLog(c, opener) {
    this.logChannel = /** @type {number} */ (c.id);
    byId('deliveries-title').textContent = `Delivery log: ${c.name}`;
    byId('deliveries-tbody').replaceChildren();
    byId('deliveries-empty').hidden = true;
    byId('deliveries-error').textContent = '';
    this.logModal.open(opener);
    this.#loadLog();
  }

  async #loadLog() {
    if (this.logChannel === null) return;
    const current = this.logs.begin();
    try {
      const rows = await invoke('alert_deliveries', { channelId: this.logChannel });
      if (!current()) return;
      this.#renderLog(rows);
    } catch (err) {
      if (!current()) return;
      routeError(err, { other: (e) => { byId('deliveries-error').textContent = e.message; } });
    }
  }

  /** @param {DeliveryRow[]} rows */
  #renderLog(rows) {
    byId('deliveries-tbody').replaceChildren(...rows.map((d) => el('tr', { 'data-outcome': d.outcome },
      el('td', { class: 'col-dat', text: formatWhen(d.at), title: formatFull(d.at) }),
      el('td', { class: 'col-devent', text: EVENT_NAME.get(d.event) ?? d.event }),
      el('td', { class: 'col-dattempt', text: String(d.attempt) }),
      el('td', { class: 'col-doutcome' }, el('span', { class: 'delivery-outcome', 'data-outcome': d.outcome, text: OUTCOME_NAME[d.outcome] ?? d.outcome })),
      el('td', { class: 'col-ddetail', text: d.detail, title: d.detail }))));
    byId('deliveries-empty').hidden = rows.length > 0;
  }

  // ---------------------------------------------------------------- channel dialog

  #initChannelDialog() {
    const f = this.cf;
    this.channelErrors.clearOnEdit();
    for (const r of this.channelForm.querySelectorAll('input[name="kind"]')) r.addEventListener('change', () => this.#renderChannelKind());
    // The usual port follows the encryption while the port is one of the usual ones.
    f.security.addEventListener('change', () => {
      if (f.port.value === '' || f.port.value === '587' || f.port.value === '465') f.port.value = f.security.value === 'tls' ? '465' : '587';
    });
    this.channelForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#saveChannel();
    });
  }

  #channelKind() {
    return byId('chan-kind-webhook', HTMLInputElement).checked ? 'webhook' : 'email';
  }

  #renderChannelKind() {
    const webhook = this.#channelKind() === 'webhook';
    byId('chan-email').hidden = webhook;
    byId('chan-webhook').hidden = !webhook;
  }

  /**
   * @param {Channel | null} c  null: a new channel
   * @param {HTMLElement} opener
   */
  #openChannel(c, opener) {
    this.editingChannel = c;
    this.saving = false;
    this.channelErrors.clear();
    const f = this.cf;
    byId('channel-dialog-title').textContent = c ? `Change channel "${c.name}"` : 'Add channel';
    this.channelSubmit.textContent = c ? 'Save' : 'Add channel';
    byId(`chan-kind-${c ? c.kind : 'email'}`, HTMLInputElement).checked = true;
    f.name.value = c ? c.name : '';
    f.host.value = c ? c.host : '';
    f.port.value = c && c.port ? String(c.port) : '587';
    f.security.value = (c && c.security) || 'starttls';
    f.username.value = c ? c.username : '';
    f.from.value = c ? c.from : '';
    f.to.value = c ? c.to.join(', ') : '';
    f.caPem.value = (c && c.caPem) || '';
    f.preset.value = (c && c.preset) || 'generic';
    f.url.value = c ? c.url : '';
    f.enabled.checked = c ? c.enabled : true;
    const kept = !!c && c.hasSecret;
    for (const secret of [f.password, f.secret]) {
      secret.value = '';
      secret.placeholder = kept ? 'Kept: type to replace' : '';
    }
    this.#renderChannelKind();
    this.channelModal.open(opener);
    f.name.focus();
  }

  async #saveChannel() {
    if (this.saving) return;
    this.channelErrors.clear();
    const f = this.cf;
    const kind = this.#channelKind();
    const port = f.port.value.trim();
    if (kind === 'email' && !/^\d{1,5}$/.test(port)) {
      this.channelErrors.show({ port: 'Enter the port as a number, e.g. 587.' });
      return;
    }
    const old = this.editingChannel;
    /** @type {Channel} */
    const channel = {
      id: old ? old.id : null,
      name: f.name.value.trim(),
      kind,
      enabled: f.enabled.checked,
      host: f.host.value.trim(),
      port: kind === 'email' ? Number(port) : 0,
      security: kind === 'email' ? /** @type {Channel['security']} */ (f.security.value) : null,
      username: f.username.value.trim(),
      from: f.from.value.trim(),
      to: f.to.value.split(/[,;\s]+/).map((x) => x.trim()).filter(Boolean),
      caPem: f.caPem.value.trim() || null,
      url: f.url.value.trim(),
      preset: kind === 'webhook' ? /** @type {WebhookPreset} */ (f.preset.value) : null,
      hasSecret: false,
    };
    const typed = kind === 'email' ? f.password.value : f.secret.value;
    // Nothing typed keeps the kept secret; a new channel without one has none.
    /** @type {{ channel: Channel, secret?: string }} */
    const args = typed ? { channel, secret: typed } : { channel };
    this.saving = true;
    try {
      await whileBusy(this.channelSubmit, undefined, async () => {
        try {
          const saved = await invoke('save_alert_channel', args);
          this.saving = false;
          this.channelModal.close();
          const i = this.channels.findIndex((x) => x.id === saved.id);
          if (i >= 0) this.channels[i] = saved;
          else this.channels.push(saved);
          this.#renderChannels();
          this.#renderRules();
          showToast(old ? `Alert channel "${saved.name}" saved.` : `Alert channel "${saved.name}" added. Press Send test to try it.`);
        } catch (err) {
          routeError(err, {
            validation: (e) => this.channelErrors.show(e.fields, e.message),
            forbidden: toastMessage,
            other: (e) => { byId('chan-form-error').textContent = e.message; },
          });
        }
      });
    } finally {
      this.saving = false;
    }
  }

  // ---------------------------------------------------------------- routing rules

  #renderRules() {
    const rows = this.rules.map((r) => {
      const channel = this.channels.find((c) => c.id === r.channelId);
      const events = r.events.map((e) => (e === 'sync_failing' ? `${EVENT_NAME.get(e)} (${r.syncFailures}× in a row)` : EVENT_NAME.get(e) ?? e));
      const id = String(r.id);
      return el('tr', { class: 'rule-row', 'data-id': id },
        el('td', { class: 'col-revents', text: events.join(', ') }),
        el('td', { class: 'col-rscope' }, this.#scopeText(r)),
        el('td', { class: 'col-rchannel', text: channel ? channel.name : '—' }),
        el('td', { class: 'col-ractions' },
          el('div', { class: 'row-actions' },
            el('button', { type: 'button', class: 'icon-button', 'data-action': 'edit', 'data-id': id, 'aria-label': 'Change rule', title: 'Change' }, svg(PENCIL)),
            el('button', { type: 'button', class: 'icon-button', 'data-action': 'delete', 'data-id': id, 'aria-label': 'Delete rule', title: 'Delete' }, svg(TRASH)))));
    });
    this.rulesBody.replaceChildren(...rows);
    byId('rules-empty').hidden = this.rules.length > 0;
  }

  /** @param {Rule} r */
  #scopeText(r) {
    if (r.scope === 'tag') {
      const tag = r.tagId === null ? null : this.store.getTag(r.tagId);
      return tag ? el('span', {}, 'Tagged ', tagChip(tag, { small: true })) : el('span', { text: 'A deleted tag' });
    }
    if (r.scope === 'customers') {
      const names = r.customerIds.map((id) => this.store.getCustomer(id)?.name ?? 'a customer not listed');
      return el('span', { text: names.join(', '), title: names.join(', ') });
    }
    return el('span', { text: 'All customers' });
  }

  /** @param {MouseEvent} e */
  #ruleClick(e) {
    const btn = /** @type {Element} */ (e.target).closest('button[data-action]');
    if (!(btn instanceof HTMLButtonElement)) return;
    const r = this.rules.find((x) => String(x.id) === btn.dataset.id);
    if (!r) return;
    if (btn.dataset.action === 'edit') {
      this.#openRule(r, btn);
      return;
    }
    confirmDelete({
      title: 'Delete routing rule',
      text: 'Delete this rule? Its events stop going to its channel.',
      confirm: 'Delete rule',
      opener: btn,
      action: async () => {
        await invoke('delete_alert_rule', { id: /** @type {number} */ (r.id) });
        this.rules = this.rules.filter((x) => x.id !== r.id);
        this.#renderRules();
        showToast('Routing rule deleted.');
      },
    });
  }

  #initRuleDialog() {
    this.ruleErrors.clearOnEdit();
    this.ruleEvents.addEventListener('change', () => {
      this.ruleErrors.clearField('events');
      this.#renderRuleParts();
    });
    for (const r of this.ruleForm.querySelectorAll('input[name="scope"]')) r.addEventListener('change', () => this.#renderRuleParts());
    this.ruleForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#saveRule();
    });
  }

  #ruleScope() {
    const on = this.ruleForm.querySelector('input[name="scope"]:checked');
    return /** @type {Rule['scope']} */ (on instanceof HTMLInputElement ? on.value : 'all');
  }

  #renderRuleParts() {
    const scope = this.#ruleScope();
    byId('rule-tag-row').hidden = scope !== 'tag';
    byId('rule-customers-row').hidden = scope !== 'customers';
    const sync = this.ruleEvents.querySelector('input[value="sync_failing"]');
    byId('rule-sync-row').hidden = !(sync instanceof HTMLInputElement && sync.checked);
  }

  /**
   * @param {Rule | null} r  null: a new rule
   * @param {HTMLElement} opener
   */
  #openRule(r, opener) {
    this.editingRule = r;
    this.saving = false;
    this.ruleErrors.clear();
    byId('rule-dialog-title').textContent = r ? 'Change rule' : 'Add rule';
    this.ruleSubmit.textContent = r ? 'Save' : 'Add rule';
    const events = new Set(r ? r.events : ['down', 'recovered']);
    for (const box of this.ruleEvents.querySelectorAll('input')) box.checked = events.has(/** @type {AlertEvent} */ (box.value));
    this.ruleSync.value = String(r ? r.syncFailures : 3);
    byId(`rule-scope-${r ? r.scope : 'all'}`, HTMLInputElement).checked = true;
    this.ruleChannel.replaceChildren(...this.channels.map((c) => el('option', { value: String(c.id), text: `${c.name} (${kindText(c)})` })));
    if (r) this.ruleChannel.value = String(r.channelId);
    const tags = this.store.tagList();
    this.ruleTag.replaceChildren(...(tags.length
      ? tags.map((t) => el('option', { value: String(t.id), text: t.name }))
      : [el('option', { value: '', text: 'No tags yet' })]));
    if (r && r.tagId !== null) this.ruleTag.value = String(r.tagId);
    const chosen = new Set(r ? r.customerIds : []);
    this.ruleCustomers.replaceChildren(...this.store.sortedCustomers().map((c) => el('option', { value: String(c.id), text: String(c.name), selected: chosen.has(String(c.id)) })));
    this.#renderRuleParts();
    this.ruleModal.open(opener);
    /** @type {HTMLElement | null} */ (this.ruleEvents.querySelector('input'))?.focus();
  }

  async #saveRule() {
    if (this.saving) return;
    this.ruleErrors.clear();
    const scope = this.#ruleScope();
    const events = Array.from(this.ruleEvents.querySelectorAll('input')).filter((b) => b.checked).map((b) => /** @type {AlertEvent} */ (b.value));
    /** @type {Record<string, string>} */
    const own = {};
    if (!events.length) own.events = 'Choose at least one event.';
    const sync = this.ruleSync.value.trim();
    if (events.includes('sync_failing') && !/^\d+$/.test(sync)) own.syncFailures = 'Enter a whole number, e.g. 3.';
    if (!this.ruleChannel.value) own.channelId = 'Add a channel first.';
    if (scope === 'tag' && !this.ruleTag.value) own.tagId = 'Choose a tag.';
    if (Object.keys(own).length) {
      this.ruleErrors.show(own);
      return;
    }
    /** @type {Rule} */
    const rule = {
      id: this.editingRule ? this.editingRule.id : null,
      channelId: Number(this.ruleChannel.value),
      events,
      scope,
      tagId: scope === 'tag' ? Number(this.ruleTag.value) : null,
      customerIds: scope === 'customers' ? Array.from(this.ruleCustomers.selectedOptions).map((o) => o.value) : [],
      syncFailures: /^\d+$/.test(sync) ? Number(sync) : 3,
    };
    this.saving = true;
    try {
      await whileBusy(this.ruleSubmit, undefined, async () => {
        try {
          const saved = await invoke('save_alert_rule', { rule });
          this.saving = false;
          this.ruleModal.close();
          const i = this.rules.findIndex((x) => x.id === saved.id);
          if (i >= 0) this.rules[i] = saved;
          else this.rules.push(saved);
          this.#renderRules();
          showToast(rule.id === null ? 'Routing rule added.' : 'Routing rule saved.');
        } catch (err) {
          routeError(err, {
            validation: (e) => this.ruleErrors.show(e.fields, e.message),
            forbidden: toastMessage,
            other: (e) => { byId('rule-form-error').textContent = e.message; },
          });
        }
      });
    } finally {
      this.saving = false;
    }
  }
}
