#!/usr/bin/env bash
# scripts/bench-connect.sh [ROUNDS]  (default 10)
#
# How long does it take two peers to meet through the DHT? Starts a dht-server on a free loopback port,
# then ROUNDS times starts an answerer and an offerer together (`--once --report-timing`) and measures:
#
#   offerer round-ms     what the offerer prints: from its JVM being ready (WebRTC loaded, DHT joined) to
#                        having the answerer's greeting. It includes waiting for the answerer's JVM if that
#                        one is ready later.
#   round after both up  the same end point, counted from the moment *both* JVMs were ready (derived from
#                        each JVM's ready-ms and the time the script launched it; both are launched the same
#                        way, so the launch overhead mostly cancels out: expect an error of a few ms, tens on
#                        a loaded machine). This is the signaling round itself, the number the issue's
#                        target ("well under a second after the JVMs are up") is about.
#   answerer round-ms    what the answerer prints (its ready to greetings done).
#   ready-ms             JVM start to ready, each side.
#   wall-ms              launch of both JVMs to both processes exited: what a user waits.
#   peak RSS             of each JVM, from /usr/bin/time -v (exact, from the kernel), or, without it, by
#                        polling VmHWM in /proc/PID/status.
#
# A failed round is counted, its last error lines printed and its logs copied to /tmp/bench-failed-*;
# the run goes on. Every wait is bounded: each peer runs under `timeout` (ROUND_LIMIT_S).
#
# Every round runs in plain mode (keys webrtc-offer/webrtc-answer) and, unless BENCH_MODES says
# otherwise, also sealed (--session with a fresh code per round). The server runs with
# --rate-per-source 0 so that its per-source rate limit (all peers come from 127.0.0.1) cannot distort
# the numbers. Prints one markdown table per mode.
#
# Environment:
#   BENCH_MODES="plain sealed"   modes to run
#   PEER_JAVA_OPTS="..."         extra JVM options for both peers, e.g. -XX:TieredStopAtLevel=1
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
  local jar
  for jar in "${needed[@]}"; do
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
  local measure=()
  if command -v /usr/bin/time >/dev/null; then
    measure=(/usr/bin/time -v -o "$prefix.time")
  fi
  local stdout="$prefix.out"
  if [ "${stamp_stdout:-0}" = 1 ]; then
    # Trace mode: each line the program prints gets the time it was printed, like its log lines have.
    mkfifo "$prefix.fifo"
    stamp_lines <"$prefix.fifo" >"$prefix.out" &
    stdout="$prefix.fifo"
  fi
  now_ms >"$prefix.launch"
  # shellcheck disable=SC2086  # PEER_JAVA_OPTS is a list of options
  timeout -k 5 "$ROUND_LIMIT_S" "${measure[@]}" java ${PEER_JAVA_OPTS:-} "$@" \
    </dev/null >"$stdout" 2>"$prefix.err" &
  launched=$!
  pids+=("$launched")
  if [ ${#measure[@]} -eq 0 ]; then
    watch_peak_rss "$launched" "$prefix.time" &
  fi
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

# "ready round" from a peer's `timing: ready-ms=X round-ms=Y` line on stderr, or nothing.
timing_of() {
  sed -n 's/^timing: ready-ms=\([0-9][0-9]*\) round-ms=\([0-9][0-9]*\)$/\1 \2/p' "$1.err" | tail -n 1
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

# run_round MODE N [EXTRA PEER ARGS...]: one answerer and one offerer started together; waits for both
# (bounded by `timeout`). Appends one line to $work/MODE.tsv:
#   round offerer_round both_up_round answerer_round offerer_ready answerer_ready wall offerer_rss answerer_rss
# Returns 1 (and appends nothing) if a peer failed; its stderr stays in $work/MODE-N/.
run_round() {
  local mode=$1 n=$2
  shift 2
  local dir="$work/$mode-$n"
  mkdir -p "$dir"
  local args=(--dht "127.0.0.1:${peer_dht_port:-$server_port}" --once --report-timing --timeout 30s --connect-timeout 20s "$@")
  if [ "$mode" = sealed ]; then
    args+=(--session "$(session_code)")
  fi
  local start
  start=$(now_ms)
  launch "$dir/answerer" -jar "$jars/answerer.jar" "${args[@]}"
  local answerer=$launched
  launch "$dir/offerer" -jar "$jars/offerer.jar" "${args[@]}"
  local offerer=$launched
  local rc_offerer=0 rc_answerer=0
  wait "$offerer" || rc_offerer=$?
  wait "$answerer" || rc_answerer=$?
  forget_pid "$offerer"
  forget_pid "$answerer"
  local wall=$(($(now_ms) - start))
  if [ "$rc_offerer" -ne 0 ] || [ "$rc_answerer" -ne 0 ]; then
    # Keep this round's logs past the cleanup, for a look at what went wrong.
    local kept
    kept="$(mktemp -d "${TMPDIR:-/tmp}/bench-failed-XXXXXX")"
    cp -r "$dir" "$kept/"
    echo "   $mode round $n FAILED after $wall ms: offerer exit $rc_offerer, answerer exit $rc_answerer" \
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
  # Absolute ready times (launch time + ready-ms); the round after both are up starts at the later one.
  local o_ready_at=$(($(cat "$dir/offerer.launch") + o_ready))
  local a_ready_at=$(($(cat "$dir/answerer.launch") + a_ready))
  local later=$((a_ready_at > o_ready_at ? a_ready_at - o_ready_at : 0))
  local both_up=$((o_round - later))
  local o_rss a_rss
  o_rss=$(peak_rss_mib "$dir/offerer")
  a_rss=$(peak_rss_mib "$dir/answerer")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$o_round" "$both_up" "$a_round" "$o_ready" "$a_ready" \
    "$wall" "$o_rss" "$a_rss" >>"$work/$mode.tsv"
  printf '   %-6s round %3s: offerer round-ms=%4s (after both up %4s)  ready-ms=%s/%s  wall-ms=%s  RSS=%s/%s MiB\n' \
    "$mode" "$n" "$o_round" "$both_up" "$o_ready" "$a_ready" "$wall" "$o_rss" "$a_rss" >&2
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

print_mode_table() {
  local mode=$1 file="$work/$1.tsv"
  local ok=0
  [ -f "$file" ] && ok=$(wc -l <"$file")
  echo
  echo "### $mode signaling: $ok of $rounds rounds succeeded"
  echo
  if [ "$ok" -eq 0 ]; then
    return
  fi
  echo "| metric | median | p90 | min | max |"
  echo "|---|---:|---:|---:|---:|"
  local row
  for row in "2|offerer round-ms (its ready → greetings done)" \
    "3|**round after both JVMs up** (ms)" \
    "4|answerer round-ms" \
    "5|offerer ready-ms (JVM start → WebRTC + DHT)" \
    "6|answerer ready-ms" \
    "7|wall-ms (launch → both exited)" \
    "8|offerer peak RSS (MiB)" \
    "9|answerer peak RSS (MiB)"; do
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

main() {
  rounds=${1:-10}
  [[ "$rounds" =~ ^[1-9][0-9]*$ ]] || fail "ROUNDS must be a positive number, not '$rounds'"
  local modes=${BENCH_MODES:-plain sealed}
  bench_init
  start_server
  local started=$SECONDS
  echo "== bench-connect: $rounds rounds per mode ($modes) against dht-server on 127.0.0.1:$server_port" \
    "(--rate-per-source 0); peak RSS from $rss_source; load average $(load_average)" >&2
  local mode n failures=0
  for mode in $modes; do
    case "$mode" in plain | sealed) ;; *) fail "BENCH_MODES: unknown mode '$mode' (plain, sealed)" ;; esac
    for n in $(seq 1 "$rounds"); do
      run_round "$mode" "$n" || failures=$((failures + 1))
    done
  done

  echo
  echo "## bench-connect: $rounds rounds per mode, $(nproc) cores, load average at the end $(load_average)"
  echo
  echo "dht-server on loopback with --rate-per-source 0; peers with --once --report-timing; peak RSS from $rss_source."
  echo "Target: a round well under a second after the JVMs are up (row in bold)."
  for mode in $modes; do
    print_mode_table "$mode"
  done
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
