#!/usr/bin/env bash
# scripts/bench-connect.sh [ROUNDS]  (default 10)
#
# How long does it take two peers to meet through the DHT, from launch? Starts a dht-server on a free
# loopback port, then, ROUNDS times per case, mode and runner, runs an answerer and an offerer (`--once
# --report-timing`) in one of two cases:
#
#   together   both launched at the same moment (the answerer a few ms first);
#   waiting    the offerer launched once the answerer already waits (has printed "Waiting for Offer SDP").
#
# and how long a dht-server takes to print its ready line (case "start", ROUNDS starts per runner). The
# runners, side by side in the same run (their rounds alternate, so that the machine's load weighs on
# each alike):
#
#   jar        java -jar PROGRAM.jar (the jars of this build, or JARS_DIR)
#   launcher   the launchers of the app image (target/package/webrtc-dht-signaling/bin/, built by
#              scripts/package.sh --app-image if missing or out of date), as the package installs them
#   fast-java  scripts/fast-java -jar PROGRAM.jar (its archives are written by a first round, not counted;
#              dht-server's never is: fast-java writes it when the program ends by itself, and a start
#              here ends with SIGTERM)
#   NAME=DIR   the launchers in DIR/bin, e.g. another app image to compare with
#
# and measures, from the offerer's launch:
#
#   launch-to-reply      until the offerer prints the answerer's reply ("Received message from Peer B"):
#                        what a user waits. The programs' standard output is time-stamped as it arrives.
#   phases of each peer  JVM up (main method entered), WebRTC loaded, DHT joined (these three from the
#                        peer's --report-timing line; n/a for builds that do not report them), then from its
#                        transcript: offerer offer stored, answer seen (remote description set), channel
#                        open, reply; answerer offer answered (its answer created), answer stored, channel open.
#   CPU-ms               user + system CPU of each peer's whole run (from /usr/bin/time -v; n/a without it).
#   peak RSS             of each JVM, from /usr/bin/time -v (exact, from the kernel), or, without it, by
#                        polling VmHWM in /proc/PID/status.
#   round after both up  (together only) from the moment *both* JVMs were ready (WebRTC loaded, DHT joined)
#                        to the offerer having the reply: the signaling round itself.
#   wall-ms              launch of the first peer to both processes exited.
#
# A failed round is counted, its last error lines printed and its logs copied to /tmp/bench-failed-*;
# the run goes on. Every wait is bounded: each peer runs under `timeout` (ROUND_LIMIT_S).
#
# Every case runs in plain mode (keys webrtc-offer/webrtc-answer) and, unless BENCH_MODES says otherwise,
# also sealed with a long code (--session K7QX-M2PD-9RTA: PBKDF2, then sealed SDP) and with a short code
# (--session 1234-word-word: SPAKE2 over nameplate keys, then sealed SDP), a fresh code per round. The
# server runs with --rate-per-source 0 so that its per-source rate limit (all peers come from 127.0.0.1)
# cannot distort the numbers. Prints one markdown
# table per case and mode, and the load average before and after: other work on the machine shows in
# every number here.
#
# Environment:
#   BENCH_MODES="plain sealed short"   modes to run
#   BENCH_CASES="together waiting start"  cases to run
#   BENCH_RUNNERS="jar launcher"    runners, as above
#   JARS_DIR=DIR                 take dht-server.jar, offerer.jar, answerer.jar, tools.jar from DIR (e.g. an
#                                older build, to compare) instead of building them here
#   PEER_JAVA_OPTS="..."         extra JVM options for both peers, e.g. -XX:TieredStopAtLevel=1 (for the
#                                launchers through JDK_JAVA_OPTIONS)
#   PEER_JAVA="..."              the java command of runner jar (default: java)
#   TRACE=1                      afterwards, one more round per mode with -v on both peers and their DHT
#                                traffic relayed through a DhtTap that logs each RPC, printed as one merged
#                                timeline: what a round spends its time on
#   KEEP=1                       keep the work directory (logs of every process) and say where it is
#
# This file is also a small library: bench-churn.sh and bench-channel.sh source it for the helpers
# below (bench_init, start_server, launch, run_round, stats ...); main runs only when it is executed.
set -euo pipefail
# BASH_SOURCE, not $0: the same when run, and still this file's path when another script sources it.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# ----------------------------------------------------------------------------------------------------
# Helpers shared with bench-churn.sh and bench-channel.sh
# ----------------------------------------------------------------------------------------------------

ROUND_LIMIT_S=60        # hard limit for one peer process; the peers' own --timeout is 30 s
pids=()                 # every process started (timeout wrappers or JVMs); stopped on exit
stampers=()             # readers time-stamping a program's standard output; end with the program
work=""
jars=""

fail() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

now_ms() {
  date +%s%3N
}

