#!/usr/bin/env bash
# Benchmarks the DHT and prints markdown tables on standard output:
#  1. find_value load: a dht-server on a free loopback port, loaded over raw UDP with 1, 16 and 64
#     requests in flight (FindValueLoad): replies/s, latency, and the CPU the node used per reply.
#     The server runs with its rate limits OFF (--rate-per-source 0 --rate-total 0): with the defaults
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

if [ ! -f dht-server/target/dht-server.jar ] || [ ! -f tools/target/tools.jar ]; then
  echo "== building (jars missing)" >&2
  scripts/build.sh
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# Private copies: a rebuild while the benchmark runs must not change a jar under a running JVM.
cp dht-server/target/dht-server.jar tools/target/tools.jar "$work/"

read -r -a server_java_opts <<<"${SERVER_JAVA_OPTS:-}"
read -r -a server_args <<<"${SERVER_ARGS:-}"
read -r -a load_args <<<"${LOAD_ARGS:-}"
read -r -a lookup_args <<<"${LOOKUP_ARGS:-}"

echo "== starting dht-server (rate limits off: --rate-per-source 0 --rate-total 0) ${SERVER_ARGS:-}" >&2
java "${server_java_opts[@]}" -jar "$work/dht-server.jar" --port 0 --bind 127.0.0.1 \
  --rate-per-source 0 --rate-total 0 --stats 5 "${server_args[@]}" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
port=""
for _ in $(seq 1 300); do
  port="$(sed -n 's/^DHT Server running on port \([0-9]*\)$/\1/p' "$work/server.out")"
  [ -n "$port" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "dht-server exited before it was ready:" >&2
    cat "$work/server.err" >&2
    exit 1
  fi
  sleep 0.1
done
[ -n "$port" ] || { echo "dht-server printed no ready line within 30 s" >&2; exit 1; }

echo "== find_value load against 127.0.0.1:$port (server pid $server_pid)" >&2
echo "### find_value load (dht-server with --rate-per-source 0 --rate-total 0 ${SERVER_ARGS:-})"
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
