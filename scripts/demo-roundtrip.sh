#!/usr/bin/env bash
# Scripted round trip against a running demo (`make demo` in another terminal):
#   GET  /api/mizan/session/                 -> csrftoken cookie + {"csrfToken": ...}
#   POST /api/mizan/call/  echo("hi")         with the cookie and the X-CSRFToken header
#   GET  /api/mizan/ctx/user/?user_id=5       -> the flat `user` context bundle
# Prints each curl command with the status and body it got; exits non-zero on any
# unexpected answer. Environment: PORT (default 8000) or BASE_URL.
set -euo pipefail

BASE_URL="${BASE_URL:-http://127.0.0.1:${PORT:-8000}}"
API="$BASE_URL/api/mizan"

command -v curl >/dev/null 2>&1 || {
    echo "demo-roundtrip: curl is needed (Debian: apt-get install curl)" >&2
    exit 1
}

# Work in a scratch directory so the commands read as typed: `-c cookies.txt`.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
jar=cookies.txt
body=body.json
failed=0

# Print an argument the way one would type it: bare when safe, else in single quotes.
quote() {
    local escaped="'\\''"
    if [[ "$1" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
        printf ' %s' "$1"
    else
        printf " '%s'" "${1//\'/$escaped}"
    fi
}

# request EXPECTED_STATUS EXPECTED_BODY(regex) CURL_ARGS...
request() {
    local want_status="$1" want_body="$2" status
    shift 2
    printf '$ curl'
    for arg in "$@"; do quote "$arg"; done
    printf '\n'
    status="$(curl -sS -o "$body" -w '%{http_code}' "$@")" || {
        echo "demo-roundtrip: no answer from $BASE_URL; is the demo running (make demo)?" >&2
        exit 1
    }
    echo "HTTP $status"
    cat "$body"
    echo
    if [ "$status" != "$want_status" ] || ! grep -Eq "^${want_body}\$" "$body"; then
        echo "demo-roundtrip: expected HTTP $want_status and a body matching ${want_body}" >&2
        failed=1
    fi
}

request 200 '\{"csrfToken":"[A-Za-z0-9]+"\}' -c "$jar" "$API/session/"
token="$(sed -n 's/.*"csrfToken":"\([A-Za-z0-9]*\)".*/\1/p' "$body")"

request 200 '\{"result":\{"message":"echo: hi"\}\}' \
    -b "$jar" -H "X-CSRFToken: $token" -H "Content-Type: application/json" \
    -d '{"fn":"echo","args":{"text":"hi"}}' "$API/call/"

request 200 '\{"user_orders":\{"count":50\},"user_profile":\{"name":"[^"]*"\}\}' \
    -b "$jar" "$API/ctx/user/?user_id=5"

if [ "$failed" -ne 0 ]; then
    exit 1
fi
echo "demo-roundtrip: OK"
