#!/usr/bin/env bash
# scripts/bench-churn.sh [ROUNDS]  (default 100)
#
# Does a long-running dht-server get slower as peers come and go? Starts one dht-server (free loopback
# port, --rate-per-source 0 so its per-source rate limit cannot interfere, --stats 5), then runs ROUNDS
# offerer/answerer rounds one after another against it, each pair started together with --once
# --report-timing, in plain mode (keys webrtc-offer/webrtc-answer, as every round of a real user).
#
# Reports the median round-ms (the offerer's, and the round after both JVMs were up; see
# bench-connect.sh) of the first 10 and the last 10 rounds and their ratio (target: last <= 1.2 x first),
# the median of every block of 10 rounds, and the server's contact count at the start and the end (from
# its --stats line, printed to its standard error every 5 s). The whole run is bounded: it stops early,
# saying so, once ROUNDS x 15 s + 60 s have passed.
#
# Environment: PEER_JAVA_OPTS and KEEP as for bench-connect.sh, whose helpers this script uses.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench-connect.sh
source "$PWD/scripts/bench-connect.sh"

# The last `stats:` line of the server so far, or nothing.
last_stats_line() {
  grep '^stats:' "$work/server.err" | tail -n 1 || true
}

# Waits (up to 12 s) for the server to print a stats line after this moment, and prints that line.
fresh_stats_line() {
  local before deadline=$((SECONDS + 12))
  before=$(grep -c '^stats:' "$work/server.err" || true)
  while (($(grep -c '^stats:' "$work/server.err" || true) <= before)); do
    if ((SECONDS >= deadline)); then
      echo "(no stats line within 12 s; the last one: $(last_stats_line))"
      return
    fi
    sleep 0.1
  done
  last_stats_line
}

# One field of a stats line, e.g. `field contacts "$line"` -> 3.
field() {
  sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p; s/^stats: $1=\\([^ ]*\\).*/\\1/p" <<<"$2" | head -n 1
}

# block_median FROM TO COLUMN: median of COLUMN over the rounds numbered FROM..TO of plain.tsv.
block_median() {
  awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b' "$work/plain.tsv" >"$work/block.tsv"
  stats "$work/block.tsv" "$3" | cut -d' ' -f1
}

main_churn() {
  local rounds=${1:-100}
  [[ "$rounds" =~ ^[1-9][0-9]*$ ]] && ((rounds >= 20)) || fail "ROUNDS must be a number of at least 20, not '$1'"
  bench_init
  start_server --stats 5
  local limit=$((rounds * 15 + 60)) started=$SECONDS n failures=0 done_rounds=0
  local stats_start
  stats_start=$(fresh_stats_line)
  echo "== bench-churn: $rounds rounds against dht-server on 127.0.0.1:$server_port (--rate-per-source 0," \
    "--stats 5); limit $limit s; load average $(load_average)" >&2
  echo "== server at the start: $stats_start" >&2
  for n in $(seq 1 "$rounds"); do
    if ((SECONDS - started > limit)); then
      echo "== stopping after $done_rounds rounds: the run passed its limit of $limit s" >&2
      break
    fi
    run_round plain "$n" || failures=$((failures + 1))
    done_rounds=$n
  done
  local stats_end
  stats_end=$(fresh_stats_line)

  local last_from=$((done_rounds - 9))
  echo
  echo "## bench-churn: $done_rounds rounds, one dht-server, $(nproc) cores, load average at the end $(load_average)"
  echo
  echo "Plain signaling, each pair started together with --once --report-timing; dht-server with --rate-per-source 0."
  echo
  echo "| rounds | offerer round-ms (median) | round after both JVMs up, ms (median) | wall-ms (median) |"
  echo "|---|---:|---:|---:|"
  local from
  for ((from = 1; from <= done_rounds; from += 10)); do
    local to=$((from + 9 < done_rounds ? from + 9 : done_rounds))
    echo "| $from-$to | $(block_median "$from" "$to" 2) | $(block_median "$from" "$to" 3) | $(block_median "$from" "$to" 7) |"
  done
  echo
  local first_round first_up last_round last_up
  first_round=$(block_median 1 10 2)
  first_up=$(block_median 1 10 3)
  last_round=$(block_median "$last_from" "$done_rounds" 2)
  last_up=$(block_median "$last_from" "$done_rounds" 3)
  echo "| | first 10 | last 10 | last / first | target |"
  echo "|---|---:|---:|---:|---|"
  awk -v a="$first_round" -v b="$last_round" -v c="$first_up" -v d="$last_up" 'BEGIN {
    r1 = (a > 0) ? b / a : 0; r2 = (c > 0) ? d / c : 0
    printf "| offerer round-ms (median) | %s | %s | %.2f | %s |\n", a, b, r1, (r1 <= 1.2 ? "met (<= 1.2)" : "MISSED (> 1.2)")
    printf "| round after both JVMs up (median ms) | %s | %s | %.2f | %s |\n", c, d, r2, (r2 <= 1.2 ? "met (<= 1.2)" : "MISSED (> 1.2)")
  }'
  echo
  echo "Server contacts: $(field contacts "$stats_start") at the start, $(field contacts "$stats_end") at the end" \
    "(stored keys: $(field keys "$stats_start") -> $(field keys "$stats_end"))."
  echo "Server's last stats line: $stats_end"
  echo
  echo "Run time: $((SECONDS - started)) s; failed rounds: $failures of $done_rounds."
  [ "$failures" -eq 0 ]
}

main_churn "$@"
