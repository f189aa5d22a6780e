#!/usr/bin/env bash
# Benchmarks the DHT and prints markdown tables on standard output:
#  1. find_value load: a dht-server on a free loopback port, loaded over raw UDP with 1, 16 and 64
#     requests in flight (FindValueLoad): replies/s, latency, and the CPU the node used per reply.
#     The server runs with its limits OFF (--rate-per-source 0 --rate-per-prefix 0 --rate-total 0
#     --unverified-reserve 0; the load generator is a source the node never verifies): with the defaults
#     (1000 requests/s per source) the benchmark would measure the limiter, not the node.
#  2. iterative lookups in in-JVM networks of 100 and 500 nodes (LookupBench): hops, RPCs, time.
# Builds the jars first if they are missing. Extra options through the environment:
#   LOAD_ARGS         for FindValueLoad, e.g. "--inflight 1,16,64,256 --duration 20s"
#   LOOKUP_ARGS       for LookupBench, e.g. "--sizes 100,500,1000 --lookups 500"
#   SERVER_ARGS       for dht-server, e.g. "--receiver-threads 2"
#   SERVER_JAVA_OPTS  JVM options for dht-server, e.g. "-XX:StartFlightRecording=filename=/tmp/load.jfr"
#   SKIP_LOOKUPS=1    only the load benchmark
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/dht-bench-lib.sh

read -r -a server_args <<<"${SERVER_ARGS:-}"
read -r -a load_args <<<"${LOAD_ARGS:-}"
read -r -a lookup_args <<<"${LOOKUP_ARGS:-}"

no_limits=(--rate-per-source 0 --rate-per-prefix 0 --rate-total 0 --unverified-reserve 0)
echo "== starting dht-server (limits off: ${no_limits[*]}) ${SERVER_ARGS:-}" >&2
start_server "${no_limits[@]}" --stats 5 "${server_args[@]}"

echo "== find_value load against 127.0.0.1:$port (server pid $server_pid)" >&2
echo "### find_value load (dht-server with ${no_limits[*]} ${SERVER_ARGS:-})"
echo
java -cp "$work/tools.jar" dev.dhtsignal.tools.bench.FindValueLoad "127.0.0.1:$port" \
  --server-pid "$server_pid" "${load_args[@]}"
echo
echo "server's last stats line: $(grep '^stats:' "$work/server.err" | tail -n 1 || true)"
if grep -E 'Exception|ERROR' "$work/server.err" >/dev/null; then
  echo "dht-server logged errors:" >&2
  grep -E 'Exception|ERROR' "$work/server.err" | head -n 20 >&2
  exit 1
fi
# Stopped before the lookups, which run in their own JVM and want both cores.
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""

if [ "${SKIP_LOOKUPS:-0}" != 1 ]; then
  echo "== lookups in in-JVM networks" >&2
  echo
  echo "### iterative lookups"
  echo
  java -cp "$work/tools.jar" dev.dhtsignal.tools.bench.LookupBench "${lookup_args[@]}"
fi
