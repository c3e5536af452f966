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
  cargo build -p dhis2w-cli
fi
out=target/cli-bundle
rm -rf "$out"
mkdir -p "$out/man" "$out/completions"
cp "target/$profile/dhis2w" "$out/dhis2w"
"$out/dhis2w" man "$out/man" >/dev/null
"$out/dhis2w" completions bash > "$out/completions/dhis2w.bash"
"$out/dhis2w" completions zsh > "$out/completions/_dhis2w"
"$out/dhis2w" completions fish > "$out/completions/dhis2w.fish"
echo "stage-cli: $out ready ($profile)"
