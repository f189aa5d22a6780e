#!/usr/bin/env bash
# Attacks an answerer from a connected peer: the stock programs on loopback, one dht-server (--port 0
# --bind 127.0.0.1) for all, each attack under keys of its own. Where the stock offerer can make the attack
# by itself, it does; the rest is dev.dhtsignal.tools.peer.PeerAttack, a hostile offerer.
#   long-line    a stock offerer pipes one 150 MB line to 'answerer --serve' (-Xmx96m) while an honest
#                offerer is connected; afterwards the honest one sends a line and a new offerer connects
#   control      one 200 KiB text message on 'peer' (tool), against 'answerer --serve' (-Xmx96m)
#   chat-flood   2000 messages of 256 KiB (500 MB) on 'chat' after the greetings (tool), -Xmx96m
#   silent       two stock offerers connect and say nothing to 'answerer --serve --max-peers 2
#                --max-peers-per-address 2'; a third arrives: does it get in, and when?
#   one-address  eight silent stock offerers, all from this machine's address, to 'answerer --serve'
#                (defaults: --max-peers 16): how many keep a session?
#   idle         one silent stock offerer to 'answerer --serve --idle-timeout 10s' (the default is 10m;
#                scaled down here): how long is it kept?
#   forge        terminal escapes, OSC 0 and OSC 52, a newline followed by another session's prefix and bidi
#                controls, in lines, the greeting, the label, a file name and a reason (tool) to
#                'answerer --serve': what reaches its standard output raw?
#   huge-offer   a stock offerer sends a 1 TiB sparse file to 'answerer --receive'
#   many-files   a stock offerer sends 2000 files of 7 bytes to 'answerer --receive', then again with
#                --max-files 100
#   stall        a file is offered, accepted, 64 KiB sent, then nothing (tool), to 'answerer --receive'
#                (default --stall-timeout 60s)
#   names        a stock offerer sends files named invoice<U+202E>fdp.exe, etc<U+2215>passwd and a 250-byte
#                name to 'answerer --receive'
# Prints one markdown row per attack: what the attacker achieved, measured.
# Usage: scripts/attack-peer.sh [ATTACK...] (default: all). JARS=DIR takes offerer.jar and answerer.jar
# from DIR (e.g. an earlier build, for a before/after comparison); tools.jar and dht-server.jar are this
# build's.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f offerer/target/offerer.jar ] || [ ! -f answerer/target/answerer.jar ]; then
  echo "== building (jars missing)" >&2
  scripts/build.sh
