#!/usr/bin/env bash
# demo.sh [--screenshot OUT.png]: the body of `make demo` / `make screenshot`; run it INSIDE
# scripts/desktop-session.sh. It resets .demo/, starts the Log360 simulator with the demo customers
# (crates/sim/demo.json), seeds a console administrator and those customers through the real
# add-customer path (mssp-admin seed-demo), takes "Umbrella Health" down so one customer shows as
# down, then runs the console window in the foreground and stops the simulator when it exits.
# With --screenshot OUT it instead logs in through WebDriver, opens Customer Management and saves a
# screenshot to OUT (needs tauri-driver; see tests/examples/screenshot.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

screenshot=""
if [[ "${1:-}" == "--screenshot" ]]; then
  screenshot=${2:?"usage: $0 [--screenshot OUT.png]"}
  [[ "$screenshot" = /* ]] || screenshot="$root/$screenshot"
fi

say() { printf '[demo] %s\n' "$*"; }
die() { printf '[demo] ERROR: %s\n' "$*" >&2; exit 1; }

target=${CARGO_TARGET_DIR:-target}
[[ "$target" = /* ]] || target="$root/$target"
bin="$target/debug"
for b in log360-sim mssp-admin mssp-console; do
  [[ -x "$bin/$b" ]] || die "$bin/$b is missing: run \`make build\` (cargo build --workspace) first"
done
[[ -n "${DISPLAY:-}" ]] || die "no DISPLAY: run me through scripts/desktop-session.sh (make demo)"

demo_dir="$root/.demo"
control=127.0.0.1:7171
admin_user=admin
admin_pass=demo-admin-2026
umbrella_port=18084

# Refuse to start over a running demo (fixed ports 7171 and 18081-18084).
if (exec 3<>/dev/tcp/127.0.0.1/7171) 2>/dev/null; then
  die "port 7171 is in use: is another \`make demo\` still running? Stop it first."
fi

rm -rf "$demo_dir"
mkdir -p "$demo_dir"
export MSSP_CONSOLE_DATA_DIR="$demo_dir/data"
export MSSP_CONSOLE_KEYCHAIN_SERVICE=mssp-console-demo
# The data dir was just reset; drop the previous run's demo credentials with it (only the
# demo's own keychain service, never a real installation's).
if command -v secret-tool >/dev/null 2>&1; then
  secret-tool clear service "$MSSP_CONSOLE_KEYCHAIN_SERVICE" 2>/dev/null || true
fi

sim_pid="" console_pid="" screen_pid=""
cleanup() {
  for p in $screen_pid $console_pid $sim_pid; do kill "$p" 2>/dev/null || true; done
  for p in $screen_pid $console_pid $sim_pid; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting the Log360 simulator (crates/sim/demo.json; log: .demo/sim.log)"
"$bin/log360-sim" --config crates/sim/demo.json --control "$control" \
  --manifest "$demo_dir/sim-manifest.json" >"$demo_dir/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 300); do
  [[ -s "$demo_dir/sim-manifest.json" ]] && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$demo_dir/sim.log" >&2; die "the simulator exited"; }
  sleep 0.1
done
[[ -s "$demo_dir/sim-manifest.json" ]] || { cat "$demo_dir/sim.log" >&2; die "no manifest from the simulator within 30 s"; }

say "seeding the console: administrator + every simulated instance as a customer"
MSSP_ADMIN_USERNAME=$admin_user MSSP_ADMIN_PASSWORD=$admin_pass \
  "$bin/mssp-admin" seed-demo --manifest "$demo_dir/sim-manifest.json" --license crates/sim/demo-license.json 2>&1 | sed 's/^/[seed] /'
[[ ${PIPESTATUS[0]} -eq 0 ]] || die "mssp-admin seed-demo failed"

say "taking \"Umbrella Health\" (port $umbrella_port) down so the demo shows one customer down"
curl -fsS -X POST "http://$control/instances/$umbrella_port/fault" \
  -H 'content-type: application/json' -d '{"fault":"down"}' >/dev/null \
  || say "WARNING: could not set the fault through the control endpoint"

if [[ -n "$screenshot" ]]; then
  mkdir -p "$(dirname "$screenshot")"
  say "logging in through WebDriver and saving $screenshot"
  MSSP_SCREENSHOT_USERNAME=$admin_user MSSP_SCREENSHOT_PASSWORD=$admin_pass \
    cargo run -q -p mssp-tests --example screenshot -- "$screenshot"
  say "screenshot saved: $screenshot"
  exit 0
fi

cat <<EOF

  ================================================================
   MSSP Console demo
     Log in with   username: $admin_user
                   password: $admin_pass
     Customers: Acme Corp, Globex, Initech, Umbrella Health (down)
     Data: .demo/data   keychain service: mssp-console-demo

   Take a simulated instance down / bring it back / make it hang:
     curl -s -X POST $control/instances/18081/fault -H 'content-type: application/json' -d '{"fault":"down"}'
     curl -s -X POST $control/instances/18084/fault -H 'content-type: application/json' -d '{"fault":"none"}'
     curl -s -X POST $control/instances/18082/fault -H 'content-type: application/json' -d '{"fault":"hang"}'
     (faults: none, down, hang, error500; list: curl -s $control/instances)
  ================================================================

EOF

if [[ "${MSSP_SESSION_KIND:-}" == headless ]]; then
  # Nobody can see Xvfb: keep a screenshot of it fresh instead.
  export WEBKIT_DISABLE_COMPOSITING_MODE=1
  "$bin/mssp-console" &
  console_pid=$!
  (
    while kill -0 "$console_pid" 2>/dev/null; do
      import -window root "png:$demo_dir/screen.png.tmp" 2>/dev/null && mv -f "$demo_dir/screen.png.tmp" "$demo_dir/screen.png"
      sleep 3
    done
  ) &
  screen_pid=$!
  say "no desktop here: the console runs in Xvfb ($DISPLAY)."
  say "its screen is saved every 3 s to $demo_dir/screen.png; press Ctrl-C to stop."
  say "(for a logged-in screenshot of Customer Management, run \`make screenshot\`)"
  rc=0
  wait "$console_pid" || rc=$?
else
  say "starting the console window; close it to end the demo"
  rc=0
  "$bin/mssp-console" || rc=$?
fi
console_pid=""
say "console exited ($rc); stopping the simulator"
exit "$rc"
