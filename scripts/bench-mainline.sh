#!/usr/bin/env bash
# scripts/bench-mainline.sh [ROUNDS] [NODES]   (defaults 3 and 50; needs root for the network namespace)
#
# How long do two peers take to meet over the Mainline DHT, with no added latency and with a real network's
# latency? In a network namespace of its own (loopback only), starts NODES bittorrent-dht nodes (an independent
# implementation, mainline-tests/swarm.mjs) and three full nodes of ours (dht-server --network mainline), then,
# ROUNDS times, for each version of the programs and each kind of code, an offerer and an answerer with
# `--network mainline --once --report-timing`, each joining through a different node:
#
#   short code   the offerer makes one (`--session`); the answerer starts when the code is printed
#   long code    both start together with the same `--session K7QX-...`
#
# Two cases: `lo` (the namespace's loopback as it is) and `netem` (`tc qdisc ... netem delay 40ms 10ms loss 1%`
# on it: 80 ms round trips with jitter, one packet in a hundred lost). It prints a row per run, then a table of
# medians: launch to greeting for each side (the time from starting the program to printing the other side's
# greeting), and what the new programs' DHT client did up to then (traversals, direct gets and puts).
#
# The flood limit (libtorrent blocks a sender of more than 50 packets to it within 10 s): tcpdump records the
# namespace's loopback during each run, and the highest count of packets from one of our peers' endpoints to
# one DHT node within any 10-second window is printed beside the peers' own count (the new programs' "max").
#
# Versions: `after` is this tree's jars (scripts/build.sh). `before` is BENCH_BEFORE: a directory holding
# offerer/target/offerer.jar and answerer/target/answerer.jar, or a commit, which is exported into /tmp and built
# there with Maven (nothing installed into ~/.m2). Without it, only `after` runs.
#
# Loopback only: nothing leaves the namespace, no public router is contacted (every peer is given --bootstrap).
# The namespace is deleted at the end, also on failure. Every wait is bounded.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
rounds="${1:-3}"
nodes="${2:-50}"
limit_s=120
[ "$(id -u)" = 0 ] || { echo "bench-mainline: needs root (a network namespace with netem)" >&2; exit 1; }
for jar in offerer/target/offerer.jar answerer/target/answerer.jar dht-server/target/dht-server.jar; do
  [ -f "$jar" ] || { echo "bench-mainline: $jar is missing; run scripts/build.sh" >&2; exit 1; }
done
[ -d mainline-tests/node_modules/bittorrent-dht ] || { echo "bench-mainline: run scripts/setup.sh first" >&2; exit 1; }
command -v tcpdump > /dev/null || { echo "bench-mainline: tcpdump is missing (apt-get install tcpdump)" >&2; exit 1; }

versions=(after)
declare -A jars=([after]="$root")
if [ -n "${BENCH_BEFORE:-}" ]; then
  if [ -d "$BENCH_BEFORE" ]; then
    jars[before]="$(cd "$BENCH_BEFORE" && pwd)"
  else
    commit="$(git rev-parse --short "$BENCH_BEFORE")"
    dir="/tmp/bench-mainline-before-$commit"
    if [ ! -f "$dir/answerer/target/answerer.jar" ]; then
      echo "bench-mainline: building the programs of $commit in $dir" >&2
      rm -rf "$dir" && mkdir -p "$dir"
      git archive "$commit" | tar -x -C "$dir"
      (cd "$dir" && mvn -B -q -o -DskipTests -pl offerer,answerer -am package >&2)
    fi
    jars[before]="$dir"
  fi
  versions=(before after)
fi
declare -A no_default_stun=()
for v in "${versions[@]}"; do
  if java -jar "${jars[$v]}/offerer/target/offerer.jar" --help 2>&1 | grep -q -- --no-default-stun; then
    no_default_stun[$v]=yes
  fi
done

