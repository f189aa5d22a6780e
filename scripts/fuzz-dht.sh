#!/usr/bin/env bash
# Fuzzes a dht-server: starts one on a free loopback port (default options, so its rate limits apply, and
# --stats 5), sends it COUNT random and mutated datagrams (default 1000000) with the Fuzz tool, then
# checks that it is still running and answers ping with its id, that its log has no "Exception" or
# "ERROR" line, and prints the drop counters from its last stats line. Exits non-zero on any failure.
# Usage: scripts/fuzz-dht.sh [COUNT]. Environment: FUZZ_ARGS (extra Fuzz options, e.g. "--seed 42"),
# SERVER_ARGS (extra dht-server options, e.g. "--rate-per-source 0 --rate-total 0").
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000000}"

source scripts/dht-bench-lib.sh
read -r -a server_args <<<"${SERVER_ARGS:-}"
read -r -a fuzz_args <<<"${FUZZ_ARGS:-}"

start_server --stats 5 "${server_args[@]}"

echo "== fuzzing dht-server on 127.0.0.1:$port with $count datagrams" >&2
failures=0
fuzz_status=0
java -cp "$work/tools.jar" dev.dhtsignal.tools.bench.Fuzz "127.0.0.1:$port" --count "$count" "${fuzz_args[@]}" \
  | tee "$work/fuzz.out" || fuzz_status=$?
if [ "$fuzz_status" -ne 0 ]; then
  echo "FAIL: the fuzzer reports the node did not survive (exit $fuzz_status)" >&2
  failures=$((failures + 1))
fi

# Wait for a stats line written after the fuzzing, so the counters printed below are final.
lines_then="$(grep -c '^stats:' "$work/server.err" || true)"
for _ in $(seq 1 70); do
  [ "$(grep -c '^stats:' "$work/server.err" || true)" -gt "$lines_then" ] && break
  sleep 0.1
done

echo
if kill -0 "$server_pid" 2>/dev/null; then
  echo "dht-server (pid $server_pid) is still running"
else
  echo "FAIL: dht-server is no longer running" >&2
  failures=$((failures + 1))
fi
if grep -E 'Exception|ERROR' "$work/server.err" >/dev/null; then
  echo "FAIL: dht-server logged $(grep -cE 'Exception|ERROR' "$work/server.err") Exception/ERROR lines; the first:" >&2
  grep -E -A 8 'Exception|ERROR' "$work/server.err" | head -n 40 >&2
  failures=$((failures + 1))
else
  echo "dht-server logged no Exception or ERROR line"
fi
last="$(grep '^stats:' "$work/server.err" | tail -n 1 || true)"
echo "server's last stats line: ${last:-none}"
echo "drop counters: $(sed -n 's/.*\(dropped=.*\)$/\1/p' <<<"$last")"
# Every datagram that reached the node is answered (served) or dropped under a reason; the fuzzer's
# pings are among the served, so served + dropped must be at least what arrived.
sent="$(sed -n 's/^sent: \([0-9]*\) datagrams.*/\1/p' "$work/fuzz.out")"
kernel_drops="$(sed -n 's/^kernel drops at the node.s socket during the run: \([0-9]*\)$/\1/p' "$work/fuzz.out")"
served="$(sed -n 's/.* served=\([0-9]*\) .*/\1/p' <<<"$last")"
dropped="$(sed -n 's/.* dropped=\([0-9]*\).*/\1/p' <<<"$last")"
if [ -n "$sent" ] && [ -n "$served" ] && [ -n "$dropped" ]; then
  arrived=$((sent - ${kernel_drops:-0}))
  echo "accounting: $sent sent, ${kernel_drops:-unknown} dropped by the kernel; node: $served served + $dropped dropped = $((served + dropped))"
  if [ $((served + dropped)) -lt "$arrived" ]; then
    echo "FAIL: the node's counters miss $((arrived - served - dropped)) of the $arrived datagrams that reached it" >&2
    failures=$((failures + 1))
  fi
fi
if [ "$failures" -gt 0 ]; then
  echo "fuzz-dht: $failures check(s) failed" >&2
  exit 1
fi
echo "fuzz-dht: all checks passed"
