// @ts-check
// The About box (#about-dialog): product, version and build from app_info; this computer's
// "Start MSSP Console when I log in"; and updates (check, the new version's notes, install on
// click). Owns that dialog. Settings the policy file manages are shown, disabled, with why.
import { byId } from '../lib/dom.js';
import { Modal } from '../lib/dialog.js';
import { invoke } from '../api.js';

/** @import { Store } from '../store.js' */
/** @import { DesktopSettings, UpdateCheck } from '../types' */

/**
 * @param {Store} store
 * @returns {() => void} opens the About box
 */
export function initAbout(store) {
  const modal = new Modal(byId('about-dialog', HTMLDialogElement), { backdropCloses: true });
  const autostart = byId('about-autostart', HTMLInputElement);
  const autostartNote = byId('about-autostart-note');
  const status = byId('about-update-status');
  const notes = byId('about-update-notes');
  const checkButton = byId('about-check-update', HTMLButtonElement);
  const installButton = byId('about-install-update', HTMLButtonElement);
  const NOTE = 'It starts in the tray, so monitoring runs from the moment you log in.';

  /** @param {UpdateCheck | null} check */
  function showUpdate(check) {
    notes.hidden = true;
    installButton.hidden = true;
    if (!check) {
      status.textContent = '';
      return;
    }
    switch (check.status) {
      case 'available':
        status.textContent = `MSSP Console ${check.version} is available (you have ${check.currentVersion}).`;
        if (check.notes) {
          notes.textContent = check.notes;
          notes.hidden = false;
        }
        installButton.hidden = false;
        break;
      case 'upToDate':
        status.textContent = `MSSP Console ${check.version} is the newest version.`;
        break;
      case 'couldNotCheck':
      case 'disabled':
        status.textContent = check.message;
        break;
    }
  }

  /** @param {DesktopSettings} s */
  function showSettings(s) {
    autostart.checked = s.startAtLogin;
    autostart.disabled = s.startAtLoginManaged;
    autostartNote.textContent = s.startAtLoginManaged
      ? `Managed by your organisation${s.policyFile ? ` (${s.policyFile})` : ''}: starting at login is turned off.`
      : NOTE;
    checkButton.hidden = s.updateChecksOff != null;
    if (s.updateChecksOff != null) showUpdate({ status: 'disabled', message: s.updateChecksOff });
    else showUpdate(s.pendingUpdate);
  }

  autostart.addEventListener('change', async () => {
    const wanted = autostart.checked;
    autostart.disabled = true;
    try {
      showSettings(await invoke('set_start_at_login', { enabled: wanted }));
    } catch (e) {
      autostart.checked = !wanted;
      autostart.disabled = false;
      autostartNote.textContent = e instanceof Error ? e.message : String(e);
    }
  });

  checkButton.addEventListener('click', async () => {
    checkButton.disabled = true;
    status.textContent = 'Checking for updates…';
    try {
      showUpdate(await invoke('check_for_update'));
    } catch (e) {
      status.textContent = e instanceof Error ? e.message : String(e);
    } finally {
      checkButton.disabled = false;
    }
  });

  installButton.addEventListener('click', async () => {
    installButton.disabled = true;
    checkButton.disabled = true;
    status.textContent = 'Downloading and checking the update’s signature…';
    try {
      await invoke('install_update');
      status.textContent = 'Installed: MSSP Console restarts now.';
    } catch (e) {
      status.textContent = e instanceof Error ? e.message : String(e);
      installButton.hidden = true;
    } finally {
      installButton.disabled = false;
      checkButton.disabled = false;
    }
  });

  return function openAbout() {
    const info = store.info;
    byId('about-product').textContent = 'MSSP Console';
    byId('about-version').textContent = info && info.version ? String(info.version) : '–';
    byId('about-build').textContent = info && info.build != null ? String(info.build) : '–';
    invoke('get_desktop_settings').then(showSettings, () => showUpdate(null));
    modal.open();
    byId('about-close').focus();
  };
}
