#!/usr/bin/env bash
# Recompresses a .deb with xz, as Debian's own packages are (Tauri's bundler uses gzip, which
# makes the download about twice as large). The contents, modes and control data are unchanged.
# Usage: repack-deb.sh <file.deb>
set -euo pipefail
deb=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -R "$deb" "$work/root"
dpkg-deb -Zxz -z9 --root-owner-group -b "$work/root" "$work/out.deb" >/dev/null
dpkg-deb --info "$work/out.deb" >/dev/null
mv "$work/out.deb" "$deb"
echo "repack-deb: $deb ($(stat -c %s "$deb") bytes, xz)"
