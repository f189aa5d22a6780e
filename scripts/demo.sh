#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, then runs the three programs on this
# machine (a dht-server, an answerer, an offerer) as the package installs them (the launchers of the app
# image, scripts/package.sh --app-image), shows what each printed, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "== building (mvn package)" >&2
scripts/build.sh
echo "== building the app image (scripts/package.sh --app-image; kept when up to date)" >&2
scripts/package.sh --app-image
bin=target/package/webrtc-dht-signaling/bin

port="${DEMO_PORT:-8468}"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting dht-server on UDP port $port" >&2
"$bin/dht-server" --port "$port" >"$work/server.out" 2>"$work/server.err" &
pids+=($!)
for _ in $(seq 1 100); do
  grep -q "DHT Server running" "$work/server.out" 2>/dev/null && break
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "dht-server did not start:" >&2; cat "$work/server.err" >&2; exit 1
  fi
  sleep 0.1
done
grep -q "DHT Server running" "$work/server.out" || { echo "dht-server printed no ready line within 10 s" >&2; exit 1; }

echo "== starting answerer and offerer ($bin/)" >&2
"$bin/answerer" --dht "127.0.0.1:$port" </dev/null >"$work/answerer.out" 2>"$work/answerer.err" &
answerer=$!
"$bin/offerer" --dht "127.0.0.1:$port" </dev/null >"$work/offerer.out" 2>"$work/offerer.err" &
offerer=$!
status=0
wait "$offerer" || status=$?
wait "$answerer" || status=$?

for name in server offerer answerer; do
  echo
  echo "\$ $( [ $name = server ] && echo dht-server || echo $name )"
  cat "$work/$name.out"
done
if [ "$status" -ne 0 ]; then
  echo >&2; echo "== a program failed (exit $status); its standard error:" >&2
  cat "$work/offerer.err" "$work/answerer.err" >&2
fi
exit "$status"
