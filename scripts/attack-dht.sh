#!/usr/bin/env bash
# Attacks a dht-server (default options, on a free loopback port; a fresh one per attack) while an honest
# client on 127.1.0.1 puts 100 values through it and then gets them back (dev.dhtsignal.tools.bench.Attack):
#   fill-1     stores of distinct 100-byte values from one address (127.0.0.2), 5000/s sent
#   fill-64    the same from 64 addresses (127.0.0.2 .. 127.0.0.65), 20000/s sent
#   sybil      200 ids sharing 144 bits with sha1("attacked-key"), all on 127.0.0.2, that answer the node's
#              pings and accept stores but keep nothing; the client also puts and gets that key. On
#              loopback (as on private addresses) several nodes per address are allowed by default, so
#   sybil-strict runs it again against dht-server --one-contact-per-ip, as a public address is treated
#   reflect    find_node and 100-byte stores from 64 addresses that never answer the node's pings, as
#              spoofed sources look to the node (on loopback nothing needs forging: an address the node
#              cannot verify is what a spoofed one is); the tool counts bytes the node sent them per byte
#   large      8000-byte stores from one address at 900/s (just under the 1000/s per-source limit), the
#              server with -Xmx128m
# For each: the client's success and latency, the attack's bytes out per byte in, and the server's memory
# (VmRSS, VmHWM) and last stats line. Numbers go to standard output as markdown.
# Usage: scripts/attack-dht.sh [ATTACK...] (default: all six). Environment: SERVER_ARGS (extra dht-server
# options), ATTACK_ARGS (extra options for every attack, e.g. "--honest 20").
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/dht-bench-lib.sh
read -r -a server_args <<<"${SERVER_ARGS:-}"
read -r -a attack_args <<<"${ATTACK_ARGS:-}"
attacks=("$@")
[ ${#attacks[@]} -gt 0 ] || attacks=(fill-1 fill-64 sybil sybil-strict reflect large)

memory() { grep -E '^(VmRSS|VmHWM):' "/proc/$server_pid/status" | tr -s ' \t' ' ' | paste -sd ';' -; }

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

run_attack() {
  local name="$1"
  shift
  local java_opts="${SERVER_JAVA_OPTS:-}"
  [ "$name" = large ] && java_opts="-Xmx128m ${java_opts}"
  local extra=()
  [ "$name" = sybil-strict ] && extra=(--one-contact-per-ip)
  SERVER_JAVA_OPTS="$java_opts" start_server --stats 2 "${extra[@]}" "${server_args[@]}"
  echo "== $name against 127.0.0.1:$port (server pid $server_pid${java_opts:+, $java_opts})" >&2
  echo "### $name${extra[*]:+ (dht-server ${extra[*]})}"
  echo
  java -cp "$work/tools.jar" dev.dhtsignal.tools.bench.Attack "127.0.0.1:$port" "$@" "${attack_args[@]}" \
    || echo "attack tool exited with $?"
  if kill -0 "$server_pid" 2>/dev/null; then
    echo "server memory: $(memory)"
  else
    echo "SERVER DIED; its last lines:"
    tail -n 5 "$work/server.err"
  fi
  echo "server's last stats line: $(grep '^stats:' "$work/server.err" | tail -n 1 || true)"
  if grep -E 'Exception|ERROR|OutOfMemory' "$work/server.err" >/dev/null; then
    echo "server logged errors; the first:"
    grep -E 'Exception|ERROR|OutOfMemory' "$work/server.err" | head -n 3
  fi
  echo
  stop_server
}

for a in "${attacks[@]}"; do
  case "$a" in
    fill-1) run_attack fill-1 --mode fill --sources 1 --rate 5000 ;;
    fill-64) run_attack fill-64 --mode fill --sources 64 --rate 20000 ;;
    sybil) run_attack sybil --mode sybil --sybils 200 --rate 400 ;;
    sybil-strict) run_attack sybil-strict --mode sybil --sybils 200 --rate 400 ;;
    reflect) run_attack reflect --mode reflect --sources 64 --rate 5000 ;;
    large) run_attack large --mode large --sources 1 --rate 900 --value-bytes 8000 ;;
    *) echo "unknown attack '$a' (fill-1, fill-64, sybil, sybil-strict, reflect, large)" >&2; exit 2 ;;
  esac
done