# Makes the work directory, arranges for cleanup, builds the jars if one is missing and copies them,
# so that a rebuild by someone else during the benchmark cannot swap a jar under a running JVM.
bench_init() {
  work="$(mktemp -d "${TMPDIR:-/tmp}/bench-XXXXXX")"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  local needed=(dht-server/target/dht-server.jar offerer/target/offerer.jar answerer/target/answerer.jar
    tools/target/tools.jar)
  if [ -n "${JARS_DIR:-}" ]; then
    needed=("$JARS_DIR/dht-server.jar" "$JARS_DIR/offerer.jar" "$JARS_DIR/answerer.jar" "$JARS_DIR/tools.jar")
  fi
  local jar
  for jar in "${needed[@]}"; do
    if [ -n "${JARS_DIR:-}" ] && [ ! -f "$jar" ]; then
      fail "JARS_DIR: $jar is missing"
    fi
    if [ ! -f "$jar" ]; then
      echo "== $jar is missing; building (scripts/build.sh)" >&2
      scripts/build.sh
      break
    fi
  done
  jars="$work/jars"
  mkdir -p "$jars"
  cp "${needed[@]}" "$jars/"
  if command -v /usr/bin/time >/dev/null; then
    rss_source="/usr/bin/time -v"
  else
    rss_source="polling VmHWM in /proc/PID/status (every 50 ms)"
  fi
}

# Stops every process we started: TERM, then (after up to 5 s) KILL. Processes started through
# `timeout` lead a process group of their own, so the whole group goes, JVM included.
bench_cleanup() {
  local p
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  local deadline=$((SECONDS + 5))
  for p in "${pids[@]}"; do
    while kill -0 "$p" 2>/dev/null && ((SECONDS < deadline)); do
      sleep 0.05
    done
    if kill -0 "$p" 2>/dev/null; then
      kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
    fi
  done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then
    echo "== logs kept in $work" >&2
  else
    rm -rf "$work"
  fi
}

# start_server [EXTRA ARGS...]: a dht-server on a free loopback port, without rate limits.
# Sets server_pid and server_port; its output goes to $work/server.out and $work/server.err.
start_server() {
  java -jar "$jars/dht-server.jar" --port 0 --bind 127.0.0.1 --rate-per-source 0 "$@" \
    >"$work/server.out" 2>"$work/server.err" </dev/null &
  server_pid=$!
  pids+=("$server_pid")
  server_port=""
  local deadline=$((SECONDS + 20))
  while [ -z "$server_port" ]; do
    server_port="$(sed -n 's/^DHT Server running on port \([0-9][0-9]*\)$/\1/p' "$work/server.out")"
    [ -n "$server_port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; fail "dht-server exited before it was ready"; }
    ((SECONDS < deadline)) || fail "dht-server printed no ready line within 20 s"
    sleep 0.05
  done
}

# launch PREFIX JAVA-ARGS...: starts `java $PEER_JAVA_OPTS JAVA-ARGS` in the background under `timeout`
# (so that waiting for it is bounded by ROUND_LIMIT_S) and, if present, /usr/bin/time -v (for its peak
# RSS). Writes PREFIX.launch (launch time, ms), PREFIX.out, PREFIX.err, PREFIX.time. Sets `launched` to
# the pid to wait for. E.g. `launch "$dir/offerer" -jar "$jars/offerer.jar" --once`.
launch() {
  local prefix=$1
  shift
  # shellcheck disable=SC2086  # PEER_JAVA and PEER_JAVA_OPTS are lists of words
  launch_command "$prefix" ${PEER_JAVA:-java} ${PEER_JAVA_OPTS:-} "$@"
}

# launch_program PREFIX PROGRAM ARGS...: like launch, for offerer or answerer as RUNNER runs them (java -jar
# when RUNNER is unset).
launch_program() {
  local prefix=$1 program=$2
  shift 2
  case ${RUNNER:-jar} in
    jar) launch "$prefix" -jar "$jars/$program.jar" "$@" ;;
    fast-java)
      # shellcheck disable=SC2086
      launch_command "$prefix" scripts/fast-java ${PEER_JAVA_OPTS:-} -jar "$jars/$program.jar" "$@" ;;
    *)
      if [ -n "${PEER_JAVA_OPTS:-}" ]; then
        JDK_JAVA_OPTIONS=$PEER_JAVA_OPTS launch_command "$prefix" "$(runner_dir "$RUNNER")/bin/$program" "$@"
      else
        launch_command "$prefix" "$(runner_dir "$RUNNER")/bin/$program" "$@"
      fi
      ;;
  esac
}

