#!/bin/bash
# Screenshots of dhis2w Desktop's five screens (Instances, Add instance wizard, Sign-in,
# API browser with /api/organisationUnits, Settings) into target/screenshots/.
#
# Needs: the app built (cargo build -p dhis2w-desktop, after npm run build --prefix ui),
# npm ci --prefix tests/dhis2-standin, tauri-driver (cargo install tauri-driver --version '^2'
# --locked), WebKitWebDriver (webkit2gtk-driver), xvfb, dbus, gnome-keyring.
#
# It starts the DHIS2 stand-in, writes the demo presets, and runs the app under Xvfb on a
# private session bus with an unlocked throw-away keyring and isolated config/data/XDG dirs
# under target/screenshots-run/. The sign-in screen uses a test "browser" that never returns.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
APP=${APP:-$ROOT/target/debug/dhis2w-desktop}
OUT=$ROOT/target/screenshots
RUN=$ROOT/target/screenshots-run

if [ "${1:-}" != "--inner" ]; then
  [ -x "$APP" ] || { echo "build the app first: cargo build -p dhis2w-desktop" >&2; exit 2; }
  command -v tauri-driver >/dev/null || { echo "tauri-driver missing: cargo install tauri-driver --version '^2' --locked" >&2; exit 2; }
  rm -rf "$RUN"; mkdir -p "$RUN" "$OUT"
  # The stand-in, killed on exit.
  node "$ROOT/tests/dhis2-standin/server.mjs" --port 0 > "$RUN/standin.out" 2> "$RUN/standin.log" &
  STANDIN_PID=$!
  trap 'kill $STANDIN_PID 2>/dev/null || true; rm -f "$RUN/presets.json"' EXIT
  for _ in $(seq 1 100); do grep -q DHIS2_STANDIN_URL= "$RUN/standin.out" 2>/dev/null && break; sleep 0.1; done
  STANDIN_URL=$(sed -n 's/^DHIS2_STANDIN_URL=//p' "$RUN/standin.out")
  [ -n "$STANDIN_URL" ] || { echo "the stand-in did not start" >&2; cat "$RUN/standin.log" >&2; exit 1; }
  node "$ROOT/tests/harness/presets.mjs" "$STANDIN_URL" > "$RUN/presets.json"
  export STANDIN_URL
  dbus-run-session -- "$ROOT/tests/harness/xvfb.sh" --size 1280x860 "$0" --inner
  # The presets hold the demo's password, token and client secret: remove them now that the app
  # has read them, and check none was written anywhere else in the run's folder.
  node "$ROOT/tests/harness/secrets-left.mjs" "$RUN/presets.json" "$RUN"
  echo "screenshots in $OUT"
  exit 0
fi

# Inside the private bus and Xvfb.
export XDG_CONFIG_HOME=$RUN/xdg-config XDG_CACHE_HOME=$RUN/xdg-cache
mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
export DHIS2W_CONFIG_DIR=$RUN/config DHIS2W_DATA_DIR=$RUN/data DHIS2W_PRESETS=$RUN/presets.json
export DHIS2W_NO_REGISTER=1 DHIS2W_KEYRING_SERVICE=org.dhis2w.desktop.screenshots
# TEST ONLY: a "browser" that only records what it was asked to open, so the sign-in screen
# waits and the navigation-guard check can see which links went to the system browser.
cat > "$RUN/record-browser.sh" <<REC
#!/bin/sh
printf '%s\n' "\$1" >> "$RUN/opened-urls.txt"
REC
chmod +x "$RUN/record-browser.sh"
export DHIS2W_TEST_BROWSER=$RUN/record-browser.sh OPENED_URLS=$RUN/opened-urls.txt
export KEYRING_TMP=$RUN/keyring
mkdir -p "$KEYRING_TMP"
exec "$ROOT/tests/harness/keyring-session.sh" node "$ROOT/tests/screenshots/shoot.mjs" "$APP" "$OUT"
