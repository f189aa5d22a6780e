#!/usr/bin/env bash
# Attacks on short codes and sealed offers, each against the stock programs on loopback (a fresh dht-server,
# or fresh Mainline dht-servers, per attack; the attacker's steps are dev.dhtsignal.tools.bench.ShortCodeAttack).
# Prints one result line per attack:
#   squat-kademlia      "abandoned" values (29 bytes) expiring in the year 3000 under every offerer key 1..SQUAT_COUNT
#                       (default 9999); then offerer --session and an answerer with the code it prints
#   squat-mainline      Mainline items with seq 2^63-1 (no write can pass it) and an empty value, which reads as free,
#                       at the offerer items of 1..99, on MAINLINE_NODES (default 6) dht-server --network mainline;
#                       then offerer --session and its answerer over them
#   two-guesses         the attacker answers the claim with guess 1 (the offerer abandons the code), posts its own
#                       claim with guess 2 (here the right words: the worst case, a lucky guess), and the answerer
#                       comes with the code; then the answerer is run again with the code, against another claim
#   two-guesses-marker  the same on two dht-servers, the attacker's claim on one only: the other still shows the
#                       offerer's "abandoned" marker beside it
#   third-guess         the attacker answers with a wrong guess, erases the "abandoned" marker, and the offerer is
#                       run again with the code it printed (offerer --session CODE)
#   displace            a claim with exchange id 00.. written over the offerer's once its code is shown; then the
#                       answerer comes with that code
#   sealed-slots        offers that say they expire in the year 3000, in all 4 slots, sealed with the session's
#                       secret (by someone who has it); then offerer and answerer with that secret
#   plain-slots         the same in plain mode, where anyone can write them
# Usage: scripts/attack-shortcodes.sh [ATTACK...] (default: all). Environment: PROGRAMS=DIR holding offerer.jar,
# answerer.jar and dht-server.jar to attack other builds (default: this tree's); the attacker is always this tree's
# tools.jar. The programs get a cache directory of their own (XDG_CACHE_HOME), so what they remember of earlier
# runs plays no part. Loopback only; every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

squat_count="${SQUAT_COUNT:-9999}"
mainline_nodes="${MAINLINE_NODES:-6}"
programs="${PROGRAMS:-}"
attacks=("$@")
[ ${#attacks[@]} -gt 0 ] || attacks=(squat-kademlia squat-mainline two-guesses two-guesses-marker third-guess displace sealed-slots plain-slots)

if [ -z "$programs" ]; then
  for jar in offerer/target/offerer.jar answerer/target/answerer.jar dht-server/target/dht-server.jar tools/target/tools.jar; do
    [ -f "$jar" ] || { echo "== building (jars missing)" >&2; scripts/build.sh; break; }
  done
fi
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
if [ -n "$programs" ]; then
  cp "$programs/offerer.jar" "$programs/answerer.jar" "$programs/dht-server.jar" "$work/"
else
  cp offerer/target/offerer.jar answerer/target/answerer.jar dht-server/target/dht-server.jar "$work/"
fi
cp tools/target/tools.jar "$work/"
export XDG_CACHE_HOME="$work/cache"
unset DHT_SECRET DHT_SERVER_HOST DHT_SERVER_PORT DHT_KEY_OFFER DHT_KEY_ANSWER

ms() { date +%s%3N; }
seconds() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }
tool() { timeout 900 java -cp "$work/tools.jar" dev.dhtsignal.tools.bench.ShortCodeAttack "$@"; }
# The last line of a program's standard error, without its "program: " prefix.
said() { tail -n 1 "$1" | sed 's/^[a-z-]*: //'; }

# wait_for FILE REGEX SECONDS: waits until a line of FILE matches; prints it (empty when the time ran out).
wait_for() {
  local i
  for i in $(seq 1 $(($3 * 10))); do
    if grep -Eq "$2" "$1" 2>/dev/null; then grep -E "$2" "$1" | head -n 1; return 0; fi
    sleep 0.1
  done
  return 0
}

# start_server NAME [dht-server options...]: a dht-server on a free loopback port; sets $port.
start_server() {
  local name="$1"
  shift
  java -jar "$work/dht-server.jar" --port 0 --bind 127.0.0.1 "$@" > "$work/$name.out" 2> "$work/$name.err" &
  pids+=($!)
  port="$(wait_for "$work/$name.out" '^DHT Server running on port [0-9]+$' 60 | sed 's/[^0-9]//g')"
  [ -n "$port" ] || { echo "dht-server $name did not start:" >&2; cat "$work/$name.err" >&2; exit 1; }
}

stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}

