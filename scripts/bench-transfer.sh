#!/usr/bin/env bash
# scripts/bench-transfer.sh
#
# File transfer between two processes on this machine, beside the raw data channel in the same run.
# 1. scripts/bench-channel.sh with the transfer's chunk size (64 KiB) and 16 KiB, high-water 4 MiB,
#    flow control 'low-water': the raw channel figure (MB/s, CPU-ms per MB).
# 2. `answerer --receive` and `offerer --send FILE` of a SIZE file of random bytes (SHA-256 on both
#    sides, written to disk, renamed once verified), then the same pair with a 1-byte file. MB/s is the
#    sender's own figure (offer accepted to file-ok); CPU-ms per MB is both processes' CPU time
#    (/usr/bin/time) minus that of the 1-byte pair (start-up, signaling), per MB of the file.
# 3. bench-channel.sh once more, so that the raw figure brackets the transfer on a machine whose load
#    changes.
# Prints a markdown table and checks the goal: the transfer at >= 90% of the raw channel's MB/s (the
# mean of the two raw runs).
#
# Environment:
#   SIZE=1GiB            the file's size (anything `head -c` takes: 1G, 200M ...)
#   CHANNEL_VOLUME=1GB   CHANNEL_DURATION=30s   per bench-channel run, whichever ends first
#   PEER_JAVA_OPTS, KEEP as for bench-connect.sh, whose helpers this script uses
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench-connect.sh
source "$PWD/scripts/bench-connect.sh"

SIZE=${SIZE:-1GiB}
CHANNEL_VOLUME=${CHANNEL_VOLUME:-1GB}
CHANNEL_DURATION=${CHANNEL_DURATION:-30s}

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

# raw_channel OUT: bench-channel.sh with 16 and 64 KiB messages; prints its table and sets raw_result to
# "MB/s-at-64KiB MB/s-at-16KiB CPU-ms-per-MB-at-64KiB".
raw_channel() {
  local out=$1
  SIZES=16KiB,64KiB HIGH_WATER=4MiB FLOW=low-water VOLUME=$CHANNEL_VOLUME DURATION=$CHANNEL_DURATION \
    scripts/bench-channel.sh >"$out" || true
  sed -n '/^| size/,/^$/p' "$out"
  raw_result=$(awk -F'|' '$2 ~ /^ (16|64) KiB / { v = $7; gsub(/[ *]/, "", v); c = $14; gsub(/ /, "", c)
      if ($2 ~ /64/) { m64 = v; c64 = c } else { m16 = v } }
    END { if (m64 != "") print m64, m16 + 0, c64 }' "$out")
  [ -n "$raw_result" ] || { cat "$out"; fail "bench-channel gave no 64 KiB figure"; }
}

main_transfer() {
  bench_init
  command -v /usr/bin/time >/dev/null || fail "/usr/bin/time is needed for the CPU figures (apt-get install time)"
  ROUND_LIMIT_S=900
  start_server
  echo "## bench-transfer: $(nproc) cores, load average at the start $(load_average)"
  echo
  echo "### The raw channel (scripts/bench-channel.sh, same machine, same run)"
  echo
  raw_channel "$work/channel-before.out"
  local raw64 raw16 rawcpu64
  read -r raw64 raw16 rawcpu64 <<<"$raw_result"

  echo "### The transfer: offerer --send, answerer --receive, a $SIZE file of random bytes"
  echo
  local file="$work/file.bin" tiny="$work/tiny.bin"
  head -c "$SIZE" /dev/urandom >"$file"
  head -c 1 /dev/urandom >"$tiny"
  local bytes result baseline
  bytes=$(stat -c %s "$file")
  result=$(transfer big "$file") || fail "the transfer failed"
  baseline=$(transfer tiny "$tiny") || fail "the 1-byte transfer failed"
  local rate cpu base_cpu
  read -r rate cpu <<<"$result"
  read -r _ base_cpu <<<"$baseline"
  echo "### The raw channel again, after the transfer"
  echo
  raw_channel "$work/channel-after.out"
  local after64 after16 aftercpu64
  read -r after64 after16 aftercpu64 <<<"$raw_result"
  awk -v rate="$rate" -v cpu="$cpu" -v base="$base_cpu" -v bytes="$bytes" -v raw64="$raw64" -v raw16="$raw16" \
    -v rawcpu="$rawcpu64" -v after64="$after64" -v after16="$after16" -v aftercpu="$aftercpu64" 'BEGIN {
      mb = bytes / 1e6
      printf "| | MB/s | CPU-ms per MB (both processes) |\n|---|---:|---:|\n"
      printf "| raw channel, 64 KiB messages, before | %.1f | %s |\n", raw64, rawcpu
      printf "| file transfer (64 KiB chunks, SHA-256 both sides, disk) | **%.1f** | %.1f |\n", rate, (cpu - base) * 1000 / mb
      printf "| raw channel, 64 KiB messages, after | %.1f | %s |\n", after64, aftercpu
      printf "| raw channel, 16 KiB messages, before / after | %.1f / %.1f | |\n", raw16, after16
      printf "\nFile: %.0f MB. Transfer CPU: %.2f s for the pair, minus %.2f s for a 1-byte pair (start-up, signaling).\n", mb, cpu, base
      printf "Transfer / raw (64 KiB, mean of before and after): %.0f%%.\n", 100 * rate / ((raw64 + after64) / 2)
    }'
  echo
  echo "Load average at the end: $(load_average)"
  if awk -v r="$rate" -v a="$raw64" -v b="$after64" 'BEGIN { exit !(r >= 0.9 * (a + b) / 2) }'; then
    echo "Goal (transfer >= 90% of the raw channel): met."
  else
    echo "Goal (transfer >= 90% of the raw channel): MISSED."
  fi
}

main_transfer "$@"
