#!/usr/bin/env bash
# Attacks the HTTP gateway of a fresh `dht-server --http 0` (default options, loopback; a new server per
# attack) with the attacks of issue 19, an honest client on 127.0.0.1 beside the attacker
# (dev.dhtsignal.tools.bench.GatewayAttack). Prints one markdown row per attack: what the attacker
# achieved, what the honest client saw.
#   slowloris          300 connections from 10 /24s (127.1.N.1), half of them sending half a request
#   host-rebinding     a PUT naming Host and Origin attacker.example:P (a DNS-rebinding page)
#   prefix-waits       16 addresses of one /24 x 32 long-polls each (the issue's 8 x 32 took every wait)
#   reload-lockout     a page holds its long-polls, closes them all (a reload), and asks again
#   cors-refusals      100 GETs one after another and one over-long address from an allowed origin
#                      (server with --http-allow-origin https://peers.example --http-rate 1)
#   malformed          requests the decoder refuses, and the names %FF, %FE, %ED%A0%80
#   keepalive-latency  200 GETs one after another on one kept-alive connection (server with --http-rate 0)
# Usage: scripts/attack-gateway.sh [ATTACK...] (default: all). DHT_SERVER_JAR=path attacks another build.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/dht-bench-lib.sh
[ -n "${DHT_SERVER_JAR:-}" ] && cp "$DHT_SERVER_JAR" "$work/dht-server.jar"
attacks=("$@")
[ ${#attacks[@]} -gt 0 ] || attacks=(slowloris host-rebinding prefix-waits reload-lockout cors-refusals malformed keepalive-latency)

http_port=""
await_http_port() {
  for _ in $(seq 1 300); do
    http_port="$(sed -n 's|^HTTP gateway and web page on http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$work/server.out")"
    [ -n "$http_port" ] && return 0
    sleep 0.1
  done
  echo "attack-gateway: the gateway printed no address line:" >&2
  cat "$work/server.err" >&2
  exit 1
}

echo "| attack | attacker achieved | honest client saw |"
echo "| --- | --- | --- |"
for name in "${attacks[@]}"; do
  extra=()
  [ "$name" = cors-refusals ] && extra=(--http-allow-origin https://peers.example --http-rate 1)
  [ "$name" = keepalive-latency ] && extra=(--http-rate 0)
  start_server --http 0 "${extra[@]}"
  await_http_port
  echo "== $name against the gateway on 127.0.0.1:$http_port (server pid $server_pid)" >&2
  java -cp "$work/tools.jar" dev.dhtsignal.tools.bench.GatewayAttack "$http_port" --attack "$name" \
    || echo "| $name | attack tool exited with $? | |"
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
done
