#!/usr/bin/env bash
# scripts/bench-transfer.sh
#
# File transfer between two processes on this machine, beside the raw data channel in the same run.
# - The raw channel: scripts/bench-channel.sh with the transfer's chunk size (64 KiB; 16 KiB too in the
#   first and last run), high-water 4 MiB, flow control 'low-water' (MB/s, CPU-ms per MB).
# - The transfer: `answerer --receive` and `offerer --send FILE` of a SIZE file of random bytes (SHA-256
#   on both sides, written to disk, renamed once verified). MB/s is the sender's own figure (offer
#   accepted to file-ok); CPU-ms per MB is both processes' CPU time (/usr/bin/time) minus that of a
#   1-byte pair (start-up, signaling), per MB of the file.
# - They alternate, raw / transfer / raw / ... / raw, ROUNDS transfers in all: the channel's rate moves
#   by 10-20% between runs here, so each transfer is compared with the raw runs on either side of it.
# Prints a markdown table and checks the goal: the median of those ratios >= 90%.
#
# Environment:
#   SIZE=1GiB            the file's size (anything `head -c` takes: 1G, 200M ...)
#   CHANNEL_VOLUME=1GB   CHANNEL_DURATION=30s   per bench-channel run, whichever ends first
#   ROUNDS=3             transfers (and ROUNDS + 1 raw runs)
#   PEER_JAVA_OPTS, KEEP as for bench-connect.sh, whose helpers this script uses
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench-connect.sh
source "$PWD/scripts/bench-connect.sh"

SIZE=${SIZE:-1GiB}
CHANNEL_VOLUME=${CHANNEL_VOLUME:-1GB}
CHANNEL_DURATION=${CHANNEL_DURATION:-30s}
ROUNDS=${ROUNDS:-3}

# cpu_seconds PREFIX: user + system seconds of a process launched with `launch PREFIX`.
cpu_seconds() {
  awk -F': ' '/User time \(seconds\)/ { u = $2 } /System time \(seconds\)/ { s = $2 } END { printf "%.2f\n", u + s }' "$1.time"
}

# transfer NAME FILE: one answerer --receive / offerer --send pair; prints "MB/s cpu-seconds".
transfer() {
  local name=$1 file=$2 dir="$work/$1"
  mkdir -p "$dir/inbox"
  local keys=(--dht "127.0.0.1:$server_port" --offer-key "bench-transfer-$$-$name" --answer-key "bench-transfer-$$-$name-a"
    --timeout 60s)
  launch "$dir/answerer" -jar "$jars/answerer.jar" "${keys[@]}" --receive "$dir/inbox"
  local receiver=$launched
  launch "$dir/offerer" -jar "$jars/offerer.jar" "${keys[@]}" --send "$file"
  local sender=$launched
  local rc_send=0 rc_receive=0
  wait "$sender" || rc_send=$?
  wait "$receiver" || rc_receive=$?
  forget_pid "$sender"
  forget_pid "$receiver"
  if [ "$rc_send" -ne 0 ] || [ "$rc_receive" -ne 0 ]; then
    echo "FAILED: $name: sender exit $rc_send, receiver exit $rc_receive" >&2
    tail -n 5 "$dir/offerer.err" "$dir/answerer.err" >&2
    return 1
  fi
  cmp -s "$file" "$dir/inbox/$(basename "$file")" || fail "$name: the received file differs from the sent one"
  local rate
  rate=$(sed -n 's/^Sent .* in [0-9.]* s (\([0-9.]*\) MB\/s).*/\1/p' "$dir/offerer.err" | tail -n 1)
  echo "$rate $(awk -v a="$(cpu_seconds "$dir/offerer")" -v b="$(cpu_seconds "$dir/answerer")" 'BEGIN { printf "%.2f", a + b }')"
  rm -rf "$dir/inbox"
}

# raw_channel OUT SIZES: bench-channel.sh with those message sizes (16KiB,64KiB or 64KiB); prints its
# table and sets raw_result to "MB/s-at-64KiB MB/s-at-16KiB-or-empty CPU-ms-per-MB-at-64KiB".
raw_channel() {
  local out=$1 sizes=$2
  SIZES=$sizes HIGH_WATER=4MiB FLOW=low-water VOLUME=$CHANNEL_VOLUME DURATION=$CHANNEL_DURATION \
    scripts/bench-channel.sh >"$out" || true
  sed -n '/^| size/,/^$/p' "$out"
  raw_result=$(awk -F'|' '$2 ~ /^ (16|64) KiB / { v = $7; gsub(/[ *]/, "", v); c = $14; gsub(/ /, "", c)
      if ($2 ~ /64/) { m64 = v; c64 = c } else { m16 = v } }
    END { if (m64 != "") print m64, (m16 == "" ? "-" : m16), c64 }' "$out")
  [ -n "$raw_result" ] || { cat "$out"; fail "bench-channel gave no 64 KiB figure"; }
}

