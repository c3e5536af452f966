#!/usr/bin/env bash
# Runs every test suite of dhis2w Desktop, each in the environment it needs, and prints
# the counts of each. Exits non-zero when any suite fails. Logs: target/test-logs/.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
LOGS=$ROOT/target/test-logs
mkdir -p "$LOGS"
export CARGO_TERM_COLOR=never
# A CI run starts from a fresh clone: incremental compilation only costs there (its caches are
# written and never read again), so it is off unless asked for.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}; fi

# Isolated XDG dirs for everything below, removed on exit: tests never touch the user's files.
SCRATCH=$(mktemp -d -t dhis2w-test.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT
export XDG_CONFIG_HOME=$SCRATCH/config XDG_DATA_HOME=$SCRATCH/data XDG_CACHE_HOME=$SCRATCH/cache
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"

names=(); results=(); passed=(); failed=()
total_pass=0; total_fail=0

# count KIND LOG -> "pass fail" (tests/harness/counts.sh, shared with the bench).
. tests/harness/counts.sh

suite() { # $1 = name, $2 = counter kind, rest = command
  local name=$1 kind=$2; shift 2
  local log=$LOGS/$name.log
  echo "=== $name: $*"
  local start=$SECONDS
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  read -r p f < <(count "$kind" "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # a crash before any count is a failure
  if [ "$kind" = none ]; then p=0; f=0; [ "$rc" -ne 0 ] && f=1
  elif [ "$rc" -eq 0 ] && [ "$p" -eq 0 ]; then rc=1; f=1; echo "$name ran no test" >&2; fi
  names+=("$name"); results+=("$rc"); passed+=("$p"); failed+=("$f")
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  echo "=== $name: exit $rc, $p passed, $f failed, $((SECONDS - start)) s"
}

# Standards, part 1: clippy with warnings as errors, inside the suites' own compiles. Cargo hands
# each workspace crate (never a dependency) to clippy-driver, the compiler `cargo clippy` itself
# runs, with the same arguments `cargo clippy -- -D warnings` gives it; it lints, then builds as
# rustc does, and a lint fails that compile and its suite. A separate `cargo clippy` checked every
# dependency a second time (about 790 s of CPU on 2 cores, where the suites' builds already use
# them all); part 2, at the end, lints what no suite built.
CLIPPY_DRIVER=$(command -v clippy-driver || true)
[ -x "$CLIPPY_DRIVER" ] || { echo "test-all: clippy-driver is missing; install it with: rustup component add clippy" >&2; exit 1; }
export RUSTC_WORKSPACE_WRAPPER=$CLIPPY_DRIVER CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
# Part 2: rustfmt; proof that a lint really fails a compile this way (a file clippy must reject);
# then every target of every crate with the workspace's features unified, as
# `cargo clippy --workspace --all-targets` checks them (already built ones are not compiled again).
lint() {
  cargo fmt --all --check || return 1
  local probe rc=0
  probe=$(mktemp -d)
  printf 'pub fn empty(v: &[u8]) -> bool {\n    v.len() == 0\n}\n' > "$probe/probe.rs"
  "$CLIPPY_DRIVER" rustc --edition 2021 --crate-type lib --emit=metadata --out-dir "$probe" \
    "$probe/probe.rs" > "$probe/out" 2>&1 && rc=1
  grep -q 'clippy::len.zero' "$probe/out" || rc=1
  [ "$rc" -eq 0 ] || { cat "$probe/out"; echo "lint: clippy-driver let a lint through; the lint is not applied" >&2; }
  rm -rf "$probe"
  [ "$rc" -eq 0 ] || return 1
  cargo test --workspace --all-targets --no-run
}

# The core's test build starts now, in the background at the lowest priority: the Node suites
# below leave part of the CPU idle, and the core suite then finds most of its build done. A
# compile that fails here fails again in the core suite, with its errors in that suite's log.
# The core suite's cargo waits for this one (cargo's lock on target/), so its time counts there.
( nice -n 19 ionice -c 3 cargo test -p dhis2w-client --no-run > "$LOGS/core-prebuild.log" 2>&1 ) &

# The UI bundle first: every compile of the app embeds it.
suite ui-build none npm run build --prefix ui

suite standin node npm test --prefix tests/dhis2-standin
suite ui vitest npm test --prefix ui

# The core: auth, HTTP client, profiles, and the keyring against a real gnome-keyring on a
# private D-Bus session (the harness unlocks it; DHIS2W_REQUIRE_KEYRING makes a missing one fail).
suite core cargo dbus-run-session -- tests/harness/keyring-session.sh \
  env DHIS2W_REQUIRE_KEYRING=1 DHIS2W_FUZZ_CASES=200 cargo test -p dhis2w-client --no-fail-fast

# The core's property tests on their own, with output, so the log shows each target's case count.
# Property tests of every parser of untrusted input, 10,000 cases each (counts printed).
suite fuzz cargo cargo test -p dhis2w-client --test fuzz -- --nocapture

# The dhis2w command line against the stand-in, with its secrets in the same kind of real keyring.
suite cli cargo dbus-run-session -- tests/harness/keyring-session.sh \
  cargo test -p dhis2w-cli --no-fail-fast

# Tauri mock-runtime command tests, bindings drift and ACL: no display, no bus (session-only secrets).
suite app cargo env -u DISPLAY -u DBUS_SESSION_BUS_ADDRESS cargo test -p dhis2w-desktop --no-fail-fast

# The same command tests once more with secrets in a real (throw-away) keyring.
suite app-keyring cargo dbus-run-session -- tests/harness/keyring-session.sh \
  cargo test -p dhis2w-desktop --test commands

# The .deb package: build it, then check its desktop entry passes the URL (%u) and the scheme.
# The binary it packages is the one the end-to-end and screenshot suites launch (one build, not
# two; kept aside because the next suite's `cargo test` rebuilds target/debug/dhis2w-desktop
# with the test features).
PACKAGED=$ROOT/target/packaged/dhis2w-desktop
suite deb-build none bash -c 'tests/harness/stage-cli.sh debug && (cd src-tauri && npx tauri build --debug --bundles deb) \
  && mkdir -p target/packaged && cp target/debug/dhis2w-desktop target/packaged/'
suite deb cargo cargo test -p dhis2w-desktop --test deb_package
export DHIS2W_E2E_APP=$PACKAGED APP=$PACKAGED

# End to end: the real app under WebKitWebDriver, Xvfb, a private bus and an unlocked keyring.
suite e2e cargo dbus-run-session -- tests/harness/keyring-session.sh \
  tests/harness/xvfb.sh \
  env DHIS2W_NO_REGISTER=1 cargo test -p dhis2w-e2e --no-fail-fast -- --test-threads=1

# Screenshots of the five screens with real stand-in data (target/screenshots/).
suite screenshots none tests/screenshots/run.sh

# Each benchmark once at a tiny size (debug, nothing timed is judged): they must run and print.
suite bench-smoke none tests/harness/bench.sh --smoke

# The rest of the lint (part 2 above).
suite lint none lint

echo
echo "Summary"
for i in "${!names[@]}"; do
  status=ok; [ "${results[$i]}" -ne 0 ] && status=FAILED
  printf '  %-12s %-7s %4d passed, %d failed\n' "${names[$i]}" "$status" "${passed[$i]}" "${failed[$i]}"
done
echo "total: ${total_pass} passed, ${total_fail} failed"
for r in "${results[@]}"; do [ "$r" -eq 0 ] || exit 1; done
exit 0
