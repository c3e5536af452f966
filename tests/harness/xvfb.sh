#!/usr/bin/env bash
# Runs a command on a private Xvfb display: tests/harness/xvfb.sh [--size WxH] command args...
# Every window of the tests, the bench, the screenshots and the headless demo goes through here.
#
# -noreset: by default Xvfb resets when its last client disconnects, and a client that connects
# during the reset is dropped before its connection is accepted (GTK then panics with "Failed to
# initialize GTK"). That is what happens when a scenario closes the app and starts it again at
# once: the official CI of 654c844 failed that way in s16. Checked by
# tests/e2e/tests/startup.rs (the_display_keeps_its_state_when_the_last_window_closes).
set -euo pipefail
size=1280x800
if [ "${1:-}" = "--size" ]; then
  size=$2
  shift 2
fi
exec xvfb-run -a -s "-screen 0 ${size}x24 -noreset" "$@"
