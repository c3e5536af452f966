#!/usr/bin/env bash
# Builds the dhis2w command line and stages what the .deb installs next to the app:
# the binary, its man pages and shell completions, under target/cli-bundle/ (tauri.conf.json
# maps them into the package). Usage: stage-cli.sh [debug|release]
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${1:-debug}
if [ "$profile" = release ]; then
  cargo build -p dhis2w-cli --release
else
  # The debug binary as the CLI's tests build it (their dev-dependencies add features to tokio and
  # reqwest): after `make test`'s cli suite this compiles nothing, where a plain `cargo build`
  # would build the CLI's whole dependency chain again with the narrower features.
  # Cargo names the binary it built (or found fresh); never copy a stale one.
  bin=$(cargo test -p dhis2w-cli --no-run --message-format=json-render-diagnostics |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      for (const line of s.split("\n")) {
        if (!line.startsWith("{")) continue;
        const m = JSON.parse(line);
        // The bin target appears twice: its own unit-test harness (profile.test) and the binary.
        if (m.reason === "compiler-artifact" && m.target.kind.includes("bin") && m.target.name === "dhis2w" && !m.profile.test && m.executable) {
          console.log(m.executable);
        }
      }
    });' | tail -1)
  [ -x "$bin" ] || { echo "stage-cli: cargo built no dhis2w binary" >&2; exit 1; }
fi
out=target/cli-bundle
rm -rf "$out"
mkdir -p "$out/man" "$out/completions"
if [ "$profile" = release ]; then bin=target/release/dhis2w; fi
cp "$bin" "$out/dhis2w"
"$out/dhis2w" man "$out/man" >/dev/null
# A wrong binary (say a test harness) answers `man` without writing the page: stop here, not in
# the package's test.
[ -s "$out/man/dhis2w.1" ] || { echo "stage-cli: $bin wrote no man page" >&2; exit 1; }
"$out/dhis2w" completions bash > "$out/completions/dhis2w.bash"
"$out/dhis2w" completions zsh > "$out/completions/_dhis2w"
"$out/dhis2w" completions fish > "$out/completions/dhis2w.fish"
echo "stage-cli: $out ready ($profile)"
