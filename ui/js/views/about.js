// About box (#about-dialog): product, version and build from app_info.
import { byId, openDialog, wireDialogClose } from '../dom.js';

export function initAbout(store) {
  const dialog = byId('about-dialog');
  wireDialogClose(dialog);
  // Click on the backdrop closes the About box.
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });
  return function openAbout() {
    const info = store.info || {};
    byId('about-product').textContent = 'MSSP Console';
    byId('about-version').textContent = info.version ? String(info.version) : '–';
    byId('about-build').textContent = info.build != null ? String(info.build) : '–';
    openDialog(dialog);
    byId('about-close').focus();
  };
}
