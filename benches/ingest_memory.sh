#!/usr/bin/env bash
# The control plane's memory under hostile sample bodies: four concurrent POSTs of 64 MiB of
# samples that are all refused (an unknown metric), against `cutover serve` (release build).
# Reports the server's peak RSS (VmHWM), its RSS afterwards, each answer's size and status,
# and the wall time. Usage: benches/ingest_memory.sh [BODIES] (default 4). Needs curl.
set -euo pipefail
cd "$(dirname "$0")/.."
bodies="${1:-4}"
cargo build --release -q
bin="$PWD/target/release/cutover"
work="$(mktemp -d)"
trap 'kill "$serve" 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$work/bad.ndjson" <<'PY'
import sys
line = b'{"metric": "no_such_metric", "cohort": "shop/staff", "variant": "enhanced", "value": 0.25}\n'
target = 64 * 1024 * 1024 - 1024
with open(sys.argv[1], "wb") as f:
    n = target // len(line)
    f.write(line * n)
PY
size="$(stat -c %s "$work/bad.ndjson")"
"$bin" serve --profile minimal --listen 127.0.0.1:0 --data "$work/data" 2>"$work/serve.log" &
serve=$!
for _ in $(seq 50); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
url="$(grep -o 'http://[0-9.:]*' "$work/serve.log" | head -1)"
before="$(awk '/VmRSS/ {print $2}' "/proc/$serve/status")"
start="$(date +%s.%N)"
for i in $(seq "$bodies"); do
  curl -s -o "$work/answer-$i" -w "%{http_code}\n" -H 'content-type: application/x-ndjson' \
    --data-binary "@$work/bad.ndjson" "$url/v1/samples" > "$work/status-$i" &
done
wait $(jobs -p | grep -v "^$serve$") 2>/dev/null || true
end="$(date +%s.%N)"
hwm="$(awk '/VmHWM/ {print $2}' "/proc/$serve/status")"
after="$(awk '/VmRSS/ {print $2}' "/proc/$serve/status")"
echo "$bodies concurrent bodies of $((size / 1048576)) MiB of refused samples ($(( size / 91 )) samples each):"
for i in $(seq "$bodies"); do
  echo "  answer $i: HTTP $(cat "$work/status-$i"), $(stat -c %s "$work/answer-$i") bytes, rejected_total $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['rejected_total'])" "$work/answer-$i")"
done
awk -v b="$before" -v h="$hwm" -v a="$after" -v s="$start" -v e="$end" 'BEGIN {
  printf "  server RSS before %.1f MB, peak %.1f MB, after %.1f MB; %.1f s\n", b/1024, h/1024, a/1024, e-s }'
