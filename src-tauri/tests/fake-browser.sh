#!/bin/bash
# TEST ONLY. A stand-in for the user's web browser, used through DHIS2W_TEST_BROWSER: the app
# runs it with the OAuth2 authorize URL as its single argument. It signs in to the DHIS2
# stand-in with a cookie jar (FAKE_BROWSER_USER / FAKE_BROWSER_PASSWORD, default admin /
# district), approves the consent page, and delivers the final redirect:
#   - http://127.0.0.1:<port>/…  → GET it (the app's loopback receiver);
#   - org.dhis2w.desktop:/…      → append it to $FAKE_BROWSER_DEEPLINK_FILE, or, when
#                                  $FAKE_BROWSER_APP is set, run "$FAKE_BROWSER_APP" URL (a
#                                  second app instance hands it to the first).
# FAKE_BROWSER_CONSENT=cancel clicks Cancel instead; FAKE_BROWSER_LOG gets a trace (no secrets).
set -u
URL="$1"
USER_NAME=${FAKE_BROWSER_USER:-admin}
PASSWORD=${FAKE_BROWSER_PASSWORD:-district}
LOG=${FAKE_BROWSER_LOG:-/dev/null}
J=$(mktemp); PAGE=$(mktemp); HDRS=$(mktemp)
trap 'rm -f "$J" "$PAGE" "$HDRS"' EXIT
log() { echo "fake-browser: $*" >> "$LOG"; }

urldecode() { local s="${1//+/ }"; printf '%b' "${s//%/\\x}"; }
origin=$(printf %s "$URL" | sed -E 's|^(https?://[^/]+).*|\1|')
redirect_uri=$(urldecode "$(printf %s "$URL" | sed -nE 's/.*[?&]redirect_uri=([^&]*).*/\1/p')")
log "authorize on $origin, redirect to ${redirect_uri%%\?*}"

deliver() {
  local cb="$1"
  case "$cb" in
    http://*|https://*)
      log "delivering to the loopback receiver"
      curl -s -o /dev/null -w '%{http_code}\n' "$cb" >> "$LOG" ;;
    *)
      if [ -n "${FAKE_BROWSER_APP:-}" ]; then
        log "delivering the deep link through a second app instance"
        "$FAKE_BROWSER_APP" "$cb"
      else
        log "delivering the deep link to ${FAKE_BROWSER_DEEPLINK_FILE:-nowhere}"
        [ -n "${FAKE_BROWSER_DEEPLINK_FILE:-}" ] && printf '%s\n' "$cb" >> "$FAKE_BROWSER_DEEPLINK_FILE"
      fi ;;
  esac
  exit 0
}

# One request with the cookie jar; prints the raw Location header (curl would normalise a
# private-use scheme URL), empty when there is none.
req() {
  curl -s -c "$J" -b "$J" -o "$PAGE" -D "$HDRS" "$@" > /dev/null
  grep -i '^location:' "$HDRS" | head -n 1 | cut -d' ' -f2- | tr -d '\r'
}

# Follows redirects by hand until the app's redirect URI (delivered) or a page (printed).
follow() {
  local u="$1" out
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    case "$u" in "$redirect_uri"*) deliver "$u" ;; esac
    case "$u" in /*) u="$origin$u" ;; esac
    out=$(req "$u")
    if [ -z "$out" ]; then echo "$u"; return; fi
    u="$out"
  done
  log "too many redirects"; exit 1
}

page_url=$(follow "$URL")
if grep -q 'id="login-form"' "$PAGE"; then
  action=$(grep -o 'id="login-form"[^>]*action="[^"]*"' "$PAGE" | sed -E 's/.*action="([^"]*)".*/\1/')
  log "login form"
  loc=$(req --data-urlencode "username=$USER_NAME" --data-urlencode "password=$PASSWORD" "$origin$action")
  [ -z "$loc" ] && { log "login failed"; exit 1; }
  page_url=$(follow "$loc")
fi
if grep -q 'id="consent-form"' "$PAGE"; then
  action=$(grep -o 'id="consent-form"[^>]*action="[^"]*"' "$PAGE" | sed -E 's/.*action="([^"]*)".*/\1/')
  choice=${FAKE_BROWSER_CONSENT:-approve}
  log "consent: $choice"
  args=(-d "action=$choice")
  for s in $(grep -o 'name="scope" value="[^"]*"' "$PAGE" | sed -E 's/.*value="([^"]*)"/\1/'); do
    args+=(--data-urlencode "scope=$s")
  done
  loc=$(req "${args[@]}" "$origin$action")
  [ -z "$loc" ] && { log "consent failed"; exit 1; }
  follow "$loc" > /dev/null
fi
log "ended on a page without a redirect: ${page_url%%\?*}"
exit 1