# launch_command PREFIX COMMAND...: what launch does, for any command.
launch_command() {
  local prefix=$1
  shift
  local measure=()
  if command -v /usr/bin/time >/dev/null; then
    measure=(/usr/bin/time -v -o "$prefix.time")
  fi
  local stdout="$prefix.out"
  if [ "${stamp_stdout:-0}" != 0 ]; then
    # Each line the program prints gets the time it was printed: HH:MM:SS.mmm like the log lines (1, for
    # traces) or Unix milliseconds and a tab (epoch, for measuring).
    mkfifo "$prefix.fifo"
    if [ "$stamp_stdout" = epoch ]; then
      stamp_lines_epoch <"$prefix.fifo" >"$prefix.out" &
    else
      stamp_lines <"$prefix.fifo" >"$prefix.out" &
    fi
    stampers+=($!)
    stdout="$prefix.fifo"
  fi
  now_ms >"$prefix.launch"
  timeout -k 5 "$ROUND_LIMIT_S" "${measure[@]}" "$@" </dev/null >"$stdout" 2>"$prefix.err" &
  launched=$!
  pids+=("$launched")
  if [ ${#measure[@]} -eq 0 ]; then
    watch_peak_rss "$launched" "$prefix.time" &
  fi
}

# The app image a runner's launchers are in: launcher is this build's, NAME=DIR is DIR.
runner_dir() {
  case $1 in
    launcher) echo "${LAUNCHER_IMAGE:-target/package/webrtc-dht-signaling}" ;;
    *=*) echo "${1#*=}" ;;
  esac
}

# A runner's name in tables and file names (NAME of NAME=DIR).
runner_name() {
  echo "${1%%=*}"
}

# Copies lines from stdin to stdout, each prefixed with the time it arrived as HH:MM:SS.mmm (the format of
# the programs' log lines). Only shell builtins, so the stamp is taken within a millisecond or so.
stamp_lines() {
  local line now
  while IFS= read -r line; do
    now=$EPOCHREALTIME
    printf '%(%H:%M:%S)T.%s stdout: %s\n' "${now%[.,]*}" "${now#*[.,]}" "$line"
  done
}

# Like stamp_lines, with the time as Unix milliseconds and a tab: "1733130000123<TAB>line".
stamp_lines_epoch() {
  local line now
  while IFS= read -r line; do
    now=${EPOCHREALTIME/[.,]/}
    printf '%s\t%s\n' "${now:0:${#now}-3}" "$line"
  done
}

# The Unix-ms stamp of the first line of PREFIX.out (stamped with epoch) that starts with TEXT, or "-".
stamp_of() {
  awk -F'\t' -v text="$2" 'index($2, text) == 1 { print $1; found = 1; exit } END { if (!found) print "-" }' \
    "$1.out" 2>/dev/null || echo -
}

# Milliseconds from T0 to T (both Unix ms), or "-" when T is unknown.
since() {
  if [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" != 0 ]; then echo $(($2 - $1)); else echo -; fi
}

# User + system CPU in ms that PREFIX.time records (/usr/bin/time -v), or "-".
cpu_ms() {
  awk -F': ' '/User time \(seconds\)/ {u = $2} /System time \(seconds\)/ {s = $2}
    END {if (u == "" || s == "") print "-"; else printf "%.0f\n", (u + s) * 1000}' "$1.time" 2>/dev/null || echo -
}

# Fallback without /usr/bin/time: follows the JVM under the `timeout` process PID and writes its VmHWM
# (the kernel's own peak, so a 50 ms poll only misses growth in the last 50 ms) in /usr/bin/time's format.
watch_peak_rss() {
  local wrapper=$1 out=$2 child="" hwm=""
  local deadline=$((SECONDS + ROUND_LIMIT_S + 10))
  while kill -0 "$wrapper" 2>/dev/null && ((SECONDS < deadline)); do
    [ -n "$child" ] || read -r child _ <"/proc/$wrapper/task/$wrapper/children" 2>/dev/null || true
    if [ -n "$child" ]; then
      local v
      v="$(awk '/^VmHWM:/ {print $2}' "/proc/$child/status" 2>/dev/null || true)"
      [ -n "$v" ] && hwm=$v
    fi
    sleep 0.05
  done
  echo "	Maximum resident set size (kbytes): ${hwm:-0}" >"$out"
}

# forget_pid PID: drops a process that has been waited for from the cleanup list, so that cleanup can never
# signal an unrelated process that later got the same pid.
forget_pid() {
  local keep=() p
  for p in "${pids[@]}"; do
    [ "$p" = "$1" ] || keep+=("$p")
  done
  pids=("${keep[@]}")
}

# The peak RSS in MiB that PREFIX.time records, or "n/a".
peak_rss_mib() {
  awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024; found = 1} END {if (!found) print "n/a"}' \
    "$1.time" 2>/dev/null || echo n/a
}

