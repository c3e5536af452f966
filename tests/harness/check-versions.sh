#!/usr/bin/env bash
# Checks that Node.js and Rust are new enough; prints the exact steps and exits 1 when not.
# Called by setup.sh after the Debian packages; tested by src-tauri/tests/setup_checks.rs.
set -uo pipefail
cd "$(dirname "$0")/../.."

# version_at_least HAVE NEED: true when dotted version HAVE >= NEED.
version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

# Vite 7 needs Node 20.19+ (or 22.12+); Debian 12's apt gives Node 18, which fails later in the UI
# build with an obscure message. Stop here with the exact steps instead.
NODE_NEED=20.19.0   # Vite 7's engines: ^20.19.0 || >=22.12.0
node_have=$(node --version 2>/dev/null | sed 's/^v//')
node_ok() {
  [ -n "$node_have" ] || return 1
  version_at_least "$node_have" 22.12.0 && return 0
  [ "${node_have%%.*}" = 20 ] && version_at_least "$node_have" "$NODE_NEED"
}
if ! node_ok; then
  echo "setup: Node.js ${node_have:-(none)} is too old: the UI build (Vite 7) needs Node.js $NODE_NEED+ (20.x) or 22.12+." >&2
  echo "setup: Debian 12's nodejs package is 18.x. Install Node 20 or 22, for example from NodeSource:" >&2
  echo "  curl -fsSL https://deb.nodesource.com/setup_22.x | sudo bash - && sudo apt-get install -y nodejs" >&2
  echo "setup: or with nvm (https://github.com/nvm-sh/nvm): nvm install 22. Then run this again." >&2
  exit 1
fi

# The workspace's rust-version (Cargo.toml); Debian's rustc package is older.
RUST_NEED=$(sed -n 's/^rust-version *= *"\(.*\)"/\1/p' Cargo.toml | head -1)
rust_have=$(rustc --version 2>/dev/null | awk '{print $2}')
if [ -n "$RUST_NEED" ] && ! version_at_least "${rust_have:-0}" "$RUST_NEED"; then
  echo "setup: Rust ${rust_have:-(none)} is too old: dhis2w needs Rust $RUST_NEED or newer." >&2
  echo "setup: install or update it with rustup (https://rustup.rs): rustup update stable. Then run this again." >&2
  exit 1
fi
