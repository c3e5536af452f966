#!/bin/bash
# Runs a command against a real, unlocked gnome-keyring Secret Service, isolated from the
# user's own keyrings. Use inside a private session bus:
#
#   dbus-run-session -- tests/harness/keyring-session.sh cargo test -p dhis2w-client --test keyring
#
# XDG_DATA_HOME (login.keyring) and XDG_RUNTIME_DIR (control socket) point into a temp dir.
# The keyring password must not be empty: with an empty one gnome-keyring tries to start a
# graphical prompter and never creates the login collection.
#
# The command runs as a child (in the foreground, so it keeps the terminal, stdin and Ctrl-C);
# when it ends, the gnome-keyring-daemon started here is stopped and the temp dir removed (unless
# it was given as KEYRING_TMP), and the script exits with the command's exit status.
set -eu
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    echo "keyring-session.sh: no session bus; run me under dbus-run-session" >&2
    exit 2
fi
if ! command -v gnome-keyring-daemon >/dev/null; then
    echo "keyring-session.sh: gnome-keyring-daemon not installed (apt-get install gnome-keyring dbus)" >&2
    exit 2
fi
if [ -n "${KEYRING_TMP:-}" ]; then
    own_tmp=
else
    KEYRING_TMP=$(mktemp -d -t dhis2w-keyring.XXXXXX)
    own_tmp=$KEYRING_TMP
fi
export XDG_DATA_HOME=$KEYRING_TMP/data XDG_RUNTIME_DIR=$KEYRING_TMP/run

# The gnome-keyring-daemon(s) started by this script: the daemon forks away from us, so it is
# found by the private XDG_RUNTIME_DIR it inherited (nothing else has that value).
our_daemons() {
    local d
    for d in /proc/[0-9]*; do
        [ "$(cat "$d/comm" 2>/dev/null)" = "gnome-keyring-d" ] || continue
        if tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -qxF "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR"; then
            echo "${d#/proc/}"
        fi
    done
}

cleanup() {
    local rc=$? pids pid i alive
    trap - EXIT INT TERM HUP
    pids=$(our_daemons)
    if [ -n "$pids" ]; then
        # shellcheck disable=SC2086
        kill $pids 2>/dev/null || true
        for i in $(seq 20); do
            alive=
            for pid in $pids; do
                [ -d "/proc/$pid" ] && alive=1
            done
            [ -z "$alive" ] && break
            sleep 0.1
        done
        if [ -n "$alive" ]; then
            # shellcheck disable=SC2086
            kill -9 $pids 2>/dev/null || true
        fi
    fi
    if [ -n "$own_tmp" ]; then
        rm -rf -- "$own_tmp"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
eval "$(printf '%s' "${KEYRING_PW:-dhis2w-ci-keyring}" | gnome-keyring-daemon --unlock --components=secrets)"
export DHIS2W_KEYRING_SESSION=1

set +e
"$@"
rc=$?
set -e
exit "$rc"