# "ready round" from a peer's `timing: ready-ms=X round-ms=Y ...` line on stderr, or nothing.
timing_of() {
  sed -n 's/^timing: ready-ms=\([0-9][0-9]*\) round-ms=\([0-9][0-9]*\)\( .*\)\{0,1\}$/\1 \2/p' "$1.err" | tail -n 1
}

# "main webrtc dht": the Unix-ms moments a peer's timing line reports (main-at=, webrtc-at=, dht-at=), each
# "-" when the build does not report it.
phases_of() {
  local line
  line=$(grep '^timing: ' "$1.err" | tail -n 1 || true)
  local name value out=()
  for name in main-at webrtc-at dht-at; do
    value=$(sed -n "s/.* $name=\([0-9][0-9]*\).*/\1/p" <<<"$line")
    out+=("${value:--}")
  done
  echo "${out[@]}"
}

# A session code as SessionCode.generate makes them: three groups of four Crockford base32 characters.
session_code() {
  local alphabet=0123456789ABCDEFGHJKMNPQRSTVWXYZ code="" i
  for i in $(seq 1 12); do
    code+="${alphabet:$((RANDOM % 32)):1}"
    if [ "$i" = 4 ] || [ "$i" = 8 ]; then code+="-"; fi
  done
  echo "$code"
}

# A short code as the offerer makes them (nameplate-oddword-evenword), from the same word list. Its
# nameplate is drawn from 100-9999 so that no two rounds of a run meet on one (a code is used once).
short_code() {
  local words=common/src/main/resources/dev/dhtsignal/pake/pgp-words.txt
  local odd even
  odd=$(grep -v '^#' "$words" | sed -n "$((RANDOM % 256 + 1))p" | awk '{print $3}')
  even=$(grep -v '^#' "$words" | sed -n "$((RANDOM % 256 + 1))p" | awk '{print $2}')
  echo "$((100 + RANDOM % 9900))-$odd-$even"
}

# mode_name MODE: how the tables name a mode.
mode_name() {
  case "$1" in
    plain) echo "plain signaling" ;;
    sealed) echo "sealed signaling, long code (PBKDF2)" ;;
    short) echo "sealed signaling, short code (SPAKE2)" ;;
  esac
}