fi
source scripts/dht-bench-lib.sh
jars="${JARS:-}"
cp "${jars:-offerer/target}/offerer.jar" "${jars:-answerer/target}/answerer.jar" "$work/"
attacks=("$@")
[ ${#attacks[@]} -gt 0 ] || attacks=(long-line control chat-flood silent one-address idle forge huge-offer many-files stall names)

start_server
dht="127.0.0.1:$port"
pids=()
stop_all() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
trap 'stop_all; cleanup' EXIT

# Standard input that never ends: a fifo this script keeps open.
mkfifo "$work/silence"
exec 7<>"$work/silence"

# peer NAME PROGRAM KEYS [-jvm OPTION] args...: starts a stock program in the background, output in
# $work/NAME.out and .err; its pid in $last. Input: IN if set, else for an offerer the never-ending fifo
# (it stays connected and says nothing), for an answerer nothing (its side ends at once; it keeps receiving).
peer() {
  local name="$1" program="$2" keys="$3"
  shift 3
  local jvm=()
  if [ "${1:-}" = -jvm ]; then jvm=("$2"); shift 2; fi
  java "${jvm[@]}" -jar "$work/$program.jar" --dht "$dht" --offer-key "$keys-offer" --answer-key "$keys-answer" "$@" \
    <"${IN:-$([ "$program" = offerer ] && echo "$work/silence" || echo /dev/null)}" >"$work/$name.out" 2>"$work/$name.err" &
  last=$!
  pids+=("$last")
}

# await FILE REGEX SECONDS: waits until a line of FILE matches; fails (status 1) after SECONDS.
await() {
  local deadline=$((SECONDS + $3))
  until grep -Eq -- "$2" "$1" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

alive() { kill -0 "$1" 2>/dev/null; }
# Options of the answerer under test that an earlier build (JARS) may not have: used only where it has them.
java -jar "$work/answerer.jar" --help >"$work/answerer-help.txt" 2>&1 || true
has() { grep -q -- "$1" "$work/answerer-help.txt"; }
# ready NAME: waits for a started answerer's first line; if it never comes, says why on the row and fails.
ready() {
  await "$work/$1.out" 'Waiting for Offer' 60 || { row "$2" "the answerer did not start: $(head -n 1 "$work/$1.err")"; return 1; }
}
peak() { grep -E '^VmHWM:' "/proc/$1/status" 2>/dev/null | awk '{printf "%d MiB", $2 / 1024}'; }
row() { echo "| $1 | $2 |"; }
attack_tool() { java -cp "$work/tools.jar" dev.dhtsignal.tools.peer.PeerAttack --dht "$dht" "$@" 2>>"$work/tool.err"; }
# The answerer's state after an attack: alive or how it died, and the first OutOfMemoryError if any.
fate() {
  local pid="$1" err="$2"
  if alive "$pid"; then
    echo -n "answerer alive (peak RSS $(peak "$pid"))"
  else
    local rc=0
    wait "$pid" || rc=$?
    echo -n "answerer DIED (exit $rc)"
  fi
  grep -q OutOfMemoryError "$err" && echo -n ", OutOfMemoryError in its log"
  return 0
}

long_line() {
  peer serve answerer ll -jvm -Xmx96m --serve
  local server=$last
  ready serve "$FUNCNAME" || return 0
  peer honest offerer ll
  await "$work/honest.out" 'Hello from Peer B' 60
  python3 -c "import sys; sys.stdout.write('x' * 150_000_000 + '\n')" >"$work/line.txt"
  IN="$work/line.txt" peer attacker offerer ll
  local attacker=$last
  local rc=0
  wait "$attacker" || rc=$?
  echo "still here" >&7 2>/dev/null || true  # the honest offerer reads the same fifo: this line is its
  local honest="not served"
  await "$work/serve.out" "Received message on 'chat': still here" 20 && honest="served"
  IN=/dev/null peer late offerer ll --once
  local late_rc=0
  wait "$last" || late_rc=$?
  row "long line: 150 MB from a stock offerer, --serve -Xmx96m" "attacker exit $rc, told: $(grep -o 'closed the connection: .*' "$work/attacker.err" || echo nothing); $(fate "$server" "$work/serve.err"); the other session: $honest; a new offerer: exit $late_rc"
  rm -f "$work/line.txt"
}

control() {
  peer serve answerer ctl -jvm -Xmx96m --serve
  local server=$last
  ready serve "$FUNCNAME" || return 0
  local result
  result="$(attack_tool --mode control --offer-key ctl-offer --answer-key ctl-answer --wait 30s || echo "tool failed")"
  row "one 200 KiB control message, --serve -Xmx96m" "${result#control: }; $(fate "$server" "$work/serve.err")"
}

chat_flood() {
  peer serve answerer cf -jvm -Xmx96m --serve
  local server=$last
  ready serve "$FUNCNAME" || return 0
  local result
  result="$(attack_tool --mode chat-flood --offer-key cf-offer --answer-key cf-answer --count 2000 || echo "tool failed")"
  IN=/dev/null peer late offerer cf --once
  local late_rc=0
  wait "$last" || late_rc=$?
  row "2000 × 256 KiB on 'chat' after the greetings, --serve -Xmx96m" "${result#chat-flood: }; $(fate "$server" "$work/serve.err"); a new offerer: exit $late_rc"
}

silent() {
  local share=()
  has --max-peers-per-address && share=(--max-peers-per-address 2)  # on loopback all offerers share one address
  peer serve answerer sil --serve --max-peers 2 "${share[@]}"
  local server=$last
  ready serve "$FUNCNAME" || return 0
  peer s1 offerer sil
  await "$work/s1.out" 'Hello from Peer B' 60
  peer s2 offerer sil
  await "$work/s2.out" 'Hello from Peer B' 60
  local start=$SECONDS
  IN=/dev/null peer newcomer offerer sil --once --timeout 90s
  local rc=0
  wait "$last" || rc=$?
  local got="never got in (exit $rc after $((SECONDS - start)) s)"
  [ $rc -eq 0 ] && got="got in $((SECONDS - start)) s after it started"
  row "two silent stock offerers hold --max-peers 2; a third arrives" "the third $got; $(cat "$work/s1.err" "$work/s2.err" | grep -o 'closed the connection: .*' | head -n 1 || echo 'no silent one was closed')"
  alive "$server" || true
}

one_address() {
  peer serve answerer one --serve
  ready serve "$FUNCNAME" || return 0
  local i
  for i in 1 2 3 4 5 6 7 8; do
    peer "o$i" offerer one
  done
  for i in 1 2 3 4 5 6 7 8; do
    await "$work/o$i.out" 'Hello from Peer B' 90 || true
  done
  sleep 3
  local kept=0
  for i in 1 2 3 4 5 6 7 8; do
    alive "${pids[-9+i]}" && kept=$((kept + 1))
  done
  row "eight silent stock offerers from one address, --serve defaults (--max-peers 16)" "$kept of 8 keep a session; $(grep -c 'closed: .*--max-peers-per-address' "$work/serve.err" || true) closed as past the address's share"
}

idle() {
  local limit=()
  has --idle-timeout && limit=(--idle-timeout 10s)
  peer serve answerer idl --serve "${limit[@]}"
  ready serve "$FUNCNAME" || return 0
  peer quiet offerer idl
  local quiet=$last
  await "$work/quiet.out" 'Hello from Peer B' 60
  local start=$SECONDS
  local kept="kept after $((SECONDS - start)) s"
  if await "$work/quiet.err" 'closed the connection' 40; then
    kept="closed $((SECONDS - start)) s after the greetings, told: $(grep -o 'closed the connection: .*' "$work/quiet.err")"
  else
    kept="still connected $((SECONDS - start)) s after the greetings"
  fi
  row "one silent stock offerer, --serve --idle-timeout 10s$(has --idle-timeout || echo ' (this build has no --idle-timeout)')" "$kept"
  alive "$quiet" || true
}

forge() {
  peer serve answerer fg --serve
  ready serve "$FUNCNAME" || return 0
  attack_tool --mode forge --offer-key fg-offer --answer-key fg-answer >/dev/null || true
  printf 'Hi\033]0;stock offerer retitled the window\007 \342\200\256evil\n' >"$work/greeting.txt"
  IN=/dev/null peer stock offerer fg --once --message "$(cat "$work/greeting.txt")"
  wait "$last" || true
  sleep 1
  local esc bel osc52 rlo forged
  esc=$(tr -cd '\033' <"$work/serve.out" | wc -c)
  bel=$(tr -cd '\007' <"$work/serve.out" | wc -c)
  osc52=$(grep -c $'\033\\]52' "$work/serve.out" || true)
  rlo=$(grep -c $'\xe2\x80\xae' "$work/serve.out" || true)
  forged=$(grep -c '^\[session 00000000\]' "$work/serve.out" || true)
  replaced=$(grep -c $'\xef\xbf\xbd' "$work/serve.out" || true)
  row "ESC/OSC 0/OSC 52, a newline and another session's prefix, bidi overrides: lines, greeting, label, file name, reason" "reached the answerer's standard output raw: $esc ESC, $bel BEL, $osc52 OSC 52, $rlo U+202E; $forged line(s) printed under a forged [session 00000000] prefix; $replaced line(s) shown with U+FFFD in their place"
}

huge_offer() {
  mkdir -p "$work/huge-in" "$work/huge-out"
  truncate -s 1T "$work/huge-out/huge.bin"
  peer recv answerer huge --receive "$work/huge-in"
  local receiver=$last
  IN=/dev/null peer send offerer huge --send "$work/huge-out/huge.bin"
  local sender=$last
  local what
  if await "$work/send.err" 'huge.bin: the receiver refused it' 60; then
    what="refused: $(sed -n 's/.*refused it: //p' "$work/send.err")"
  else
    sleep 10
    what="accepted: $(du -sm "$work/huge-in" | cut -f1) MiB written 10 s later (it would go on until the disk is full)"
  fi
  row "a stock offerer sends a 1 TiB (sparse) file to --receive ($(df -h --output=avail "$work" | tail -n 1 | tr -d ' ') free)" "$what"
  kill "$sender" "$receiver" 2>/dev/null || true
  rm -rf "$work/huge-in" "$work/huge-out"
}

many_files() {
  local result="" limit
  mkdir -p "$work/many-out"
  local i
  for i in $(seq 1 2000); do echo "file $i" >"$work/many-out/f$i.txt"; done
  local limits=(default)
  has --max-files && limits+=(100)
  for limit in "${limits[@]}"; do
    rm -rf "$work/many-in"
    mkdir -p "$work/many-in"
    local extra=()
    [ $limit = default ] || extra=(--max-files "$limit")
    peer recv answerer "many-$limit" --receive "$work/many-in" "${extra[@]}"
    local receiver=$last
    local start=$SECONDS
    IN=/dev/null peer send offerer "many-$limit" --send "$work"/many-out/*
    wait "$last" || true
    wait "$receiver" || true
    result+="--max-files $limit: $(find "$work/many-in" -type f | wc -l) kept, $(grep -c 'refused it' "$work/send.err" || true) refused, in $((SECONDS - start)) s; "
  done
  row "a stock offerer sends 2000 files of 7 bytes to --receive" "${result%; }"
  rm -rf "$work/many-in" "$work/many-out"
}

stall() {
  mkdir -p "$work/stall-in"
  peer recv answerer st --receive "$work/stall-in"
  local result
  result="$(attack_tool --mode stall --offer-key st-offer --answer-key st-answer --bytes 1GiB --wait 100s || echo "tool failed")"
  row "a file offered (1 GiB), accepted, 64 KiB sent, then nothing; --receive defaults" "${result#stall: }; temporary parts left: $(find "$work/stall-in" -type f | wc -l)"
}

names() {
  mkdir -p "$work/names-in" "$work/names-out"
  local long
  long="$(python3 -c "print('é' * 123 + '.pdf')")"
  printf x >"$work/names-out/invoice"$'\xe2\x80\xae'"fdp.exe"
  printf x >"$work/names-out/etc"$'\xe2\x88\x95'"passwd"
  printf x >"$work/names-out/$long"
  peer recv answerer nm --receive "$work/names-in"
  local receiver=$last
  IN=/dev/null peer send offerer nm --send "$work"/names-out/*
  wait "$last" || true
  wait "$receiver" || true
  local kept
  kept="$(cd "$work/names-in" && ls | python3 -c "
import sys
names = [l.rstrip('\n') for l in sys.stdin]
print(', '.join(repr(n) if len(n.encode()) < 60 else '%d-byte name' % len(n.encode()) for n in names))")"
  row "a stock offerer sends invoice<U+202E>fdp.exe, etc<U+2215>passwd and a 250-byte name to --receive" "kept as: ${kept:-nothing}; not delivered: $(grep -c 'not delivered\|refused it\|did not keep it' "$work/send.err" || true)"
}

echo "| attack | what the attacker achieved |"
echo "| --- | --- |"
for a in "${attacks[@]}"; do
  echo "== $a" >&2
  case "$a" in
    long-line) long_line ;;
    control) control ;;
    chat-flood) chat_flood ;;
    silent) silent ;;
    one-address) one_address ;;
    idle) idle ;;
    forge) forge ;;
    huge-offer) huge_offer ;;
    many-files) many_files ;;
    stall) stall ;;
    names) names ;;
    *) echo "unknown attack '$a'" >&2; exit 2 ;;
  esac
  stop_all
done
