#!/usr/bin/env bash
# One-time (idempotent) set-up for building, demoing and testing dhis2w Desktop on Debian:
# system packages, npm dependencies from the committed lockfiles, and tauri-driver.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Tauri's Debian build list, plus what headless runs and tests need (see README).
PKGS=(
  libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev pkg-config
  xvfb xauth webkit2gtk-driver imagemagick x11-utils xdotool xdg-utils desktop-file-utils
  dbus dbus-x11 dbus-user-session gnome-keyring libsecret-tools fonts-dejavu-core at-spi2-core
  libglib2.0-bin chromium nodejs npm
  libreoffice-calc-nogui
)

missing=()
for p in "${PKGS[@]}"; do
  # nodejs/npm may come from outside Debian's packages; accept any working binary.
  case "$p" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "setup: these Debian packages are missing: ${missing[*]}" >&2
    echo "setup: install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

command -v cargo >/dev/null || { echo "setup: Rust is missing; install it with rustup (https://rustup.rs), then run this again." >&2; exit 1; }

# Node and Rust new enough for the UI build and the workspace (stops with the exact steps).
tests/harness/check-versions.sh

# npm ci only when the lockfile changed since the last install (it wipes node_modules each time).
npm_ci() {
  local dir=$1
  [ -f "$dir/package-lock.json" ] || return 0
  local stamp="$dir/node_modules/.dhis2w-lock.sha256"
  local sum
  sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then return 0; fi
  echo "setup: npm ci in $dir"
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  echo "$sum" > "$stamp"
}
npm_ci tests/dhis2-standin
npm_ci ui
npm_ci src-tauri
npm_ci tests/e2e

if ! command -v tauri-driver >/dev/null; then
  echo "setup: installing tauri-driver (cargo install, about 30 s)"
  cargo install tauri-driver --version '^2' --locked
fi
echo "setup: done"