# run_round MODE N [EXTRA PEER ARGS...]: one answerer and one offerer, started together or, when CASE is
# "waiting", the offerer once the answerer waits for offers; waits for both (bounded by `timeout`).
# Appends one line to $work/MODE.tsv (or $work/CASE-MODE.tsv when CASE is set):
#   1 round  2 offerer_round  3 both_up_round  4 answerer_round  5 offerer_ready  6 answerer_ready  7 wall
#   8 offerer_rss  9 answerer_rss  10 launch_to_reply
#   11-17 offerer: main webrtc dht offer_stored answer_seen channel_open reply     (ms after the offerer's launch)
#   18-23 answerer: main webrtc dht offer_answered answer_stored channel_open    (ms after the offerer's launch)
#   24 offerer_cpu_ms  25 answerer_cpu_ms
# Returns 1 (and appends nothing) if a peer failed; its stderr stays in $work/MODE-N/.
run_round() {
  local mode=$1 n=$2
  shift 2
  local tag=${RUNNER:+$(runner_name "$RUNNER")-}${CASE:+$CASE-}
  local dir="$work/$tag$mode-$n"
  mkdir -p "$dir"
  local args=(--dht "127.0.0.1:${peer_dht_port:-$server_port}" --once --report-timing --timeout 30s --connect-timeout 20s "$@")
  if [ "$mode" = sealed ]; then
    args+=(--session "$(session_code)")
  elif [ "$mode" = short ]; then
    args+=(--session "$(short_code)")
  fi
  local restore_stamp=${stamp_stdout:-0}
  [ "$restore_stamp" = 0 ] && stamp_stdout=epoch
  local start
  start=$(now_ms)
  launch_program "$dir/answerer" answerer "${args[@]}"
  local answerer=$launched
  if [ "${CASE:-together}" = waiting ]; then
    # The answerer's JVM is up, WebRTC loaded, the DHT joined and the first polls under way.
    local deadline=$((SECONDS + ROUND_LIMIT_S))
    until grep -q 'Waiting for Offer SDP in DHT' "$dir/answerer.out" 2>/dev/null; do
      if ! kill -0 "$answerer" 2>/dev/null || ((SECONDS >= deadline)); then
        break
      fi
      sleep 0.02
    done
  fi
  launch_program "$dir/offerer" offerer "${args[@]}"
  local offerer=$launched
  stamp_stdout=$restore_stamp
  local rc_offerer=0 rc_answerer=0
  wait "$offerer" || rc_offerer=$?
  wait "$answerer" || rc_answerer=$?
  forget_pid "$offerer"
  forget_pid "$answerer"
  if [ ${#stampers[@]} -gt 0 ]; then
    wait "${stampers[@]}" 2>/dev/null || true # their last lines are written once they end
  fi
  stampers=()
  local wall=$(($(now_ms) - start))
  if [ "$rc_offerer" -ne 0 ] || [ "$rc_answerer" -ne 0 ]; then
    # Keep this round's logs past the cleanup, for a look at what went wrong.
    local kept
    kept="$(mktemp -d "${TMPDIR:-/tmp}/bench-failed-XXXXXX")"
    cp -r "$dir" "$kept/"
    echo "   ${RUNNER:+$(runner_name "$RUNNER") }$mode round $n FAILED after $wall ms: offerer exit $rc_offerer, answerer exit $rc_answerer" \
      "(124 = killed at ${ROUND_LIMIT_S} s); logs kept in $kept" >&2
    local who
    for who in offerer answerer; do
      grep -v 'warning: plain signaling' "$dir/$who.err" | tail -n 3 | sed "s/^/     $who: /" >&2 || true
    done
    return 1
  fi
  local o_ready o_round a_ready a_round
  read -r o_ready o_round <<<"$(timing_of "$dir/offerer")"
  read -r a_ready a_round <<<"$(timing_of "$dir/answerer")"
  if [ -z "${o_round:-}" ] || [ -z "${a_round:-}" ]; then
    echo "   $mode round $n: a peer printed no timing line" >&2
    return 1
  fi
  local t0
  t0=$(cat "$dir/offerer.launch")
  # Absolute ready times (launch time + ready-ms); the round after both are up starts at the later one.
  local o_ready_at=$((t0 + o_ready))
  local a_ready_at=$(($(cat "$dir/answerer.launch") + a_ready))
  local both_up=-
  if [ "${CASE:-together}" = together ]; then
    local later=$((a_ready_at > o_ready_at ? a_ready_at - o_ready_at : 0))
    both_up=$((o_round - later))
  fi
  local o_rss a_rss
  o_rss=$(peak_rss_mib "$dir/offerer")
  a_rss=$(peak_rss_mib "$dir/answerer")
  local stamped=(stamp_of "$dir/offerer")
  local reply
  reply=$(since "$t0" "$("${stamped[@]}" 'Received message from Peer B')")
  local o_main o_webrtc o_dht a_main a_webrtc a_dht
  read -r o_main o_webrtc o_dht <<<"$(phases_of "$dir/offerer")"
  read -r a_main a_webrtc a_dht <<<"$(phases_of "$dir/answerer")"
  local phases=(
    "$(since "$t0" "$o_main")" "$(since "$t0" "$o_webrtc")" "$(since "$t0" "$o_dht")"
    "$(since "$t0" "$(stamp_of "$dir/offerer" 'Offer SDP stored in DHT')")"
    "$(since "$t0" "$(stamp_of "$dir/offerer" 'Remote description set')")"
    "$(since "$t0" "$(stamp_of "$dir/offerer" "Data channel '")")"
    "$reply"
    "$(since "$t0" "$a_main")" "$(since "$t0" "$a_webrtc")" "$(since "$t0" "$a_dht")"
    "$(since "$t0" "$(stamp_of "$dir/answerer" 'Remote description set')")"
    "$(since "$t0" "$(stamp_of "$dir/answerer" 'Answer SDP stored in DHT')")"
    "$(since "$t0" "$(stamp_of "$dir/answerer" "Data channel '")")"
  )
  local o_cpu a_cpu
  o_cpu=$(cpu_ms "$dir/offerer")
  a_cpu=$(cpu_ms "$dir/answerer")
  local IFS=$'\t'
  echo "$n	$o_round	$both_up	$a_round	$o_ready	$a_ready	$wall	$o_rss	$a_rss	$reply	${phases[*]}	$o_cpu	$a_cpu" \
    >>"$work/$tag$mode.tsv"
  unset IFS
  printf '   %-9s%-8s %-6s round %3s: launch-to-reply %5s ms  offerer round-ms=%4s  ready-ms=%s/%s  CPU-ms=%s/%s  RSS=%s/%s MiB\n' \
    "${RUNNER:+$(runner_name "$RUNNER")}" "${CASE:-}" "$mode" "$n" "$reply" "$o_round" "$o_ready" "$a_ready" "$o_cpu" "$a_cpu" "$o_rss" "$a_rss" >&2
}

# stats FILE COLUMN: "median p90 min max" of a numeric column (1-based) of a TSV file. p90 is the
# nearest-rank percentile (the value below which 90% of the rounds fall).
stats() {
  awk -v c="$2" '$c ~ /^-?[0-9]+$/ {print $c}' "$1" | sort -n | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "n/a n/a n/a n/a"; exit }
      median = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      r = int(0.9 * NR); if (r < 0.9 * NR) r++; if (r < 1) r = 1
      printf "%g %g %g %g\n", median, v[r], v[1], v[NR]
    }'
}

