#!/usr/bin/env bash
# scripts/bench-mainline.sh [ROUNDS] [NODES]   (defaults 5 and 20)
#
# How long do two peers take to meet over the Mainline DHT? Starts NODES bittorrent-dht nodes on loopback
# (mainline-tests/swarm.mjs; scripts/setup.sh installs them), then ROUNDS times starts an answerer and an
# offerer together with `--network mainline --session CODE --once --report-timing`, each joining through a
# different node, and prints one markdown row per round:
#
#   wall-ms     launch of both JVMs to both processes exited: what a user waits
#   ready-ms    JVM start to ready (WebRTC loaded, DHT joined), offerer / answerer
#   round-ms    ready to greetings done, offerer / answerer
#
# Loopback only: no public host and no BitTorrent router is contacted. Every wait is bounded (timeout).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds="${1:-5}"
nodes="${2:-20}"
limit_s=120
for jar in offerer/target/offerer.jar answerer/target/answerer.jar; do
  [ -f "$jar" ] || { echo "bench-mainline: $jar is missing; run scripts/build.sh" >&2; exit 1; }
done
[ -d mainline-tests/node_modules/bittorrent-dht ] || { echo "bench-mainline: run scripts/setup.sh first" >&2; exit 1; }

work="$(mktemp -d)"
swarm_pid=""
cleanup() {
  [ -n "$swarm_pid" ] && kill "$swarm_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkfifo "$work/swarm.in"
node mainline-tests/swarm.mjs "$nodes" < "$work/swarm.in" > "$work/swarm.out" 2> "$work/swarm.err" &
swarm_pid=$!
exec 3> "$work/swarm.in"   # holds the swarm's standard input open until the script ends
for _ in $(seq 1 600); do
  grep -q '"ready"' "$work/swarm.out" 2>/dev/null && break
  sleep 0.1
done
mapfile -t addresses < <(grep -o '127\.0\.0\.1:[0-9]*' "$work/swarm.out")
[ "${#addresses[@]}" -eq "$nodes" ] || { echo "bench-mainline: the swarm did not start" >&2; cat "$work/swarm.err" >&2; exit 1; }

code() {
  local alphabet=0123456789ABCDEFGHJKMNPQRSTVWXYZ out="" i
  for i in $(seq 1 12); do out+="${alphabet:$((RANDOM % 32)):1}"; done
  echo "${out:0:4}-${out:4:4}-${out:8:4}"
}
ms() { date +%s%3N; }

echo "| round | wall-ms | ready-ms offerer / answerer | round-ms offerer / answerer | result |"
echo "| --- | --- | --- | --- | --- |"
for round in $(seq 1 "$rounds"); do
  c="$(code)"
  a="${addresses[$((round % nodes))]}"
  o="${addresses[$(((round + nodes / 2) % nodes))]}"
  start="$(ms)"
  timeout "$limit_s" java -jar answerer/target/answerer.jar --network mainline --session "$c" --bootstrap "$a" \
    --once --no-default-stun --report-timing < /dev/null > "$work/a.out" 2> "$work/a.err" & apid=$!
  timeout "$limit_s" java -jar offerer/target/offerer.jar --network mainline --session "$c" --bootstrap "$o" \
    --once --no-default-stun --report-timing < /dev/null > "$work/o.out" 2> "$work/o.err" & opid=$!
  result=ok
  wait "$opid" || result="offerer failed"
  wait "$apid" || result="${result/ok/}answerer failed"
  wall=$(( $(ms) - start ))
  t() { sed -n "s/.*timing: ready-ms=\([0-9]*\) round-ms=\([0-9]*\).*/\\$2/p" "$1" | tail -1; }
  echo "| $round | $wall | $(t "$work/o.err" 1) / $(t "$work/a.err" 1) | $(t "$work/o.err" 2) / $(t "$work/a.err" 2) | $result |"
  if [ "$result" != ok ]; then tail -3 "$work/o.err" "$work/a.err" >&2; fi
done
