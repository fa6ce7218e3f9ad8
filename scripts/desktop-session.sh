#!/usr/bin/env bash
# desktop-session.sh CMD [ARGS...]: runs CMD inside a desktop session and propagates its exit code.
#
# Headless (no DISPLAY, or MSSP_HEADLESS=1) the session is throwaway and private:
#   - a temp dir holds HOME, XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME and XDG_RUNTIME_DIR (700),
#     so WebKit caches, the keyring file and app data never touch the real home
#     (MSSP_KEEP_HOME=1 keeps the real HOME/XDG dirs; CARGO_HOME/RUSTUP_HOME always stay real);
#   - Xvfb on a free display (1280x800x24), exported as DISPLAY;
#   - a private D-Bus session bus (dbus-run-session) with gnome-keyring-daemon unlocked
#     (Secret Service: where the console keeps customer credentials).
# On a real desktop (DISPLAY and DBUS_SESSION_BUS_ADDRESS set, MSSP_HEADLESS unset) CMD runs
# directly in the user's session (used by `make demo`). With DISPLAY but no session bus, the real
# display is used with a private bus + keyring.
#
# Options (env):
#   MSSP_HEADLESS=1     force the private headless session even on a desktop (make test does this)
#   MSSP_KEEP_HOME=1    keep the real HOME and XDG dirs in a private session
#   MSSP_NOTIFY_LOG=F   record org.freedesktop.Notifications calls on the bus into F (dbus-monitor)
#   MSSP_NOTIFY_DAEMON=1  start dunst (if installed) so notifications pop up (screenshots)
#   MSSP_SCREEN=WxHxD   Xvfb screen (default 1280x800x24)
# Inside CMD: MSSP_SESSION_KIND=headless|desktop, MSSP_SESSION_DIR (temp dir, headless only).
#
# Check: scripts/desktop-session.sh bash -c 'secret-tool store --label=x service mssp-test user u <<< s
#        && secret-tool lookup service mssp-test user u'
set -euo pipefail

log() { printf '[session] %s\n' "$*" >&2; }
die() { printf '[session] ERROR: %s\n' "$*" >&2; exit 125; }

# ---------------------------------------------------------------------------------------------
# Stage 2 (internal): runs inside dbus-run-session. Starts the keyring, then CMD.
# ---------------------------------------------------------------------------------------------
if [[ "${1:-}" == "--inner" ]]; then
  shift
  keyring_pid="" monitor_pid="" dunst_pid=""
  cleanup_inner() {
    for p in $dunst_pid $monitor_pid $keyring_pid; do kill "$p" 2>/dev/null || true; done
    for p in $dunst_pid $monitor_pid $keyring_pid; do wait "$p" 2>/dev/null || true; done
  }
  trap cleanup_inner EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  if [[ -n "${MSSP_NOTIFY_LOG:-}" ]]; then
    mkdir -p "$(dirname "$MSSP_NOTIFY_LOG")"
    dbus-monitor --session "interface='org.freedesktop.Notifications'" >"$MSSP_NOTIFY_LOG" 2>&1 &
    monitor_pid=$!
  fi

  # gnome-keyring in the foreground (so we own its pid), unlocked with a throwaway password read
  # from stdin; the login keyring is created on first use under $XDG_DATA_HOME/keyrings.
  control_dir="$XDG_RUNTIME_DIR/keyring"
  mkdir -p "$control_dir" && chmod 700 "$control_dir"
  printf '%s' "mssp-session-$$" | gnome-keyring-daemon --foreground --unlock --components=secrets \
    --control-directory="$control_dir" >"$XDG_RUNTIME_DIR/keyring.env" 2>"$XDG_RUNTIME_DIR/keyring.log" &
  keyring_pid=$!
  # Wait (bounded) until it owns org.freedesktop.secrets on the bus.
  for _ in $(seq 1 100); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
      break
    fi
    kill -0 "$keyring_pid" 2>/dev/null || { cat "$XDG_RUNTIME_DIR/keyring.log" >&2; die "gnome-keyring-daemon exited"; }
    sleep 0.1
  done
  dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true' \
    || { cat "$XDG_RUNTIME_DIR/keyring.log" >&2; die "gnome-keyring did not register the Secret Service within 10 s"; }
  while IFS='=' read -r k v; do
    [[ -n "$k" && "$k" =~ ^[A-Z_]+$ ]] && export "$k=$v"
  done <"$XDG_RUNTIME_DIR/keyring.env"
  export GNOME_KEYRING_CONTROL="$control_dir"

  if [[ "${MSSP_NOTIFY_DAEMON:-0}" == 1 ]] && command -v dunst >/dev/null 2>&1; then
    dunst >/dev/null 2>&1 &
    dunst_pid=$!
  fi

  set +e
  "$@"
  rc=$?
  set -e
  exit "$rc"