# The machine's load average now, to judge whether other work disturbed a measurement.
load_average() {
  cut -d' ' -f1-3 /proc/loadavg
}

# ----------------------------------------------------------------------------------------------------
# bench-connect itself
# ----------------------------------------------------------------------------------------------------

# print_mode_table RUNNER CASE MODE
print_mode_table() {
  local runner=$1 case=$2 mode=$3 file="$work/$1-$2-$3.tsv"
  local ok=0
  [ -f "$file" ] && ok=$(wc -l <"$file")
  echo
  if [ "$case" = together ]; then
    echo "### $runner: $(mode_name "$mode"), answerer and offerer launched together: $ok of $rounds rounds succeeded"
  else
    echo "### $runner: $(mode_name "$mode"), offerer launched while the answerer waits: $ok of $rounds rounds succeeded"
  fi
  echo
  if [ "$ok" -eq 0 ]; then
    return
  fi
  echo "| ms after the offerer's launch (unless noted) | median | p90 | min | max |"
  echo "|---|---:|---:|---:|---:|"
  local rows=("10|**launch to reply**")
  if [ "$case" = together ]; then
    rows+=("11|offerer: JVM up (main entered)" "12|offerer: WebRTC loaded" "13|offerer: DHT joined")
  fi
  rows+=("14|offerer: offer stored" "15|offerer: answer seen" "16|offerer: channel open" "17|offerer: reply")
  if [ "$case" = together ]; then
    rows+=("18|answerer: JVM up (main entered)" "19|answerer: WebRTC loaded" "20|answerer: DHT joined")
  fi
  rows+=("21|answerer: offer answered (answer created)" "22|answerer: answer stored" "23|answerer: channel open")
  if [ "$case" = together ]; then
    rows+=("3|round after both JVMs up")
  fi
  rows+=("7|wall-ms (launch → both exited)" "24|offerer CPU-ms (user + system, whole run)"
    "25|answerer CPU-ms (user + system, whole run)" "8|offerer peak RSS (MiB)" "9|answerer peak RSS (MiB)")
  local row
  for row in "${rows[@]}"; do
    local column=${row%%|*} label=${row#*|}
    read -r median p90 min max <<<"$(stats "$file" "$column")"
    echo "| $label | $median | $p90 | $min | $max |"
  done
}

# start_tap: a DhtTap (dev.dhtsignal.tools.peer.DhtTap) in front of the server, printing every DHT RPC
# with its timing to $work/tap.out. Sets tap_port.
start_tap() {
  java -cp "$jars/tools.jar" dev.dhtsignal.tools.peer.DhtTap --node "127.0.0.1:$server_port" --max-time 10m \
    >"$work/tap.out" 2>"$work/tap.err" </dev/null &
  pids+=($!)
  tap_port=""
  local deadline=$((SECONDS + 20))
  while [ -z "$tap_port" ]; do
    tap_port="$(sed -n 's/^DHT tap listening on port \([0-9][0-9]*\)$/\1/p' "$work/tap.out")"
    [ -n "$tap_port" ] && break
    ((SECONDS < deadline)) || fail "the DHT tap printed no ready line within 20 s: $(cat "$work/tap.err")"
    sleep 0.05
  done
}

# print_trace MODE: one extra round with -v on both peers, talking to the DHT through a DhtTap. Their
# debug logs, their stdout lines (time-stamped as they are printed) and every DHT RPC they made are merged
# into one timeline, in ms after the offerer's WebRTC had started (its "ready": the DHT join, which runs in
# parallel, is done by then in practice).
print_trace() {
  local mode=$1
  echo
  echo "### Timeline of one $mode round (-v on both peers, DHT traffic through a tap; ms after the offerer's WebRTC started)"
  echo
  [ -n "${tap_port:-}" ] || start_tap
  local tap_lines_before
  tap_lines_before=$(wc -l <"$work/tap.out")
  stamp_stdout=1
  peer_dht_port=$tap_port
  if ! run_round "$mode" trace -v; then
    stamp_stdout=0
    peer_dht_port=""
    echo "(the traced round failed; see above)"
    return
  fi
  stamp_stdout=0
  peer_dht_port=""
  local dir="$work/$mode-trace" who
  # Which UDP port each peer's DHT node used, to name the tap's clients.
  local offerer_port answerer_port
  offerer_port=$(sed -n 's/.*node [0-9a-f]* listening on [^ ]*:\([0-9][0-9]*\) (client only).*/\1/p' "$dir/offerer.err" | head -n 1)
  answerer_port=$(sed -n 's/.*node [0-9a-f]* listening on [^ ]*:\([0-9][0-9]*\) (client only).*/\1/p' "$dir/answerer.err" | head -n 1)
  echo '```'
  {
    for who in offerer answerer; do
      # "12:00:01.234 [thread] DEBUG Class - text" -> "12:00:01.234 offerer  [thread] DEBUG Class - text"
      sed -n "s/^\([0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]*\) /\1 $(printf '%-8s' "$who") /p" \
        "$dir/$who.err" "$dir/$who.out"
    done
    tail -n +"$((tap_lines_before + 1))" "$work/tap.out" |
      sed -e "s/dht-tap \[client ${offerer_port:-x}\]/offerer  DHT:/" -e "s/dht-tap \[client ${answerer_port:-x}\]/answerer DHT:/"
  } | sort -s -k1,1 | awk '
    function ms(stamp, t) { split(stamp, t, /[:.]/); return ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + substr(t[4], 1, 3) }
    { line[NR] = $0; at[NR] = ms($1)
      if (!found && $2 == "offerer" && /WebRTC started/) { base = at[NR]; found = 1 } }
    END {
      if (!found) base = at[1]
      for (i = 1; i <= NR; i++) { sub(/^[^ ]+ /, "", line[i]); printf "%+6d %s\n", at[i] - base, line[i] }
    }'
  echo '```'
}

# server_start N: one start of a dht-server as RUNNER runs it; appends "N ready-ms" to
# $work/RUNNER-start.tsv (ms from launch to its ready line on standard output).
server_start() {
  local n=$1 name t0 t1="" line status=0 server_command
  name=$(runner_name "$RUNNER")
  case $RUNNER in
    # shellcheck disable=SC2206  # PEER_JAVA is a list of words
    jar) server_command=(${PEER_JAVA:-java} -jar "$jars/dht-server.jar") ;;
    fast-java) server_command=(scripts/fast-java -jar "$jars/dht-server.jar") ;;
    *) server_command=("$(runner_dir "$RUNNER")/bin/dht-server") ;;
  esac
  t0=${EPOCHREALTIME/[.,]/}
  coproc START { exec timeout -k 5 "$ROUND_LIMIT_S" "${server_command[@]}" --port 0 --bind 127.0.0.1 2>"$work/$name-start-$n.err"; }
  local pid=$START_PID
  pids+=("$pid")
  while IFS= read -r line <&"${START[0]}"; do
    case $line in "DHT Server running on port "*)
      t1=${EPOCHREALTIME/[.,]/}
      break
      ;;
    esac
  done
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || status=$?
  forget_pid "$pid"
  if [ -z "$t1" ]; then
    echo "   $name dht-server start $n FAILED (exit $status): $(tail -n 2 "$work/$name-start-$n.err")" >&2
    return 1
  fi
  local ready=$(((t1 - t0) / 1000))
  echo "$n	$ready" >>"$work/$name-start.tsv"
  printf '   %-9sstart    round %3s: ready line after %5s ms\n' "$name" "$n" "$ready" >&2
}

