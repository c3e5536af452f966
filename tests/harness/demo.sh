#!/usr/bin/env bash
# Starts a fresh DHIS2 stand-in and opens dhis2w Desktop with four preset instances for it
# (Basic, PAT, OAuth2 confidential, OAuth2 public). Config and data live under target/demo/,
# so the demo never touches your own instances. Headless machines get Xvfb automatically.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DEMO=$ROOT/target/demo
rm -rf "$DEMO"; mkdir -p "$DEMO/config" "$DEMO/data"

node tests/dhis2-standin/server.mjs --port 0 > "$DEMO/standin.out" 2> "$DEMO/standin.log" &
STANDIN=$!
trap 'kill $STANDIN 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q '^DHIS2_STANDIN_URL=' "$DEMO/standin.out" 2>/dev/null && break
  sleep 0.1
done
URL=$(sed -n 's/^DHIS2_STANDIN_URL=//p' "$DEMO/standin.out")
[ -n "$URL" ] || { echo "demo: the stand-in did not start; see $DEMO/standin.log" >&2; exit 1; }
echo "demo: DHIS2 stand-in at $URL"

node tests/harness/presets.mjs "$URL" > "$DEMO/presets.json"

export DHIS2W_CONFIG_DIR=$DEMO/config DHIS2W_DATA_DIR=$DEMO/data DHIS2W_PRESETS=$DEMO/presets.json
APP=${APP:-$ROOT/target/release/dhis2w-desktop}
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  "$APP"
else
  echo "demo: no display found; running under Xvfb with a private keyring (take screenshots with: DISPLAY=:\$N import -window root shot.png)"
  export XDG_DATA_HOME=$DEMO/xdg-data XDG_CONFIG_HOME=$DEMO/xdg-config XDG_CACHE_HOME=$DEMO/xdg-cache
  dbus-run-session -- tests/harness/keyring-session.sh \
    "$ROOT/tests/harness/xvfb.sh" "$APP"
fi