ns="mlbench-$$"
work="$(mktemp -d)"
main_pid=$BASHPID
cleanup() {
  [ "$BASHPID" = "$main_pid" ] || return 0  # not in the subshells of $(...)
  stop_namespace_processes
  ip netns del "$ns" 2> /dev/null || true
  if [ -n "${BENCH_KEEP:-}" ]; then echo "bench-mainline: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
# Every process in the namespace is one this script started: stopping them by the namespace's list of pids
# reaches the programs behind `ip netns exec` and the pipes too.
stop_namespace_processes() {
  local pid
  for pid in $(ip netns pids "$ns" 2> /dev/null); do kill "$pid" 2> /dev/null || true; done
  for _ in $(seq 1 50); do [ -z "$(ip netns pids "$ns" 2> /dev/null)" ] && break; sleep 0.1; done
  wait 2> /dev/null || true
}
ip netns add "$ns"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up
# WebRTC gathers no candidates on loopback: an address of the benchmarking range (RFC 2544) on one end of a
# veth pair inside the namespace gives each peer a host candidate; traffic to it stays in the namespace (a
# local address goes over lo).
in_ns ip link add mlb0 type veth peer name mlb1
in_ns ip addr add 198.18.77.1/32 dev mlb0
in_ns ip link set mlb0 up
in_ns ip link set mlb1 up
export XDG_CACHE_HOME="$work/cache"  # the programs' spent codes, away from the user's

now_us() { echo "${EPOCHREALTIME/./}"; }
stamp() { while IFS= read -r line; do printf '%s %s\n' "${EPOCHREALTIME/./}" "$line"; done; }
await_line() {  # FILE PATTERN SECONDS
  local i
  for i in $(seq 1 $(($3 * 10))); do grep -q -- "$2" "$1" 2> /dev/null && return 0; sleep 0.1; done
  return 1
}
long_code() {
  local alphabet=0123456789ABCDEFGHJKMNPQRSTVWXYZ out="" i
  for i in $(seq 1 12); do out+="${alphabet:$((RANDOM % 32)):1}"; done
  echo "${out:0:4}-${out:4:4}-${out:8:4}"
}

# One pair: VERSION KIND OFFERER-BOOTSTRAP ANSWERER-BOOTSTRAP -> "offerer-ms answerer-ms offerer-dht answerer-dht"
run_pair() {
  local version="$1" kind="$2" ob="$3" ab="$4" dir="${jars[$1]}" code o_start a_start opid apid
  local common=(--network mainline --once --report-timing)
  # Programs that would ask public STUN servers on Mainline are told not to: nothing leaves this machine.
  if [ "${no_default_stun[$version]:-}" = yes ]; then common+=(--no-default-stun); fi
  rm -f "$work"/o.* "$work"/a.* "$work"/capture*
  # Every datagram on the namespace's loopback during the run, for the flood count.
  ip netns exec "$ns" tcpdump -i lo -n -tt -l -q udp > "$work/capture" 2> "$work/capture.err" & local tcpdump_pid=$!
  await_line "$work/capture.err" "listening on" 10 || true
  if [ "$kind" = short ]; then
    o_start="$(now_us)"
    (in_ns timeout "$limit_s" java -jar "$dir/offerer/target/offerer.jar" "${common[@]}" --session --bootstrap "$ob" \
      < /dev/null 2> "$work/o.err" | stamp > "$work/o.out") & opid=$!
    if ! await_line "$work/o.out" "Session code: " 60; then wait "$opid" || true; echo "fail fail - -"; return; fi
    code="$(sed -n 's/^[0-9]* Session code: \(.*\)$/\1/p' "$work/o.out")"
    a_start="$(now_us)"
  else
    code="$(long_code)"
    o_start="$(now_us)"; a_start="$o_start"
    (in_ns timeout "$limit_s" java -jar "$dir/offerer/target/offerer.jar" "${common[@]}" --session "$code" --bootstrap "$ob" \
      < /dev/null 2> "$work/o.err" | stamp > "$work/o.out") & opid=$!
  fi
  (in_ns timeout "$limit_s" java -jar "$dir/answerer/target/answerer.jar" "${common[@]}" --session "$code" --bootstrap "$ab" \
    < /dev/null 2> "$work/a.err" | stamp > "$work/a.out") & apid=$!
  wait "$opid" || true
  wait "$apid" || true
  local og ag
  og="$(grep -m1 'Received message from Peer B' "$work/o.out" | cut -d' ' -f1 || true)"
  ag="$(grep -m1 "Received message on 'chat'" "$work/a.out" | cut -d' ' -f1 || true)"
  dht() { grep -o 'dht-traversals=[0-9]* dht-direct-gets=[0-9]* dht-direct-puts=[0-9]* dht-most-to-one-node=[0-9]*' "$1" \
            | sed 's/dht-traversals=\([0-9]*\) dht-direct-gets=\([0-9]*\) dht-direct-puts=\([0-9]*\) dht-most-to-one-node=\([0-9]*\)/\1t+\2g+\3p,max\4/' | tail -1 || true; }
  local od ad
  od="$(dht "$work/o.err")"; ad="$(dht "$work/a.err")"
  local ot=fail at=fail
  [ -z "$og" ] || ot=$(((og - o_start) / 1000))
  [ -z "$ag" ] || at=$(((ag - a_start) / 1000))
  ready() { sed -n 's/.*timing: ready-ms=\([0-9]*\).*/\1/p' "$1" | tail -1; }
  kill "$tcpdump_pid" 2> /dev/null || true
  wait "$tcpdump_pid" 2> /dev/null || true
  # Where the time went, from the moments each line appeared (ms from the previous step):
  #   answerer: start (launch to "Waiting for Offer SDP", i.e. JVM, WebRTC, DHT joined), offer (the key exchange if
  #   any, and the offer found), stored (the answer stored), greet (ICE, DTLS, the data channel, the greetings)
  #   offerer: code or offer (launch to the code shown, or to the offer stored with a long code), then answer
  #   (to the answer read), greet
  local steps_a steps_o s1 s2 s3
  s1="$(at "$work/a.out" 'Waiting for Offer SDP')"; s2="$(at "$work/a.out" 'Creating Answer SDP')"; s3="$(at "$work/a.out" 'Answer SDP stored')"
  steps_a="a:start=$(span "$a_start" "$s1"),offer=$(span "$s1" "$s2"),stored=$(span "$s2" "$s3"),greet=$(span "$s3" "$ag")"
  if [ "$kind" = short ]; then
    s1="$(at "$work/o.out" 'Session code:')"; s2="$(at "$work/o.out" 'Offer SDP stored')"
    steps_o="o:code=$(span "$o_start" "$s1"),offer=$(span "$s1" "$s2")"
  else
    s2="$(at "$work/o.out" 'Offer SDP stored')"
    steps_o="o:offer=$(span "$o_start" "$s2")"
  fi
  s3="$(at "$work/o.out" 'WebRTC connection established')"
  steps_o="$steps_o,answer=$(span "$s2" "$s3"),greet=$(span "$s3" "$og")"
  echo "$ot $at ${od:--} ${ad:--} ready-ms=$(ready "$work/o.err")/$(ready "$work/a.err") flood=$(flood_in "$work/capture") $steps_o $steps_a"
  if [ -z "$og" ] || [ -z "$ag" ]; then
    tail -n 2 "$work/o.err" "$work/a.err" | sed 's/^/    /' >&2
  fi
}

# The most packets from one endpoint that is not a DHT node (a peer of ours) to one DHT node within any 10 s
# of a capture (tcpdump -tt -n output).
flood_in() {
  python3 - "$1" $(cat "$work/dht-ports") <<'EOF'
import collections, re, sys
path, ports = sys.argv[1], set(sys.argv[2:])
line = re.compile(r'^(\d+\.\d+) IP 127\.0\.0\.1\.(\d+) > 127\.0\.0\.1\.(\d+):')
windows = collections.defaultdict(collections.deque)
most = 0
for text in open(path):
    m = line.match(text)
    if not m or m.group(2) in ports or m.group(3) not in ports:
        continue
    t, w = float(m.group(1)), windows[(m.group(2), m.group(3))]
    w.append(t)
    while t - w[0] >= 10.0:
        w.popleft()
    most = max(most, len(w))
print(most)
EOF
}

at() { grep -m1 -- "$2" "$1" 2> /dev/null | cut -d' ' -f1 || true; }
span() { if [ -n "$1" ] && [ -n "$2" ]; then echo $((($2 - $1) / 1000)); else echo -; fi; }

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

results="$work/results"
: > "$results"
ours=3
for case in lo netem; do
  swarm_latency=""
  if [ "$case" = netem ] && ! in_ns tc qdisc add dev lo root netem delay 40ms 10ms loss 1% 2> "$work/tc.err"; then
    # This kernel has no netem ("Specified qdisc kind is unknown"): the swarm's nodes delay and drop their own
    # datagrams instead (mainline-tests/swarm.mjs, SWARM_LATENCY). Our full nodes would answer without delay
    # then, so that case runs without them: every node a peer meets is 40 +- 10 ms away each way.
    echo "bench-mainline: no netem here ($(head -1 "$work/tc.err")); the swarm's nodes delay their own datagrams" >&2
    swarm_latency="40,10,0.01"
    ours=0
  fi
  mkfifo "$work/swarm.in"
  in_ns env SWARM_LATENCY="$swarm_latency" node mainline-tests/swarm.mjs "$nodes" < "$work/swarm.in" > "$work/swarm.out" 2> "$work/swarm.err" &
  exec 3> "$work/swarm.in"
  await_line "$work/swarm.out" '"ready"' 300 || { echo "bench-mainline: the swarm did not start" >&2; cat "$work/swarm.err" >&2; exit 1; }
  mapfile -t addresses < <(grep -o '127\.0\.0\.1:[0-9]*' "$work/swarm.out")
  dht_ports=()
  for a in "${addresses[@]}"; do dht_ports+=("${a##*:}"); done
  for s in $(seq 1 "$ours"); do
    in_ns java -jar dht-server/target/dht-server.jar --network mainline --port 0 --bind 127.0.0.1 \
      "${addresses[$((s * 7 % nodes))]}" > "$work/server$s.out" 2> "$work/server$s.err" &
  done
  for s in $(seq 1 "$ours"); do
    await_line "$work/server$s.out" "DHT Server running on port" 60 || { echo "bench-mainline: dht-server $s did not start" >&2; exit 1; }
    dht_ports+=("$(sed -n 's/.*DHT Server running on port \([0-9]*\).*/\1/p' "$work/server$s.out" | head -1)")
  done
  echo "${dht_ports[*]}" > "$work/dht-ports"
  for round in $(seq 1 "$rounds"); do
    for version in "${versions[@]}"; do
      for kind in short long; do
        ob="${addresses[$(((round * 2) % nodes))]}"
        ab="${addresses[$(((round * 2 + nodes / 2) % nodes))]}"
        row="$(run_pair "$version" "$kind" "$ob" "$ab")"
        mkdir -p "$work/runs"
        for f in o.out o.err a.out a.err; do cp "$work/$f" "$work/runs/$case-$version-$kind-$round.$f" 2> /dev/null || true; done
        echo "$case $version $kind $row" | tee -a "$results"
      done
    done
  done
  stop_namespace_processes
  exec 3>&-
  rm -f "$work/swarm.in"
  if [ "$case" = netem ] && [ -z "$swarm_latency" ]; then in_ns tc qdisc del dev lo root; fi
  echo "$case setup ${swarm_latency:+swarm-latency=$swarm_latency} ours=$ours nodes=$nodes" >> "$results"
done

echo
echo "| case | version | code | offerer: launch to greeting (median) | answerer: launch to greeting (median) | failed | DHT client, offerer / answerer (last run) | most packets to one node in 10 s (all runs) |"
echo "| --- | --- | --- | ---: | ---: | ---: | --- | ---: |"
for case in lo netem; do
  for version in "${versions[@]}"; do
    for kind in short long; do
      rows="$(grep "^$case $version $kind " "$results" || true)"
      om="$(echo "$rows" | awk '$4 != "fail" { print $4 }' | median)"
      am="$(echo "$rows" | awk '$5 != "fail" { print $5 }' | median)"
      failed="$(echo "$rows" | awk '$4 == "fail" || $5 == "fail"' | grep -c . || true)"
      dht="$(echo "$rows" | tail -1 | awk '{ print $6 " / " $7 }')"
      flood="$(echo "$rows" | grep -o 'flood=[0-9]*' | cut -d= -f2 | sort -n | tail -1)"
      echo "| $case | $version | $kind | $om ms | $am ms | $failed | $dht | ${flood:--} |"
    done
  done
done
echo
echo "Where the time went (medians, ms; each step from the end of the one before):"
echo
echo "| case | version | code | offerer steps | answerer steps |"
echo "| --- | --- | --- | --- | --- |"
step_medians() {  # ROWS PREFIX: "name=median,..." over the runs
  local names name out=""
  names="$(echo "$1" | grep -o "$2:[^ ]*" | head -1 | sed "s/^$2://" | tr ',' '\n' | cut -d= -f1)"
  for name in $names; do
    out+="$name $(echo "$1" | grep -o "$2:[^ ]*" | tr ',' '\n' | sed "s/^$2://" | grep "^$name=" | cut -d= -f2 | grep -v '^-$' | median), "
  done
  echo "${out%, }"
}
for case in lo netem; do
  for version in "${versions[@]}"; do
    for kind in short long; do
      rows="$(grep "^$case $version $kind " "$results" || true)"
      echo "| $case | $version | $kind | $(step_medians "$rows" o) | $(step_medians "$rows" a) |"
    done
  done
done
echo
grep ' setup ' "$results" | sed 's/^/setup: /'
