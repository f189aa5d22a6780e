#!/usr/bin/env bash
# scripts/bench-ice-servers.sh [ROUNDS]  (default 10)
#
# Does asking the node for ICE servers slow a round down when the node never answers, as the original's
# Python nodes never answer ice_servers? Starts a dht-server on a free loopback port and two relays in
# front of it (tools node-relay): one passes everything, one drops the ice_servers requests. Then, ROUNDS
# times each, alternating, an answerer and an offerer (launched together, `--once --report-timing`) meet
# through one relay or the other. Prints each round and the medians of: the time from the offerer's
# launch until both peers have exited (wall), each peer's ready-ms (JVM start to WebRTC loaded and DHT
# joined, servers settled) and round-ms (ready to the greetings). On loopback WebRTC gathers nothing from
# the node's STUN server, so the two differ only in the ice_servers reply.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds="${1:-10}"
for jar in dht-server/target/dht-server.jar offerer/target/offerer.jar answerer/target/answerer.jar tools/target/tools.jar; do
  [ -f "$jar" ] || scripts/build.sh
done
work="$(mktemp -d "${TMPDIR:-/tmp}/bench-ice-XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ms() { date +%s%3N; }

java -jar dht-server/target/dht-server.jar --port 0 --bind 127.0.0.1 --rate-per-source 0 > "$work/server.out" 2> "$work/server.err" &
pids+=($!)
for _ in $(seq 1 300); do grep -q 'running on port' "$work/server.out" 2>/dev/null && break; sleep 0.1; done
port="$(sed -n 's/.*running on port \([0-9]*\).*/\1/p' "$work/server.out")"
[ -n "$port" ] || { echo "bench-ice-servers: the dht-server did not start" >&2; cat "$work/server.err" >&2; exit 1; }
relay() {
  java -jar tools/target/tools.jar node-relay --node "127.0.0.1:$port" --for 30m "$@" > "$work/relay-$#.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do grep -q 'relaying on' "$work/relay-$#.out" 2>/dev/null && break; sleep 0.1; done
  sed -n 's/relaying on \(.*\)/\1/p' "$work/relay-$#.out"
}
answering="$(relay)"
silent="$(relay --drop-ice-servers)"
echo "node 127.0.0.1:$port; relay passing ice_servers: $answering; relay dropping them: $silent; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| round | node | wall-ms | ready-ms offerer / answerer | round-ms offerer / answerer |"
echo "| --- | --- | --- | --- | --- |"
t() { sed -n "s/.*timing: ready-ms=\([0-9]*\) round-ms=\([0-9]*\).*/\\$2/p" "$1" | tail -1; }
for round in $(seq 1 "$rounds"); do
  for kind in answering silent; do
    dht="$answering"; [ "$kind" = silent ] && dht="$silent"
    keys=(--offer-key "bench-$kind-$round-o" --answer-key "bench-$kind-$round-a" --dht "$dht" --once --report-timing)
    start="$(ms)"
    timeout 60 java -jar answerer/target/answerer.jar "${keys[@]}" < /dev/null > /dev/null 2> "$work/a.err" & a=$!
    timeout 60 java -jar offerer/target/offerer.jar "${keys[@]}" < /dev/null > /dev/null 2> "$work/o.err" & o=$!
    ok=ok
    wait "$o" || ok="offerer failed"
    wait "$a" || ok="answerer failed"
    wall=$(( $(ms) - start ))
    echo "| $round | $kind | $wall | $(t "$work/o.err" 1) / $(t "$work/a.err" 1) | $(t "$work/o.err" 2) / $(t "$work/a.err" 2) |"
    echo "$kind $wall $(t "$work/o.err" 1) $(t "$work/a.err" 1) $(t "$work/o.err" 2) $(t "$work/a.err" 2)" >> "$work/samples"
    [ "$ok" = ok ] || { echo "round $round ($kind): $ok" >&2; tail -3 "$work/o.err" "$work/a.err" >&2; }
  done
done
echo
echo "| node | wall-ms | ready-ms offerer / answerer | round-ms offerer / answerer | (medians of $rounds) |"
echo "| --- | --- | --- | --- | --- |"
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : int((v[NR/2]+v[NR/2+1])/2)}'; }
for kind in answering silent; do
  col() { awk -v k="$kind" -v c="$1" '$1 == k && $c != "" {print $c}' "$work/samples" | median; }
  echo "| $kind | $(col 2) | $(col 3) / $(col 4) | $(col 5) / $(col 6) | |"
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
