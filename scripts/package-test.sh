#!/usr/bin/env bash
# package-test.sh BUNDLE_DEB_DIR: the body of `make package-test`; run it INSIDE
# scripts/desktop-session.sh (headless). Installs the .deb `make package` made, as an admin
# would (`apt-get install ./mssp-console_….deb`, which also pulls the declared dependencies),
# checks what it installed (binary, desktop entry, icons), starts the installed `mssp-console`
# on a throwaway data dir and keychain service, saves a screenshot of its first screen
# ("Create administrator") to .test-run/package/first-run.png, then removes the package
# again, also when a step fails. Refuses to run when MSSP Console is already installed, so
# an admin's own installation is never replaced.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
say() { printf '[package-test] %s\n' "$*"; }
die() { printf '[package-test] FAILED: %s\n' "$*" >&2; exit 1; }

[[ -n "${DISPLAY:-}" && -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]] ||
  die "run me inside scripts/desktop-session.sh (make package-test does)"
deb_dir=${1:?"usage: $0 DIR_WITH_THE_DEB"}
shopt -s nullglob
debs=("$deb_dir"/*.deb)
((${#debs[@]})) || die "no .deb in $deb_dir: run \`make package\` first"
deb=$(ls -t "${debs[@]}" | head -1)
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")

if [[ $(id -u) -eq 0 ]]; then SUDO=(); else SUDO=(sudo -n); fi
if dpkg-query -W -f='${Status}' mssp-console 2>/dev/null | grep -q 'install ok installed'; then
  die "mssp-console is already installed on this machine; this test would replace it (remove it first: sudo apt-get remove mssp-console)"
fi

out="$root/.test-run/package"
rm -rf "$out" && mkdir -p "$out"
app_pid=""
cleanup() {
  if [[ -n "$app_pid" ]]; then kill "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true; fi
  if dpkg-query -W -f='${Status}' mssp-console 2>/dev/null | grep -q 'install ok installed'; then
    say "removing the package again"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq mssp-console >/dev/null
  fi
}
trap cleanup EXIT

say "package: $deb"
dpkg-deb -f "$deb" Package Version Architecture Depends Recommends | sed 's/^/[package-test]   /'
say "installing it: apt-get install ./$(basename "$deb")"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$out/apt-install.log" 2>&1 ||
  { cat "$out/apt-install.log" >&2; die "apt-get install"; }

# What an admin's desktop needs from the package: the program, its menu entry, its icon.
for f in /usr/bin/mssp-console /usr/share/applications/*"MSSP Console"*.desktop; do
  [[ -e "$f" ]] || die "the package did not install $f"
done
desktop=$(ls /usr/share/applications/*"MSSP Console"*.desktop)
grep -q '^Exec=mssp-console' "$desktop" || die "$desktop does not start mssp-console"
icon=$(sed -n 's/^Icon=//p' "$desktop")
ls /usr/share/icons/hicolor/*/apps/"$icon".png >/dev/null 2>&1 || die "no icon named $icon under /usr/share/icons/hicolor"
say "installed: /usr/bin/mssp-console, $desktop (Icon=$icon, $(ls /usr/share/icons/hicolor/*/apps/"$icon".png | wc -l) sizes)"

# Start it as the menu entry would, on a data dir and keychain service of this test only.
export MSSP_CONSOLE_DATA_DIR="$MSSP_SESSION_DIR/console-data"
export MSSP_CONSOLE_KEYCHAIN_SERVICE="mssp-console-package-test-$$"
export WEBKIT_DISABLE_COMPOSITING_MODE=1   # lets an X screenshot see the page (headless guide)
say "starting the installed mssp-console (data: $MSSP_CONSOLE_DATA_DIR)"
(cd "$MSSP_SESSION_DIR" && exec mssp-console) >"$out/console.log" 2>&1 &
app_pid=$!

# Wait (bounded) for its window, then for the page to be drawn: the first-run screen has
# more than a few colours; an empty window has one.
window=""
for _ in $(seq 1 150); do
  kill -0 "$app_pid" 2>/dev/null || { cat "$out/console.log" >&2; die "mssp-console exited"; }
  window=$(xdotool search --name '^MSSP Console$' 2>/dev/null | head -1 || true)
  [[ -n "$window" ]] && break
  sleep 0.2
done
[[ -n "$window" ]] || die "no window titled \"MSSP Console\" within 30 s"
colours=0
for _ in $(seq 1 60); do
  sleep 0.5
  import -window root "png:$out/first-run.png" 2>/dev/null || continue
  colours=$(identify -format '%k' "$out/first-run.png" 2>/dev/null || echo 0)
  ((colours > 50)) && break
done
((colours > 50)) || die "the window stayed blank (screenshot: $out/first-run.png)"
grep -q 'opening the console' "$out/console.log" || die "the console did not open its data (log: $out/console.log)"
[[ -f "$MSSP_CONSOLE_DATA_DIR/console.db" ]] || die "no database in the test's data dir"
say "first screen: $out/first-run.png ($colours colours); log: $out/console.log"

kill "$app_pid" 2>/dev/null || true
wait "$app_pid" 2>/dev/null || true
app_pid=""
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq mssp-console >/dev/null
[[ ! -e /usr/bin/mssp-console ]] || die "apt-get remove left /usr/bin/mssp-console"
say "removed again; passed"
