#!/usr/bin/env bash
# Attacks a dht-server --network mainline (default options unless noted; a fresh one per attack, on a free
# port of 127.0.0.1) with dev.dhtsignal.tools.bench.MainlineAttack, and prints one line of measured result
# per attack. Attackers bind addresses of their own in 127.0.0.0/8; an honest peer, where there is one, is a
# read-only node on 127.1.0.1.
#   flood       an honest peer puts a signed item, then 4 addresses send 50 500 immutable puts in ~15 s
#               (the reported case); is the signed item still there?
#   flood-full  the same from 40 addresses, 60 000 puts in ~18 s: more than the 50 000 items the node holds,
#               so that it must give up items: the heaviest network's oldest, never the honest one
#   reflect     8 addresses that never answer (what forged sources look like) send gets for a stored
#               900-byte item, 3000/s for 20 s: bytes out per byte in
#   reflect-no-allowance  the same against dht-server --unverified-allowance 0 (no bytes/s for honest
#               never-verified clients beyond what they send): what is left is the reserve
#   txid        100 sockets make the node ping them; how predictable are its transaction ids?
#   announce    40 addresses each announce 2 torrents near the node's id as BitTorrent clients do
#               (get_peers for a token, then announce_peer): refused ones, and get_peers afterwards
#   sybil       8 addresses with ids sharing 120+ bits with a target, beside 24 nodes with BEP 42 ids:
#               how many of the node's 8 closest to the target are Sybils? On loopback BEP 42 is exempt, so
#   sybil-strict runs it again against dht-server --strict-node-ids, as a public address is treated
#   libtorrent  40 libtorrent sessions (Debian's python3-libtorrent, scripts/libtorrent-announce.py) join
#               through the node, announce 2 torrents each near its id, and say whether it is still in their
#               routing tables; skipped when /usr/bin/python3 cannot import libtorrent
# Usage: scripts/attack-mainline.sh [ATTACK...] (default: all). Environment: SERVER_ARGS (extra dht-server
# options), SERVER_JAR (another dht-server.jar to attack, e.g. an older build, for comparison).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/dht-bench-lib.sh
[ -n "${SERVER_JAR:-}" ] && cp "$SERVER_JAR" "$work/dht-server.jar"
read -r -a server_args <<<"${SERVER_ARGS:-}"
attacks=("$@")
[ ${#attacks[@]} -gt 0 ] || attacks=(flood flood-full reflect reflect-no-allowance txid announce sybil sybil-strict libtorrent)

run_attack() {
  local name="$1" extra_server="$2"
  shift 2
  local extra=()
  [ -n "$extra_server" ] && read -r -a extra <<<"$extra_server"
  # 127.0.0.1:9 (nothing listens there) as the address to join through: without one the server would try
  # the public BitTorrent routers.
  start_server --network mainline --stats 5 "${extra[@]}" "${server_args[@]}" 127.0.0.1:9
  echo "== $name against 127.0.0.1:$port (server pid $server_pid${extra_server:+, $extra_server})" >&2
  local line
  if [ "$1" = --libtorrent ]; then
    local id
    id="$(sed -n 's/.*Mainline node id \([0-9a-f]\{40\}\) listening.*/\1/p' "$work/server.err" | head -n 1)"
    line="$(/usr/bin/python3 scripts/libtorrent-announce.py "127.0.0.1:$port" "$id" 40 2 2>"$work/attack.err")" \
      || line="libtorrent-announce.py exited with $?: $(tail -n 1 "$work/attack.err")"
  else
    line="$(java -cp "$work/tools.jar" dev.dhtsignal.tools.bench.MainlineAttack "127.0.0.1:$port" "$@" 2>"$work/attack.err")" \
      || line="attack tool exited with $?: $(tail -n 1 "$work/attack.err")"
  fi
  sleep 5  # one more stats line after the attack (a report's phase, not a wait for a condition)
  local stats
  stats="$(grep '^mainline:' "$work/server.err" | tail -n 1 || true)"
  if ! kill -0 "$server_pid" 2>/dev/null; then
    line="$line; SERVER DIED: $(tail -n 1 "$work/server.err")"
  elif grep -E 'Exception|ERROR|OutOfMemory' "$work/server.err" >/dev/null; then
    line="$line; server logged: $(grep -E 'Exception|ERROR|OutOfMemory' "$work/server.err" | head -n 1)"
  fi
  echo "$name${extra_server:+ ($extra_server)} | $line"
  echo "   server: $stats" >&2
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

for a in "${attacks[@]}"; do
  case "$a" in
    flood) run_attack flood "" --mode flood --sources 4 --puts 50500 --rate 3400 ;;
    flood-full) run_attack flood-full "" --mode flood --sources 40 --puts 60000 --rate 3400 ;;
    reflect) run_attack reflect "" --mode reflect --sources 8 --rate 3000 --seconds 20 ;;
    reflect-no-allowance) run_attack reflect-no-allowance "--unverified-allowance 0" --mode reflect --sources 8 --rate 3000 --seconds 20 ;;
    txid) run_attack txid "" --mode txid --sources 4 ;;
    announce) run_attack announce "" --mode announce --sources 40 --announces 2 ;;
    sybil) run_attack sybil "" --mode sybil --sources 8 ;;
    sybil-strict) run_attack sybil-strict "--strict-node-ids" --mode sybil --sources 8 ;;
    libtorrent)
      if /usr/bin/python3 -c 'import libtorrent' 2>/dev/null; then
        run_attack libtorrent "" --libtorrent
      else
        echo "libtorrent | skipped: /usr/bin/python3 cannot import libtorrent (apt-get install python3-libtorrent)"
      fi ;;
    *) echo "unknown attack '$a' (flood, flood-full, reflect, reflect-no-allowance, txid, announce, sybil, sybil-strict, libtorrent)" >&2; exit 2 ;;
  esac
done