# peer NAME PROGRAM ARGS...: starts offerer or answerer in the background, output in $work/NAME.{out,err}; sets $peer_pid.
peer() {
  local name="$1" program="$2"
  shift 2
  timeout 300 java -jar "$work/$program.jar" "$@" < /dev/null > "$work/$name.out" 2> "$work/$name.err" &
  peer_pid=$!
  pids+=("$peer_pid")
}

# wait_rc PID: waits for a background process of this shell; its exit status in $rc.
wait_rc() { rc=0; wait "$1" || rc=$?; }

code_of() { wait_for "$work/$1.out" '^Session code: ' "$2" | sed 's/^Session code: //'; }

# met OFFERER_NAME OFFERER_PID ANSWERER_NAME ANSWERER_PID: sets $outcome, "answerer connected" or what went wrong.
met() {
  local orc arc
  wait_rc "$2"; orc="$rc"
  wait_rc "$4"; arc="$rc"
  if [ "$orc" = 0 ] && [ "$arc" = 0 ]; then
    outcome="answerer connected"
  else
    outcome="offerer exit $orc ($(said "$work/$1.err")), answerer exit $arc ($(said "$work/$3.err"))"
  fi
}

# launch_and_meet LABEL OFFERER_ARGS... -- ANSWERER_ARGS...: offerer --session, its code, its answerer.
launch_and_meet() {
  local label="$1"
  shift
  local oargs=() aargs=()
  while [ "$1" != -- ]; do oargs+=("$1"); shift; done
  shift
  aargs=("$@")
  local start code took opid apid
  start="$(ms)"
  peer "$label-offerer" offerer "${oargs[@]}" --session --once
  opid="$peer_pid"
  code="$(code_of "$label-offerer" 240)"
  took=$(( $(ms) - start ))
  if [ -z "$code" ]; then
    wait "$opid" 2>/dev/null || true
    echo "offerer --session got no code: $(said "$work/$label-offerer.err")"
    return
  fi
  peer "$label-answerer" answerer "${aargs[@]}" --session "$code" --once
  apid="$peer_pid"
  met "$label-offerer" "$opid" "$label-answerer" "$apid"
  echo "offerer --session got code $code in $(seconds "$took") from launch; $outcome"
}

attack_squat_kademlia() {
  start_server squat
  local squatted
  squatted="$(tool --mode squat --dht "127.0.0.1:$port" --nameplates "1-$squat_count")"
  echo "squat-kademlia: ${squatted#squat: }; $(launch_and_meet squat --dht "127.0.0.1:$port" -- --dht "127.0.0.1:$port")"
  stop_all
}

attack_squat_mainline() {
  start_server ml-0 --network mainline
  local first="$port" others=() i
  for i in $(seq 1 $((mainline_nodes - 1))); do
    start_server "ml-$i" --network mainline "127.0.0.1:$first"
    others+=("$port")
    wait_for "$work/ml-$i.err" 'joined the Mainline DHT' 60 > /dev/null
  done
  local squatted
  squatted="$(tool --mode squat --network mainline --bootstrap "127.0.0.1:${others[0]}" --nameplates 1-99)"
  echo "squat-mainline: ${squatted#squat: } on $mainline_nodes nodes; $(launch_and_meet squat-ml --network mainline \
    --bootstrap "127.0.0.1:${others[1]}" -- --network mainline --bootstrap "127.0.0.1:${others[2]}")"
  stop_all
}

