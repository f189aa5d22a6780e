# Sourced by bench-dht.sh, fuzz-dht.sh and flood-dht.sh: builds the jars if missing, copies them to a
# private work directory (a rebuild while a benchmark runs must not change a jar under a running JVM),
# and starts one dht-server on a free loopback port, stopped and cleaned up when the script exits.
#
# After `start_server [dht-server options...]`: $work, $server_pid, $port are set; the server's stdout and
# stderr are in $work/server.out and $work/server.err. SERVER_JAVA_OPTS adds JVM options.

if [ ! -f dht-server/target/dht-server.jar ] || [ ! -f tools/target/tools.jar ]; then
  echo "== building (jars missing)" >&2
  scripts/build.sh
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
cp dht-server/target/dht-server.jar tools/target/tools.jar "$work/"

start_server() {
  local java_opts
  read -r -a java_opts <<<"${SERVER_JAVA_OPTS:-}"
  java "${java_opts[@]}" -jar "$work/dht-server.jar" --port 0 --bind 127.0.0.1 "$@" \
    >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  port=""
  for _ in $(seq 1 300); do
    port="$(sed -n 's/^DHT Server running on port \([0-9]*\)$/\1/p' "$work/server.out")"
    [ -n "$port" ] && return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "dht-server exited before it was ready:" >&2
      cat "$work/server.err" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "dht-server printed no ready line within 30 s" >&2
  exit 1
}