# The java and options a runner uses, for the report.
runner_java() {
  case $1 in
    jar) echo "\`${PEER_JAVA:-java} -jar\`: $(${PEER_JAVA:-java} -version 2>&1 | head -n 1)${PEER_JAVA_OPTS:+, with $PEER_JAVA_OPTS}" ;;
    fast-java) echo "scripts/fast-java: $(${JAVA:-java} -version 2>&1 | head -n 1)" ;;
    *)
      local dir options
      dir=$(runner_dir "$1")
      # The JVM options in the launcher's first exec line (with the archive).
      options=$(grep -m 1 -o 'java" -XX:SharedArchiveFile.*' "$dir/bin/offerer" | sed -e 's/^java" //' -e 's/ *\\$//' \
        -e 's/"$archive"/offerer.jsa/')
      echo "launchers in $dir/bin: $("$dir/lib/runtime/bin/java" -version 2>&1 | head -n 1); offerer: $options"
      ;;
  esac
}

# The runners' medians side by side, with the goals. median_of FILE COLUMN: "median (p90)" or n/a.
median_of() {
  local median p90 _
  [ -f "$1" ] || { echo "n/a"; return; }
  read -r median p90 _ <<<"$(stats "$1" "$2")"
  if [ "$median" = n/a ]; then echo "n/a"; else echo "$median ($p90)"; fi
}

