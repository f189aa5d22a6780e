#!/usr/bin/env bash
# scripts/bench-channel.sh
#
# Data channel throughput between two processes on this machine. Starts a dht-server (free loopback port,
# --rate-per-source 0), then the two roles of dev.dhtsignal.tools.peer.ChannelBench: `receive` (meets the
# sender as the answerer does) and `send` (as the offerer does). Once connected, the sender runs, for
# each send-buffer high-water mark and each message size, VOLUME bytes or DURATION, whichever ends first,
# keeping RtcDataChannel.bufferedAmount under the mark with awaitBufferedBelow, then an end marker; the
# receiver times first payload byte to marker. Prints the sender's markdown table (MB/s and messages/s as
# the receiver saw them, plus where each side spent its CPU) and checks the target: 16 KiB messages at
# 60 MB/s or more (best high-water mark).
#
# Environment:
#   SIZES=1KiB,16KiB,256KiB          message sizes (256 KiB = RtcDataChannel.MAX_MESSAGE_BYTES, the largest)
#   HIGH_WATER=256KiB,1MiB,4MiB,8MiB send-buffer high-water marks to try (libwebrtc closes the channel past 16 MiB)
#   VOLUME=200MB  DURATION=15s       per run, whichever ends first
#   FLOW="low-water per-message"     sender flow control strategies, one connection each (see BenchSender):
#                                    low-water asks bufferedAmount() about once per half mark; per-message
#                                    before every message
#   PROFILE=1                        record both JVMs with JFR and print where their Java threads spent time
#   PEER_JAVA_OPTS, KEEP             as for bench-connect.sh, whose helpers this script uses
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench-connect.sh
source "$PWD/scripts/bench-connect.sh"

SIZES=${SIZES:-1KiB,16KiB,256KiB}
HIGH_WATER=${HIGH_WATER:-256KiB,1MiB,4MiB,8MiB}
VOLUME=${VOLUME:-200MB}
DURATION=${DURATION:-15s}
FLOW=${FLOW:-low-water per-message}

# The number of seconds in a duration like 15s, 500ms or 2m (rounded up), for the overall time limit.
seconds_of() {
  awk -v d="$1" 'BEGIN {
    n = d + 0; u = d; sub(/^[0-9.]+/, "", u)
    s = (u == "ms") ? n / 1000 : (u == "m") ? n * 60 : (u == "h") ? n * 3600 : n
    printf "%d\n", (s == int(s)) ? s : int(s) + 1
  }'
}

# run_pair FLOW: one receiver and one sender process with that flow control; prints the sender's table.
# Returns 1 if either failed.
run_pair() {
  local flow=$1 dir="$work/$1"
  mkdir -p "$dir"
  local key="bench-channel-$$-$RANDOM"
  local bench=(-cp "$jars/tools.jar" dev.dhtsignal.tools.peer.ChannelBench)
  local common=(--dht "127.0.0.1:$server_port" --key "$key" --timeout 60s)
  local receiver_opts=() sender_opts=()
  if [ "${PROFILE:-0}" = 1 ]; then
    receiver_opts=(-Xlog:jfr+startup=off -XX:StartFlightRecording=filename="$dir/receive.jfr",dumponexit=true,settings=profile)
    sender_opts=(-Xlog:jfr+startup=off -XX:StartFlightRecording=filename="$dir/send.jfr",dumponexit=true,settings=profile)
  fi
  local started=$SECONDS
  launch "$dir/receive" "${receiver_opts[@]}" "${bench[@]}" receive "${common[@]}"
  local receiver=$launched
  launch "$dir/send" "${sender_opts[@]}" "${bench[@]}" send "${common[@]}" --flow "$flow" \
    --sizes "$SIZES" --high-water "$HIGH_WATER" --volume "$VOLUME" --duration "$DURATION"
  local sender=$launched
  local rc_send=0 rc_receive=0
  wait "$sender" || rc_send=$?
  wait "$receiver" || rc_receive=$?
  forget_pid "$sender"
  forget_pid "$receiver"

  echo
  echo "### flow control '$flow': run time $((SECONDS - started)) s, load average at the end $(load_average)"
  echo
  echo "Peak RSS: sender $(peak_rss_mib "$dir/send") MiB, receiver $(peak_rss_mib "$dir/receive") MiB ($rss_source)."
  echo
  cat "$dir/send.out"
  if [ "$rc_send" -ne 0 ] || [ "$rc_receive" -ne 0 ]; then
    echo "FAILED: sender exit $rc_send, receiver exit $rc_receive (124 = killed at $ROUND_LIMIT_S s)"
    tail -n 5 "$dir/send.err" "$dir/receive.err"
    return 1
  fi
  if [ "${PROFILE:-0}" = 1 ]; then
    local side
    for side in send receive; do
      echo
      java -cp "$jars/tools.jar" dev.dhtsignal.tools.peer.ProfileSummary --top 12 "$dir/$side.jfr" || true
    done
  fi
}

main_channel() {
  bench_init
  start_server
  local runs
  runs=$(($(tr ',' '\n' <<<"$SIZES" | wc -l) * $(tr ',' '\n' <<<"$HIGH_WATER" | wc -l) + 1))
  # Each run: at most DURATION of sending plus up to 60 s for the result; plus start-up and closing.
  ROUND_LIMIT_S=$((runs * ($(seconds_of "$DURATION") + 60) + 120))
  echo "== bench-channel: sizes $SIZES, high-water marks $HIGH_WATER, $VOLUME or $DURATION per run, flow control" \
    "$FLOW; dht-server on 127.0.0.1:$server_port (--rate-per-source 0); limit $ROUND_LIMIT_S s per pair;" \
    "load average $(load_average)" >&2
  local started=$SECONDS flow failures=0
  echo "## bench-channel: $(nproc) cores, load average at the start $(load_average)"
  echo
  echo "Two processes on loopback (ChannelBench send/receive), connected through dht-server --rate-per-source 0."
  for flow in $FLOW; do
    run_pair "$flow" || failures=$((failures + 1))
  done
  # The target: the best 16 KiB row of any table (column 7 is MB/s, written **x**).
  local best
  best=$(cat "$work"/*/send.out 2>/dev/null |
    awk -F'|' '$2 ~ /^ 16 KiB / { v = $7; gsub(/[ *]/, "", v); if (v + 0 > b) b = v + 0 } END { print b + 0 }')
  echo
  if awk -v b="$best" 'BEGIN { exit !(b >= 60) }'; then
    echo "Target (16 KiB messages at >= 60 MB/s): met, best $best MB/s."
  else
    echo "Target (16 KiB messages at >= 60 MB/s): MISSED, best $best MB/s."
  fi
  echo "Run time: $((SECONDS - started)) s; failed pairs: $failures."
  [ "$failures" -eq 0 ]
}

main_channel "$@"