# two_guesses LABEL DHT_OF_OFFERER DHT_OF_ANSWERER [--only-node H:P]: the attack; prints the outcome.
two_guesses() {
  local label="$1" odht="$2" adht="$3"
  shift 3
  peer "$label-offerer" offerer --dht "$odht" --session --once
  local opid="$peer_pid" code nameplate
  code="$(code_of "$label-offerer" 240)"
  nameplate="${code%%-*}"
  local first orc
  first="$(tool --mode guess --dht "$odht" --nameplate "$nameplate")"
  wait_rc "$opid"; orc="$rc"
  # Guess 2: the attacker's own claim, with the right words (what a lucky guess would be).
  tool --mode claim --dht "$odht" --code "$code" --wait 40s "$@" > "$work/$label-claim.out" 2> "$work/$label-claim.err" &
  local cpid=$!
  pids+=("$cpid")
  wait_for "$work/$label-claim.out" '^claim: posted' 120 > /dev/null
  peer "$label-answerer" answerer --dht "$adht" --session "$code" --once --timeout 20s
  local apid="$peer_pid" arc
  wait_rc "$apid"; arc="$rc"
  wait "$cpid" 2>/dev/null || true
  local second
  second="$(grep -v '^claim: posted' "$work/$label-claim.out" | tail -n 1)"
  # Guess 3: another claim at the nameplate, and the answerer run again with the code.
  tool --mode erase --dht "$odht" --nameplate "$nameplate" > /dev/null
  tool --mode claim --dht "$odht" --code "$nameplate" --wait 30s \
    > "$work/$label-claim3.out" 2> "$work/$label-claim3.err" &
  cpid=$!
  pids+=("$cpid")
  wait_for "$work/$label-claim3.out" '^claim: posted' 120 > /dev/null
  peer "$label-again" answerer --dht "$adht" --session "$code" --once --timeout 20s
  local again_rc
  wait_rc "$peer_pid"; again_rc="$rc"
  wait "$cpid" 2>/dev/null || true
  local third
  third="$(grep -v '^claim: posted' "$work/$label-claim3.out" | tail -n 1)"
  echo "code $code; guess 1 against the offerer: ${first#guess: } (offerer exit $orc); guess 2, the attacker's own claim with the right words: ${second#claim: } (answerer exit $arc: $(said "$work/$label-answerer.err")); the answerer run again against a new claim: ${third#claim: } (exit $again_rc: $(said "$work/$label-again.err"))"
}

attack_two_guesses() {
  start_server two
  echo "two-guesses: $(two_guesses two "127.0.0.1:$port" "127.0.0.1:$port")"
  stop_all
}

attack_two_guesses_marker() {
  start_server marker-a
  local a="$port"
  start_server marker-b "127.0.0.1:$a"
  local b="$port"
  echo "two-guesses-marker: $(two_guesses marker "127.0.0.1:$a" "127.0.0.1:$b" --only-node "127.0.0.1:$a")"
  stop_all
}