print_summary() {
  local runners=("$@") runner header="| case | mode |" rule="|---|---|"
  for runner in "${runners[@]}"; do
    header+=" $(runner_name "$runner") |"
    rule+="---:|"
  done
  echo
  echo "### Side by side: medians in ms (p90), from the launch of the offerer (of the dht-server for its ready line)"
  echo
  echo "$header goal |"
  echo "$rule---:|"
  local case mode row goal
  for case in $cases; do
    if [ "$case" = start ]; then
      row="| dht-server ready line | |"
      for runner in "${runners[@]}"; do
        row+=" $(median_of "$work/$(runner_name "$runner")-start.tsv" 2) |"
      done
      echo "$row 300 |"
      continue
    fi
    for mode in $modes; do
      case $case-$mode in
        together-plain) goal=700 ;;
        waiting-plain) goal=500 ;;
        *) goal="plain + 200" ;;
      esac
      row="| $case | $mode |"
      for runner in "${runners[@]}"; do
        row+=" $(median_of "$work/$(runner_name "$runner")-$case-$mode.tsv" 10) |"
      done
      echo "$row $goal |"
      for column in "24|CPU-ms, offerer" "25|CPU-ms, answerer" "8|peak RSS MiB, offerer" "9|peak RSS MiB, answerer"; do
        row="| | ${column#*|} |"
        for runner in "${runners[@]}"; do
          row+=" $(median_of "$work/$(runner_name "$runner")-$case-$mode.tsv" "${column%%|*}") |"
        done
        if [[ $column == *RSS* ]]; then echo "$row no higher than jar |"; else echo "$row |"; fi
      done
    done
  done
}

main() {
  rounds=${1:-10}
  [[ "$rounds" =~ ^[1-9][0-9]*$ ]] || fail "ROUNDS must be a positive number, not '$rounds'"
  modes=${BENCH_MODES:-plain sealed short}
  cases=${BENCH_CASES:-together waiting start}
  local runners
  read -r -a runners <<<"${BENCH_RUNNERS:-jar launcher}"
  local runner
  for runner in "${runners[@]}"; do
    case $runner in
      jar | fast-java) ;;
      launcher) scripts/package.sh --app-image ;;
      *=*) [ -x "${runner#*=}/bin/offerer" ] || fail "BENCH_RUNNERS: no launchers in ${runner#*=}/bin" ;;
      *) fail "BENCH_RUNNERS: unknown runner '$runner' (jar, launcher, fast-java, NAME=DIR)" ;;
    esac
  done
  bench_init
  start_server
  local started=$SECONDS
  local load_before
  load_before=$(load_average)
  echo "== bench-connect: $rounds rounds per case ($cases), mode ($modes) and runner (${runners[*]}) against" \
    "dht-server on 127.0.0.1:$server_port (--rate-per-source 0); jars from ${JARS_DIR:-this build}; peak RSS from" \
    "$rss_source; load average $load_before" >&2
  local mode n failures=0
  for runner in "${runners[@]}"; do
    if [ "$runner" = fast-java ]; then
      # scripts/fast-java writes each jar's archive from its first run: one round and one start, not counted.
      echo "== fast-java: a first round and a first dht-server start to write their archives" >&2
      RUNNER=fast-java CASE=warm-up run_round plain 0 || true
      RUNNER=fast-java server_start 0 || true
      rm -f "$work"/fast-java-warm-up-*.tsv "$work/fast-java-start.tsv"
    fi
  done
  for CASE in $cases; do
    case "$CASE" in together | waiting | start) ;; *) fail "BENCH_CASES: unknown case '$CASE' (together, waiting, start)" ;; esac
    if [ "$CASE" = start ]; then
      for n in $(seq 1 "$rounds"); do
        for RUNNER in "${runners[@]}"; do
          server_start "$n" || failures=$((failures + 1))
        done
      done
      continue
    fi
    for mode in $modes; do
      case "$mode" in plain | sealed | short) ;; *) fail "BENCH_MODES: unknown mode '$mode' (plain, sealed, short)" ;; esac
      for n in $(seq 1 "$rounds"); do
        for RUNNER in "${runners[@]}"; do
          run_round "$mode" "$n" || failures=$((failures + 1))
        done
      done
    done
  done
  RUNNER=""

  echo
  echo "## bench-connect: $rounds rounds per case, mode and runner, $(nproc) cores, load average $load_before" \
    "before, $(load_average) after"
  echo
  for runner in "${runners[@]}"; do
    echo "- $(runner_name "$runner"): $(runner_java "$runner")"
  done
  echo
  echo "Jars from ${JARS_DIR:-this build}. dht-server (java -jar) on loopback with --rate-per-source 0; peers with" \
    "--once --report-timing; peak RSS from $rss_source."
  print_summary "${runners[@]}"
  for CASE in $cases; do
    [ "$CASE" = start ] && continue
    for mode in $modes; do
      for runner in "${runners[@]}"; do
        print_mode_table "$(runner_name "$runner")" "$CASE" "$mode"
      done
    done
  done
  CASE=""
  if [ "${TRACE:-0}" = 1 ]; then
    for mode in $modes; do
      print_trace "$mode"
    done
  fi
  echo
  echo "Run time: $((SECONDS - started)) s; failed rounds: $failures."
  [ "$failures" -eq 0 ]
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