fi

# ---------------------------------------------------------------------------------------------
# Stage 1: decide the kind of session.
# ---------------------------------------------------------------------------------------------
(($#)) || die "usage: $0 CMD [ARGS...]"
self="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

if [[ "${MSSP_HEADLESS:-0}" != 1 && -n "${DISPLAY:-}" && -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]]; then
  # A real desktop: use the user's display, bus and keyring.
  export MSSP_SESSION_KIND=desktop
  log "using your desktop session (DISPLAY=$DISPLAY)"
  monitor_pid=""
  if [[ -n "${MSSP_NOTIFY_LOG:-}" ]]; then
    dbus-monitor --session "interface='org.freedesktop.Notifications'" >"$MSSP_NOTIFY_LOG" 2>&1 &
    monitor_pid=$!
  fi
  set +e
  "$@"
  rc=$?
  set -e
  [[ -n "$monitor_pid" ]] && { kill "$monitor_pid" 2>/dev/null; wait "$monitor_pid" 2>/dev/null; }
  exit "$rc"
fi

for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found: run scripts/install-deps.sh (make deps)"
done

export MSSP_SESSION_KIND=headless
session_dir=$(mktemp -d "${TMPDIR:-/tmp}/mssp-session.XXXXXX")
export MSSP_SESSION_DIR="$session_dir"
xvfb_pid=""
cleanup() {
  if [[ -n "$xvfb_pid" ]]; then
    kill "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
  fi
  rm -rf "$session_dir" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Keep the Rust toolchain reachable when HOME moves.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
case ":$PATH:" in *":$CARGO_HOME/bin:"*) ;; *) export PATH="$CARGO_HOME/bin:$PATH" ;; esac

mkdir -m 700 "$session_dir/runtime"
export XDG_RUNTIME_DIR="$session_dir/runtime"
if [[ "${MSSP_KEEP_HOME:-0}" != 1 ]]; then
  mkdir -p "$session_dir/home" "$session_dir/data" "$session_dir/config" "$session_dir/cache"
  export HOME="$session_dir/home"
  export XDG_DATA_HOME="$session_dir/data"
  export XDG_CONFIG_HOME="$session_dir/config"
  export XDG_CACHE_HOME="$session_dir/cache"
fi

# A display: Xvfb on a free display number (it picks one and reports it through -displayfd).
if [[ "${MSSP_HEADLESS:-0}" == 1 || -z "${DISPLAY:-}" ]]; then
  command -v Xvfb >/dev/null 2>&1 || die "Xvfb not found: run scripts/install-deps.sh (make deps)"
  Xvfb -displayfd 3 -screen 0 "${MSSP_SCREEN:-1280x800x24}" -nolisten tcp -noreset \
    3>"$session_dir/display" >"$session_dir/xvfb.log" 2>&1 &
  xvfb_pid=$!
  display=""
  for _ in $(seq 1 100); do
    display=$(tr -d '[:space:]' <"$session_dir/display" 2>/dev/null || true)
    [[ -n "$display" ]] && break
    kill -0 "$xvfb_pid" 2>/dev/null || { cat "$session_dir/xvfb.log" >&2; die "Xvfb exited"; }
    sleep 0.1
  done
  [[ -n "$display" ]] || { cat "$session_dir/xvfb.log" >&2; die "Xvfb did not start within 10 s"; }
  export DISPLAY=":$display"
  unset WAYLAND_DISPLAY
  log "headless session: Xvfb on DISPLAY=$DISPLAY, private D-Bus + gnome-keyring, temp dir $session_dir"
else
  log "private D-Bus + gnome-keyring on your display DISPLAY=$DISPLAY, temp dir $session_dir"
fi

# dbus-run-session starts a private bus and exits with CMD's status; the bus dies with it.
unset DBUS_SESSION_BUS_ADDRESS
set +e
dbus-run-session -- bash "$self" --inner "$@"
rc=$?
set -e
exit "$rc"