# median of the numbers given as arguments
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

main_transfer() {
  bench_init
  command -v /usr/bin/time >/dev/null || fail "/usr/bin/time is needed for the CPU figures (apt-get install time)"
  ROUND_LIMIT_S=900
  start_server
  echo "## bench-transfer: $(nproc) cores, load average at the start $(load_average)"
  echo
  echo "Raw channel and transfer alternate, $ROUNDS transfer(s) between $((ROUNDS + 1)) raw runs, because the"
  echo "channel's own rate moves by 10-20% from one run to the next on this machine."
  echo
  local file="$work/file.bin" tiny="$work/tiny.bin"
  head -c "$SIZE" /dev/urandom >"$file"
  head -c 1 /dev/urandom >"$tiny"
  local bytes baseline base_cpu
  bytes=$(stat -c %s "$file")
  baseline=$(transfer tiny "$tiny") || fail "the 1-byte transfer failed"
  read -r _ base_cpu <<<"$baseline"

  local raws=() raw_cpus=() rates=() cpus=() ratios=() raw16=() r sizes rate cpu
  for ((r = 0; r <= ROUNDS; r++)); do
    sizes=64KiB
    if [ "$r" -eq 0 ] || [ "$r" -eq "$ROUNDS" ]; then sizes=16KiB,64KiB; fi
    echo "### The raw channel, run $((r + 1)) (scripts/bench-channel.sh, same machine, same run)"
    echo
    raw_channel "$work/channel-$r.out" "$sizes"
    local m64 m16 c64
    read -r m64 m16 c64 <<<"$raw_result"
    raws+=("$m64")
    raw_cpus+=("$c64")
    [ "$m16" = "-" ] || raw16+=("$m16")
    if [ "$r" -gt 0 ]; then
      # The transfer before this raw run, against the raw runs on either side of it.
      ratios+=("$(awk -v t="${rates[r - 1]}" -v a="${raws[r - 1]}" -v b="$m64" 'BEGIN { printf "%.3f", t / ((a + b) / 2) }')")
    fi
    if [ "$r" -lt "$ROUNDS" ]; then
      echo "### Transfer $((r + 1)): offerer --send, answerer --receive, a $SIZE file of random bytes"
      echo
      read -r rate cpu <<<"$(transfer "big-$r" "$file")" || fail "transfer $((r + 1)) failed"
      [ -n "$rate" ] || fail "transfer $((r + 1)) printed no rate"
      echo "$rate MB/s"
      echo
      rates+=("$rate")
      cpus+=("$(awk -v c="$cpu" -v base="$base_cpu" -v bytes="$bytes" 'BEGIN { printf "%.1f", (c - base) * 1000 / (bytes / 1e6) }')")
    fi
  done

  echo "### Summary"
  echo
  echo "| | MB/s, each run | median MB/s | CPU-ms per MB (both processes), median |"
  echo "|---|---|---:|---:|"
  echo "| raw channel, 64 KiB messages | ${raws[*]} | $(median "${raws[@]}") | $(median "${raw_cpus[@]}") |"
  echo "| file transfer (64 KiB chunks, SHA-256 both sides, disk) | ${rates[*]} | **$(median "${rates[@]}")** | $(median "${cpus[@]}") |"
  echo "| raw channel, 16 KiB messages (first and last run) | ${raw16[*]} | $(median "${raw16[@]}") | |"
  echo
  local ratio
  ratio=$(median "${ratios[@]}")
  echo "File: $(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB. Transfer CPU: both processes' CPU time minus $base_cpu s for a 1-byte pair (start-up, signaling)."
  echo "Each transfer / the mean of the raw 64 KiB runs either side of it: $(printf '%s ' "${ratios[@]}" | awk '{ for (i = 1; i <= NF; i++) printf "%s%.0f%%", (i > 1 ? ", " : ""), 100 * $i }'); median $(awk -v r="$ratio" 'BEGIN { printf "%.0f%%", 100 * r }')."
  echo
  echo "Load average at the end: $(load_average)"
  if awk -v r="$ratio" 'BEGIN { exit !(r >= 0.9) }'; then
    echo "Goal (transfer >= 90% of the raw channel, median): met."
  else
    echo "Goal (transfer >= 90% of the raw channel, median): MISSED."
  fi
}

main_transfer "$@"
