#!/usr/bin/env bash
# run-tests.sh: the test phase of `make test`, meant to run INSIDE scripts/desktop-session.sh
# (headless Xvfb + private D-Bus + unlocked gnome-keyring). Runs every test of the workspace,
# including the `#[ignore = "needs a desktop session: run make test"]` ones:
# in one cargo invocation, one test at a time per binary (one window, one tauri-driver).
set -uo pipefail
cd "$(dirname "$0")/.."

[[ -n "${DISPLAY:-}" && -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]] || {
  echo "[tests] ERROR: run me inside scripts/desktop-session.sh (no DISPLAY or session bus)" >&2; exit 2; }

CARGO=${CARGO:-cargo}
rc=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# One cargo invocation for the whole workspace: selecting a subset of packages (-p, --exclude)
# changes feature unification and rebuilds ~100 crates. One test thread per binary keeps a
# single window and tauri-driver at a time; the other binaries are fast either way.
echo "[tests] every test of the workspace, including the desktop-session ones (E2E: .test-run/e2e/ on failure)"
$CARGO test --workspace --no-fail-fast -- --include-ignored --test-threads=1 2>&1 | tee -a "$log" || rc=1
# One total over every test binary, so the end of the output says how the whole run went.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
if ((rc)); then
  echo "[tests] FAILED (E2E screenshots and driver logs, if any: .test-run/e2e/)" >&2
else
  echo "[tests] all tests passed"
fi
exit "$rc"
