#!/usr/bin/env node
// tauri.mjs [tauri CLI args…]: the Tauri CLI (npm @tauri-apps/cli, pinned in package.json) for
// this repository's layout, where tauri.conf.json sits at the root (the design's place) and
// the app crate is src-tauri/.
//
// The CLI takes the folder holding tauri.conf.json as the app crate's folder and reads the
// crate's Cargo.toml there; at the root it finds the virtual workspace manifest and stops
// ("No package info in the config file"). A `--config` file is only merged onto that first
// one, so it cannot replace it. So this script writes src-tauri/tauri.conf.json (generated,
// git-ignored) from the root file, with the paths in it (frontendDist, icons, the .deb's
// files) rewritten to stay right from src-tauri/, points the CLI there (TAURI_APP_PATH), and
// runs it. The root file stays the one to edit; `cargo build` reads it directly (build.rs).
//
//   node scripts/tauri.mjs config           only (re)write src-tauri/tauri.conf.json
//   node scripts/tauri.mjs build --bundles deb   anything else goes to the CLI
//
// A release build (.github/workflows/release.yml) sets, and a local `make package` leaves unset:
//   MSSP_UPDATE_MANIFEST_URL       where installed consoles look for updates (latest.json);
//                                  also makes the bundler sign the installers for the updater
//                                  (TAURI_SIGNING_PRIVATE_KEY). Unset: the build never checks.
//   MSSP_WINDOWS_CERT_THUMBPRINT   the Authenticode certificate to sign Windows installers with.
// They reach the compiled app too: the CLI hands `--config` files to the build (TAURI_CONFIG).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const appDir = join(root, 'src-tauri');
const fromApp = (p) => (p.startsWith('/') || /^[A-Za-z]:/.test(p) ? p : `../${p}`);

function writeConfig() {
  const config = JSON.parse(readFileSync(join(root, 'tauri.conf.json'), 'utf8'));
  if (config.build?.frontendDist) config.build.frontendDist = fromApp(config.build.frontendDist);
  const bundle = config.bundle ?? {};
  if (Array.isArray(bundle.icon)) bundle.icon = bundle.icon.map(fromApp);
  if (Array.isArray(bundle.resources)) bundle.resources = bundle.resources.map(fromApp);
  for (const kind of ['deb', 'rpm']) {
    const files = bundle.linux?.[kind]?.files;
    if (files) for (const k of Object.keys(files)) files[k] = fromApp(files[k]);
    const desktop = bundle.linux?.[kind]?.desktopTemplate;
    if (desktop) bundle.linux[kind].desktopTemplate = fromApp(desktop);
  }
  // JSON has no comments and the CLI refuses unknown keys: .gitignore says it is generated.
  writeFileSync(join(appDir, 'tauri.conf.json'), JSON.stringify(config, null, 2) + '\n');
}

/** The release settings from the environment, as a `--config` file; none when unset. */
function releaseOverrides() {
  const overrides = {};
  const manifest = process.env.MSSP_UPDATE_MANIFEST_URL;
  if (manifest) {
    overrides.bundle = { createUpdaterArtifacts: true };
    overrides.plugins = { updater: { endpoints: [manifest] } };
  }
  const thumbprint = process.env.MSSP_WINDOWS_CERT_THUMBPRINT;
  if (thumbprint) {
    overrides.bundle = {
      ...overrides.bundle,
      windows: { certificateThumbprint: thumbprint, digestAlgorithm: 'sha256', timestampUrl: 'http://timestamp.digicert.com' },
    };
  }
  if (Object.keys(overrides).length === 0) return [];
  const file = join(appDir, 'tauri.release.conf.json');
  writeFileSync(file, JSON.stringify(overrides, null, 2) + '\n');
  return ['--config', file];
}

writeConfig();
let args = process.argv.slice(2);
if (args[0] === 'config') process.exit(0);
if (args[0] === 'build' || args[0] === 'bundle') args = [...args, ...releaseOverrides()];

const cli = join(root, 'node_modules', '@tauri-apps', 'cli', 'tauri.js');
const run = spawnSync(process.execPath, [cli, ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TAURI_APP_PATH: appDir },
});
process.exit(run.status ?? 1);
