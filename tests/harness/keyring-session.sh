#!/bin/bash
# Runs a command against a real, unlocked gnome-keyring Secret Service, isolated from the
# user's own keyrings. Use inside a private session bus:
#
#   dbus-run-session -- tests/harness/keyring-session.sh cargo test -p dhis2w-client --test keyring
#
# XDG_DATA_HOME (login.keyring) and XDG_RUNTIME_DIR (control socket) point into a temp dir.
# The keyring password must not be empty: with an empty one gnome-keyring tries to start a
# graphical prompter and never creates the login collection.
set -eu
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    echo "keyring-session.sh: no session bus; run me under dbus-run-session" >&2
    exit 2
fi
if ! command -v gnome-keyring-daemon >/dev/null; then
    echo "keyring-session.sh: gnome-keyring-daemon not installed (apt-get install gnome-keyring dbus)" >&2
    exit 2
fi
KEYRING_TMP=${KEYRING_TMP:-$(mktemp -d -t dhis2w-keyring.XXXXXX)}
export XDG_DATA_HOME=$KEYRING_TMP/data XDG_RUNTIME_DIR=$KEYRING_TMP/run
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
eval "$(printf '%s' "${KEYRING_PW:-dhis2w-ci-keyring}" | gnome-keyring-daemon --unlock --components=secrets)"
export DHIS2W_KEYRING_SESSION=1
exec "$@"
