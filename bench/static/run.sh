#!/usr/bin/env bash
# Runs the benchmark harness in headless Chromium without Node or Playwright: serves dist/bench
# (npm run bench:static builds it) with serve.py and loads it with a plan (bench/harness/autorun.ts).
#   bench/static/run.sh OUT.jsonl '<AutorunPlan JSON>' [extra Chromium flags...]
# CHROMIUM names the browser (default /usr/bin/chromium); BENCH_TIMEOUT_S bounds the run (600).
# Chromium's own log goes to OUT.jsonl.chromium.log.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../../dist/bench"
out="$1"
plan="$2"
shift 2
port=5198
: >"$out"
python3 "$here/serve.py" --root "$root" --port "$port" --out "$out" &
server=$!
profile="$(mktemp -d)"
query="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$plan")"
sleep 1
"${CHROMIUM:-/usr/bin/chromium}" --headless=new --no-sandbox --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" "$@" \
  "http://127.0.0.1:$port/bench/harness/index.html?plan=$query" 2>"$out.chromium.log" &
browser=$!
# serve.py exits when the page says it is done.
if ! timeout "${BENCH_TIMEOUT_S:-600}" tail --pid="$server" -f /dev/null; then
  echo "run.sh: the page did not finish in ${BENCH_TIMEOUT_S:-600} s" >&2
fi
kill "$browser" "$server" 2>/dev/null || true
wait 2>/dev/null || true
rm -rf "$profile"
