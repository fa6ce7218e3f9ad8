#!/usr/bin/env bash
# install-deps.sh: installs what MSSP Console needs to build, run and test on Debian/Ubuntu,
# and only what is missing. Idempotent and quiet when everything is already there.
#   - Debian packages: WebKitGTK/GTK dev files (the Tauri window), Xvfb + xauth (headless display),
#     webkit2gtk-driver (WebKitWebDriver, for E2E tests), dbus-x11 (also brings dbus-run-session and
#     dbus-monitor, which the notification test records the bus with) + gnome-keyring + libsecret-tools
#     (a private Secret Service holding customer credentials), libnotify-bin (notifications),
#     imagemagick (`import` screenshots), x11-utils (`xwininfo`: the E2E test finds a customer's
#     console window to capture it), curl (the simulator's control endpoint), and Node.js
#     with npm when missing (the UI's TypeScript check in `make lint`); python3-aiosmtpd and
#     openssl (the alert tests run a real SMTP server over STARTTLS with a throwaway CA);
#     xdotool (`make package-test` waits for the installed console's window).
#   - tauri-driver (the WebDriver bridge used by E2E tests), through `cargo install`.
# Rust itself is not installed here: we explain how when `cargo` is missing.
# Env: MSSP_DEPS_OPTIONAL=1 also installs dunst (a notification popup server for the demo);
#      MSSP_SKIP_TAURI_DRIVER=1 skips tauri-driver (not needed for `make demo`).
# Works as root or as a sudo user, with CI=true and no terminal (never prompts).
set -euo pipefail

say() { printf '[deps] %s\n' "$*"; }
die() { printf '[deps] ERROR: %s\n' "$*" >&2; exit 1; }

packages=(
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libssl-dev
  pkg-config build-essential xvfb xauth webkit2gtk-driver dbus-x11 gnome-keyring
  libsecret-tools libnotify-bin imagemagick x11-utils curl python3-aiosmtpd openssl xdotool
)
if [[ "${MSSP_DEPS_OPTIONAL:-0}" == 1 ]]; then packages+=(dunst); fi
# Node.js and npm run the UI's type check (make lint: TypeScript, pinned in package.json).
# Only when missing: a Node.js installed some other way is fine.
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

# ---- Debian packages -------------------------------------------------------------------------
case "$(uname -s)" in
  Darwin | MINGW* | MSYS* | CYGWIN*)
    # macOS and Windows bring their own webview, keychain and notifications (CI's matrix).
    packages=() ;;
esac
if ((${#packages[@]} == 0)); then
  :
elif ! command -v dpkg >/dev/null 2>&1; then
  say "dpkg not found: this script knows Debian/Ubuntu only. Install the equivalents of:"
  say "  ${packages[*]}"
  say "then re-run. Continuing with the Rust checks."
else
  missing=()
  for p in "${packages[@]}"; do
    # `dpkg -s` succeeds for removed-but-configured packages too; check the status line.
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
      SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
      SUDO=(sudo)
      # No terminal (CI): sudo must not prompt; fail with a clear message instead.
      if ! [[ -t 0 ]] && ! sudo -n true 2>/dev/null; then
        die "need root to install: ${missing[*]} (sudo asks for a password and there is no terminal). Run: sudo $0"
      fi
    else
      die "need root to install: ${missing[*]}; run this script as root (sudo is not installed)."
    fi
    say "Installing missing Debian packages (WebKitGTK/GTK build deps for the Tauri window,"
    say "Xvfb/D-Bus/gnome-keyring for a headless session with a keychain, WebKitWebDriver for"
    say "E2E tests, ImageMagick for screenshots):"
    say "  ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
    say "Debian packages installed."
  fi
fi

# ---- Rust ------------------------------------------------------------------------------------
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo >/dev/null 2>&1; then
  cat >&2 <<'MSG'
[deps] ERROR: Rust (cargo) is not installed. This workspace needs Rust 1.95 or newer.
[deps] Install it with rustup (https://rustup.rs):
[deps]     curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt
[deps]     . "$HOME/.cargo/env"
[deps] If that download is blocked on this machine, copy a rustup-init binary or an offline Rust
[deps] toolchain from https://forge.rust-lang.org/infra/other-installation-methods.html.
[deps] (Debian's own `cargo` package is too old for edition 2024.) Then re-run `make deps`.
MSG
  exit 1
fi
for sub in fmt clippy; do
  comp=$sub; [[ $sub == fmt ]] && comp=rustfmt
  if ! cargo "$sub" --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null 2>&1; then
      say "Installing the Rust component $comp (needed by make lint)"
      rustup component add "$comp" >/dev/null 2>&1 || say "WARNING: could not add $comp; make lint will fail"
    else
      say "WARNING: cargo $comp is missing (make lint needs it); install it with your Rust toolchain."
    fi
  fi
done

# ---- tauri-driver (E2E tests only) -----------------------------------------------------------
if [[ "${MSSP_SKIP_TAURI_DRIVER:-0}" != 1 ]] && ! command -v tauri-driver >/dev/null 2>&1; then
  say "Installing tauri-driver 2.x (WebDriver bridge for the E2E tests; ~30 s): cargo install tauri-driver --locked --version ^2"
  cargo install tauri-driver --locked --version '^2' --quiet
  say "tauri-driver installed in $HOME/.cargo/bin."
fi
exit 0
