#!/usr/bin/env bash
# Floods a dht-server with one million distinct store requests: starts one on a free loopback port with
# its DEFAULT limits (among them --max-entries 100000 and 1000 requests/s per source address), runs the
# Flood tool (distinct keys, 16-byte values, 100000 sender ids, 32 source addresses 127.0.0.2..33), and
# prints the server's memory (VmRSS, and VmHWM, its peak) before and after and its last stats line.
# Expected: keys capped at the entry limit, the rest dropped as "storage full" or "rate limited", the
# server still answering, memory bounded (the heap in use after a full GC, printed when jcmd is there,
# shows what the node keeps; RSS also counts garbage the JVM has not collected yet). Exits non-zero if the server died, stopped answering, logged
# an Exception/ERROR line, or holds more keys than its limit.
# Usage: scripts/flood-dht.sh [COUNT]. Environment: FLOOD_ARGS, SERVER_ARGS (extra options),
# SERVER_JAVA_OPTS (JVM options for dht-server, e.g. "-Xmx128m" to see the peak RSS with a capped heap).
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000000}"
max_entries="${MAX_ENTRIES:-100000}"  # dht-server's default --max-entries; set MAX_ENTRIES if SERVER_ARGS changes it

source scripts/dht-bench-lib.sh
read -r -a server_args <<<"${SERVER_ARGS:-}"
read -r -a flood_args <<<"${FLOOD_ARGS:-}"

start_server --stats 5 "${server_args[@]}"

memory() { grep -E '^(VmRSS|VmHWM):' "/proc/$server_pid/status" | tr -s ' \t' ' ' | paste -sd ';' -; }
echo "== flooding dht-server on 127.0.0.1:$port (pid $server_pid) with $count stores" >&2
before="$(memory)"
failures=0
java -cp "$work/tools.jar" dev.dhtsignal.tools.bench.Flood "127.0.0.1:$port" --count "$count" "${flood_args[@]}" \
  || { echo "FAIL: the flood tool reports the node did not answer afterwards (exit $?)" >&2; failures=$((failures + 1)); }

lines_then="$(grep -c '^stats:' "$work/server.err" || true)"
for _ in $(seq 1 70); do
  [ "$(grep -c '^stats:' "$work/server.err" || true)" -gt "$lines_then" ] && break
  sleep 0.1
done
echo
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "FAIL: dht-server is no longer running" >&2
  exit 1
fi
echo "server memory before: $before"
echo "server memory after:  $(memory)"
# RSS is mostly how far the JVM has grown its heap, garbage included; what the node actually keeps is
# the heap in use after a full collection.
if command -v jcmd >/dev/null 2>&1 && jcmd "$server_pid" GC.run >/dev/null 2>&1; then
  used="$(jcmd "$server_pid" GC.heap_info 2>/dev/null | sed -n 's/.*garbage-first heap *total \([0-9]*K\), used \([0-9]*K\).*/\2 used of \1/p')"
  echo "server heap after a full GC: ${used:-unknown}; memory then: $(memory)"
fi
last="$(grep '^stats:' "$work/server.err" | tail -n 1 || true)"
echo "server's last stats line: ${last:-none}"
keys="$(sed -n 's/.* keys=\([0-9]*\) .*/\1/p' <<<"$last")"
if [ -z "$keys" ] || [ "$keys" -gt "$max_entries" ]; then
  echo "FAIL: the server holds ${keys:-an unknown number of} keys; its limit is $max_entries" >&2
  failures=$((failures + 1))
fi
if grep -E 'Exception|ERROR' "$work/server.err" >/dev/null; then
  echo "FAIL: dht-server logged Exception/ERROR lines; the first:" >&2
  grep -E -A 8 'Exception|ERROR' "$work/server.err" | head -n 40 >&2
  failures=$((failures + 1))
fi
if [ "$failures" -gt 0 ]; then
  echo "flood-dht: $failures check(s) failed" >&2
  exit 1
fi
echo "flood-dht: all checks passed"
