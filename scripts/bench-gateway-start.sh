#!/usr/bin/env bash
# What the HTTP gateway adds to dht-server's start: launch until the ready line, DHT only and with
# --http, and with --http until the first page is served. RUNS (default 10) starts of each, alternating.
# Usage: scripts/bench-gateway-start.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
[ -f dht-server/target/dht-server.jar ] || scripts/build.sh
command -v curl >/dev/null 2>&1 || { echo "bench-gateway-start: needs curl" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp dht-server/target/dht-server.jar "$work/"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# One start: prints "ready_ms [page_ms]" (page_ms only with --http).
one_start() {
  local t0 ready="" page="" url="" line pid
  t0=$(now_ms)
  coproc SERVER { exec java -jar "$work/dht-server.jar" --port 0 --bind 127.0.0.1 "$@" 2>/dev/null; }
  pid=$SERVER_PID
  while IFS= read -r line <&"${SERVER[0]}"; do
    case "$line" in
      "DHT Server running on port "*) ready=$(( $(now_ms) - t0 )); [ "$#" -eq 0 ] && break ;;
      "HTTP gateway and web page on "*) url="${line#HTTP gateway and web page on }"; break ;;
    esac
  done
  if [ -n "$url" ]; then
    curl -fsS -o /dev/null "$url"
    page=$(( $(now_ms) - t0 ))
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "$ready $page"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: >"$work/plain" ; : >"$work/http"
for i in $(seq 1 "$runs"); do
  one_start >>"$work/plain"
  one_start --http 0 >>"$work/http"
done
echo "starts of each: $runs (median ms)"
echo "DHT only, launch to ready line:        $(cut -d' ' -f1 "$work/plain" | median)"
echo "with --http, launch to ready line:     $(cut -d' ' -f1 "$work/http" | median)"
echo "with --http, launch to page served:    $(cut -d' ' -f2 "$work/http" | median)"