attack_third_guess() {
  start_server third
  local dht="127.0.0.1:$port"
  peer third-offerer offerer --dht "$dht" --session --once
  local opid="$peer_pid" code nameplate
  code="$(code_of third-offerer 240)"
  nameplate="${code%%-*}"
  local first orc
  first="$(tool --mode guess --dht "$dht" --nameplate "$nameplate")"
  wait_rc "$opid"; orc="$rc"
  tool --mode erase --dht "$dht" --nameplate "$nameplate" > /dev/null
  peer third-again offerer --dht "$dht" --session "$code" --once --timeout 60s
  local again="$peer_pid"
  # The offerer run again either refuses the code at once or claims the nameplate: look for a claim, then guess.
  local seen="" i
  for i in $(seq 1 60); do
    if ! kill -0 "$again" 2>/dev/null; then break; fi
    seen="$(tool --mode read --dht "$dht" --nameplate "$nameplate")"
    case "$seen" in *CLAIM*) break ;; esac
    sleep 0.5
  done
  local verdict
  case "$seen" in
    *CLAIM*)
      verdict="it claimed the nameplate again; guess 3: $(tool --mode guess --dht "$dht" --nameplate "$nameplate" | sed 's/^guess: //')"
      wait_rc "$again"
      verdict="$verdict (offerer exit $rc)"
      ;;
    *)
      wait_rc "$again"
      verdict="exit $rc, no claim written: $(said "$work/third-again.err")"
      ;;
  esac
  echo "third-guess: code $code; guess 1: ${first#guess: } (offerer exit $orc); marker erased, offerer --session $code again: $verdict"
  stop_all
}

attack_displace() {
  start_server displace
  local dht="127.0.0.1:$port"
  peer displace-offerer offerer --dht "$dht" --session --once
  local opid="$peer_pid" code nameplate
  code="$(code_of displace-offerer 240)"
  nameplate="${code%%-*}"
  tool --mode displace --dht "$dht" --nameplate "$nameplate" > /dev/null
  # Until the offerer has answered it: its own claim back at the nameplate, or a new code printed.
  local i moved=""
  for i in $(seq 1 60); do
    if [ "$(grep -c '^Session code: ' "$work/displace-offerer.out")" -gt 1 ]; then moved=yes; break; fi
    case "$(tool --mode read --dht "$dht" --nameplate "$nameplate")" in *"CLAIM 00000000"*) ;; *CLAIM*) break ;; esac
    sleep 0.5
  done
  peer displace-answerer answerer --dht "$dht" --session "$code" --once --timeout 20s
  local apid="$peer_pid"
  met displace-offerer "$opid" displace-answerer "$apid"
  if [ -n "$moved" ]; then
    echo "displace: code $code; the offerer moved and printed $(grep '^Session code: ' "$work/displace-offerer.out" | tail -n 1 | sed 's/^Session code: //'); the answerer with the code shown: $outcome"
  else
    echo "displace: code $code; the offerer kept its nameplate and code; the answerer with the code shown: $outcome"
  fi
  stop_all
}

# slots ATTACK LABEL [--secret S]: offers expiring in the year 3000 in all 4 slots, then a round.
slots() {
  local attack="$1" label="$2"
  shift 2
  start_server "$label"
  local dht="127.0.0.1:$port" squatted
  squatted="$(tool --mode sealed-squat --dht "$dht" "$@")"
  local start took
  start="$(ms)"
  peer "$label-offerer" offerer --dht "$dht" "$@" --once
  local opid="$peer_pid"
  peer "$label-answerer" answerer --dht "$dht" "$@" --once
  local apid="$peer_pid"
  met "$label-offerer" "$opid" "$label-answerer" "$apid"
  took=$(( $(ms) - start ))
  echo "$attack: ${squatted#sealed-squat: }; offerer and answerer launched together: $outcome ($(seconds "$took") from launch)"
  stop_all
}

for a in "${attacks[@]}"; do
  case "$a" in
    squat-kademlia) attack_squat_kademlia ;;
    squat-mainline) attack_squat_mainline ;;
    two-guesses) attack_two_guesses ;;
    two-guesses-marker) attack_two_guesses_marker ;;
    third-guess) attack_third_guess ;;
    displace) attack_displace ;;
    sealed-slots) slots sealed-slots sealed --secret 'a secret its holder abuses' ;;
    plain-slots) slots plain-slots plain ;;
    *) echo "unknown attack '$a' (squat-kademlia, squat-mainline, two-guesses, two-guesses-marker, third-guess, displace, sealed-slots, plain-slots)" >&2; exit 2 ;;
  esac
done
