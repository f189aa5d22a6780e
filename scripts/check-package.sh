#!/usr/bin/env bash
# scripts/check-package.sh [DEB]
#
# Installs the Debian package on this machine, checks that the installed commands do their work, then
# removes and purges it and checks that nothing is left. CI runs it from scripts/test.sh. Needs root and
# dpkg; builds the package first (scripts/package.sh) unless DEB is given. Loopback only.
#
#   - the commands on the PATH, their versions, their archives accepted where installed (-Xshare:on);
#   - dht-server run as its unit runs it (its user, its ExecStart, a state directory), every system call
#     it makes allowed by the unit's SystemCallFilter (strace), and `systemd-analyze verify` of the unit;
#     the unit not enabled;
#   - against it, as an unprivileged user with a cache directory of its own: a plain round (the original's
#     transcript), a file, a short code; afterwards nothing of theirs outside that cache directory and
#     the directory they received into;
#   - a damaged archive, another program's archive and an archive older than its jar are refused by the
#     JVM and ignored: the program still runs and prints only its own lines;
#   - bash completion completes options and a session code's words, and so does zsh (when it is there);
#   - dpkg -r removes every file of the package (data and the user stay), dpkg -P the rest: the file
#     list of /usr, /lib, /etc, /opt and /var/lib and the user and group databases are as before.
#
# Whatever happens, the package is purged at the end (also on Ctrl-C); a copy left installed by a run
# that was killed is purged first, saying so. Checks on one machine run one after another (a lock in
# /run/lock).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=webrtc-dht-signaling
SERVICE_USER=dht-server
LIMIT_S=60 # for each program run

say() { echo "== check-package: $*" >&2; }
ok() { echo "check-package: ok: $*" >&2; }
fail() {
  echo "check-package: FAILED: $*" >&2
  exit 1
}

if [ "$(id -u)" -ne 0 ]; then
  echo "check-package: skipped: installing a package needs root" >&2
  exit 0
fi
command -v dpkg >/dev/null || { echo "check-package: skipped: no dpkg here" >&2; exit 0; }

# One check at a time on a machine (two would install and purge the same package under each other).
exec 9>/run/lock/webrtc-dht-signaling-check-package.lock
flock -w 900 9 || fail "another check-package has run for 15 minutes (lock /run/lock/webrtc-dht-signaling-check-package.lock)"

deb=${1:-}
if [ -z "$deb" ]; then
  scripts/package.sh
  deb=$(ls target/package/${PACKAGE}_*.deb)
fi
[ -f "$deb" ] || fail "no package at $deb"
version=$(dpkg-deb -f "$deb" Version)
packaging/check-depends.sh "$deb" || fail "the package's Depends"
jar_version=${version//\~/-}

installed() { dpkg-query -W -f '${Status}' "$PACKAGE" 2>/dev/null | grep -q 'installed'; }
known() { dpkg-query -W -f '${Status}' "$PACKAGE" >/dev/null 2>&1 && ! dpkg-query -W -f '${Status}' "$PACKAGE" | grep -q 'not-installed'; }

work=$(mktemp -d "${TMPDIR:-/tmp}/check-package-XXXXXX")
chmod 755 "$work"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if known; then
    say "purging $PACKAGE"
    dpkg -P "$PACKAGE" >/dev/null 2>&1 || echo "check-package: could not purge $PACKAGE: run dpkg -P $PACKAGE" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Everything a package could leave behind: files in the system's trees (not dpkg's own records, logs and
# caches) and the user and group entries.
system_snapshot() {
  find /usr /lib /etc /opt /var/lib -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt \) -prune -o -print 2>/dev/null | sort
  grep -h "^$SERVICE_USER:" /etc/passwd /etc/group /etc/shadow /etc/gshadow 2>/dev/null || true
}

if known; then
  say "$PACKAGE is on this machine already (left by an interrupted check?); purging it first"
  dpkg -P "$PACKAGE" >/dev/null
fi
system_snapshot >"$work/before.list"
# The package's directories that are there before it (shared with others): dpkg -r leaves those.
dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -n 's|^\./\(.*\)/$|/\1|p' | while IFS= read -r dir; do
  [ -d "$dir" ] && echo "$dir"
done >"$work/shared-dirs.list"

say "installing $deb"
dpkg -i "$deb" >"$work/dpkg-install.log" 2>&1 || { cat "$work/dpkg-install.log" >&2; fail "dpkg -i $deb"; }
installed || fail "$PACKAGE is not installed after dpkg -i"
dpkg -L "$PACKAGE" >"$work/files.list"
home=/usr/lib/$PACKAGE

# ---- the commands ----------------------------------------------------------------------------------
for program in offerer answerer dht-server; do
  [ "$(command -v "$program")" = /usr/bin/$program ] || fail "$program on the PATH is $(command -v "$program" || echo nothing), not /usr/bin/$program"
  [ "$(readlink -f /usr/bin/$program)" = "$home/bin/$program" ] || fail "/usr/bin/$program does not lead to $home/bin/$program"
  out=$("$program" --version 2>&1) || fail "$program --version failed: $out"
  [ "$out" = "$program $jar_version" ] || fail "$program --version printed '$out', not '$program $jar_version'"
  # The archive is shipped (JDK 25) or made by postinst (JDK 17); either way the JVM must map it.
  [ -f "$home/lib/app/$program.jsa" ] || fail "$program has no start-up archive in $home/lib/app"
  JDK_JAVA_OPTIONS=-Xshare:on "$program" --version >/dev/null 2>"$work/share.err" ||
    fail "the JVM refuses $program's archive where it is installed: $(tail -n 2 "$work/share.err")"
done
ok "offerer, answerer, dht-server $jar_version on the PATH, each with a start-up archive the JVM accepts"

# ---- the service user and the unit -----------------------------------------------------------------
IFS=: read -r _ _ uid _ _ user_home shell < <(getent passwd "$SERVICE_USER") || fail "no user $SERVICE_USER"
((uid < 1000)) || fail "$SERVICE_USER is not a system user (uid $uid)"
[ "$user_home" = /var/lib/dht-server ] && [ "$shell" = /usr/sbin/nologin ] ||
  fail "$SERVICE_USER: home $user_home, shell $shell"
unit=/lib/systemd/system/dht-server.service
[ -f "$unit" ] || fail "no $unit"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$unit" >"$work/verify.log" 2>&1 || { cat "$work/verify.log" >&2; fail "systemd-analyze verify $unit"; }
  [ ! -s "$work/verify.log" ] || { cat "$work/verify.log" >&2; fail "systemd-analyze verify $unit has remarks"; }
  ok "systemd-analyze verify $unit: no remarks"
else
  say "no systemd-analyze here: the unit file is not verified"
fi
if find /etc/systemd/system -name dht-server.service 2>/dev/null | grep -q .; then
  fail "dht-server.service is enabled (or linked) in /etc/systemd/system; the package must leave it disabled"
fi
ok "user $SERVICE_USER (uid $uid, $user_home, $shell); dht-server.service installed, not enabled"

# run NAME COMMAND...: in the background, bounded; output in $work/NAME.out and .err. Sets run_pid.
run() {
  local name=$1
  shift
  timeout -k 5 "$LIMIT_S" "$@" </dev/null >"$work/$name.out" 2>"$work/$name.err" &
  run_pid=$!
  pids+=("$run_pid")
}

# finish NAME PID [EXPECTED-STATUS]: waits; fails with the program's last lines unless it exited so.
finish() {
  local name=$1 pid=$2 expected=${3:-0} status=0
  wait "$pid" || status=$?
  if [ "$status" != "$expected" ]; then
    sed 's/^/    /' "$work/$name.err" | tail -n 8 >&2
    fail "$name exited with $status, not $expected"
  fi
}

# wait_line NAME TEXT: the first line of NAME's standard output starting with TEXT, within LIMIT_S.
wait_line() {
  local deadline=$((SECONDS + LIMIT_S)) line
  while ((SECONDS < deadline)); do
    line=$(grep -m 1 "^$2" "$work/$1.out" 2>/dev/null || true)
    [ -n "$line" ] && { echo "$line"; return 0; }
    sleep 0.05
  done
  sed 's/^/    /' "$work/$1.err" | tail -n 8 >&2
  fail "$1 printed no line '$2...' within $LIMIT_S s"
}

# jvm_below PID: the first process named java among the descendants of PID.
jvm_below() {
  local queue=("$1") pid child
  while [ ${#queue[@]} -gt 0 ]; do
    pid=${queue[0]}
    queue=("${queue[@]:1}")
    if [ "$pid" != "$1" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = java ]; then
      echo "$pid"
      return
    fi
    for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
      queue+=("$child")
    done
  done
}

# ---- dht-server as its unit runs it ----------------------------------------------------------------
# Its ExecStart, with the state directory systemd would make and options for loopback.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
state=/var/lib/dht-server # what StateDirectory=dht-server makes
install -d -m 0700 -o "$SERVICE_USER" -g "$SERVICE_USER" "$state"
exec_start=${exec_start//'${STATE_DIRECTORY}'/$state}
exec_start=${exec_start//'$DHT_SERVER_ARGS'/--port 0 --bind 127.0.0.1}
read -r -a server_command <<<"$exec_start"
tracer=()
as_service_user=(setpriv --reuid="$SERVICE_USER" --regid="$SERVICE_USER" --init-groups)
if command -v strace >/dev/null && "${as_service_user[@]}" strace -f -qq -o /dev/null true 2>/dev/null; then
  # Traced after the change of user, as systemd starts it: the user change is systemd's, not the node's.
  tracer=(strace -f -qq -c -o "$state/syscalls.txt")
else
  say "no strace here (or it may not trace): the system calls of dht-server are not checked"
fi
touch "$work/programs-started"
run server "${as_service_user[@]}" "${tracer[@]}" "${server_command[@]}"
server=$run_pid
ready=$(wait_line server "DHT Server running on port ")
dht=127.0.0.1:${ready#DHT Server running on port }
ok "dht-server as the unit runs it ($exec_start, user $SERVICE_USER): ready on $dht"

# ---- the peers, as an unprivileged user ------------------------------------------------------------
peer_home=$work/peer-home
mkdir -p "$peer_home" "$work/received"
chown 65534:65534 "$peer_home" "$work/received"
chmod 700 "$peer_home"
as_peer=(setpriv --reuid=65534 --regid=65534 --clear-groups
  env HOME="$peer_home" XDG_CACHE_HOME="$peer_home/.cache" PATH="$PATH")

run answerer "${as_peer[@]}" answerer --dht "$dht" --once --timeout 30s
answerer=$run_pid
run offerer "${as_peer[@]}" offerer --dht "$dht" --once --timeout 30s
offerer=$run_pid
finish offerer "$offerer"
finish answerer "$answerer"
diff <(sort "$work/offerer.out") <(sort <<'EOF'
Offer SDP stored in DHT.
Waiting for Answer SDP in DHT...
Remote description set. WebRTC connection established.
Data channel 'chat' is open
Received message from Peer B: Hello from Peer B!
EOF
) >&2 || fail "the installed offerer's transcript is not the original's (above)"
diff <(sort "$work/answerer.out") <(sort <<'EOF'
Waiting for Offer SDP in DHT...
Remote description set. Creating Answer SDP...
Answer SDP stored in DHT.
WebRTC connection established.
Received message on 'chat': Hello from Peer A!
Data channel 'chat' is open
EOF
) >&2 || fail "the installed answerer's transcript is not the original's (above)"
ok "a plain round of the installed offerer and answerer: the original's transcript"

head -c 1048576 /dev/urandom >"$work/sample.bin"
chmod 644 "$work/sample.bin"
run receiver "${as_peer[@]}" answerer --dht "$dht" --timeout 30s --receive "$work/received"
receiver=$run_pid
run sender "${as_peer[@]}" offerer --dht "$dht" --timeout 30s --send "$work/sample.bin"
sender=$run_pid
finish sender "$sender"
finish receiver "$receiver"
cmp "$work/sample.bin" "$work/received/sample.bin" || fail "the file received is not the file sent"
ok "a file of 1 MiB sent with offerer --send, received whole with answerer --receive"

run short-offerer "${as_peer[@]}" offerer --dht "$dht" --timeout 30s --once --session
short_offerer=$run_pid
code=$(wait_line short-offerer "Session code: ")
code=${code#Session code: }
run short-answerer "${as_peer[@]}" answerer --dht "$dht" --timeout 30s --once --session "$code"
short_answerer=$run_pid
finish short-offerer "$short_offerer"
finish short-answerer "$short_answerer"
grep -q '^Received message from Peer B: Hello from Peer B!$' "$work/short-offerer.out" ||
  fail "the short-code round did not greet (offerer's output: $(cat "$work/short-offerer.out"))"
ok "a short-code round ($code)"

# What the peers wrote outside their cache directory and the directory they received into: nothing. As
# an unprivileged user they can write only there and where anyone may (and the node, as its user, only
# in its state directory and there).
written=$(find /tmp /var/tmp /dev/shm \( -path "$peer_home" -o -path "$work/received" \) -prune -o \
  \( -user 65534 -o -user "$SERVICE_USER" \) -newer "$work/programs-started" -print 2>/dev/null || true)
[ -z "$written" ] || fail "the programs wrote outside their cache or state directory: $written"
[ -d "$peer_home/.cache/webrtc-dht-signaling" ] || fail "the peers did not use their cache directory"
ok "the peers wrote nothing outside their cache directory ($(cd "$peer_home" && find . -type f | paste -sd' '))"

# ---- archives that do not fit are ignored --------------------------------------------------------------
# In place (an archive made by postinst is valid only there), put back afterwards.
archive=$home/lib/app/offerer.jsa
jar=$home/lib/app/offerer.jar
cp -p "$archive" "$work/offerer.jsa.good"
touch -r "$jar" "$work/offerer.jar.time"
restore_archive() {
  cp -p "$work/offerer.jsa.good" "$archive"
  touch -r "$work/offerer.jar.time" "$jar"
}
expect_runs_without_archive() {
  local what=$1 out
  if JDK_JAVA_OPTIONS=-Xshare:on offerer --version >/dev/null 2>&1; then
    fail "the JVM maps $what (it should refuse it)"
  fi
  out=$(offerer --version 2>"$work/ignored.err") || fail "offerer with $what failed: $(cat "$work/ignored.err")"
  [ "$out" = "offerer $jar_version" ] && [ ! -s "$work/ignored.err" ] ||
    fail "offerer with $what printed '$out' / '$(cat "$work/ignored.err")'"
}
size=$(stat -c %s "$archive")
for offset in 64 4096 $((size / 3)) $((size / 2)) $((size * 2 / 3)); do
  restore_archive
  printf '\x5a' | dd of="$archive" bs=1 seek="$offset" conv=notrunc status=none
  cmp -s "$archive" "$work/offerer.jsa.good" || expect_runs_without_archive "an archive damaged at byte $offset"
done
# A whole round with a damaged archive, too.
run damaged-answerer "${as_peer[@]}" answerer --dht "$dht" --once --timeout 30s
damaged_answerer=$run_pid
run damaged-offerer "${as_peer[@]}" offerer --dht "$dht" --once --timeout 30s
finish damaged-offerer "$run_pid"
finish damaged-answerer "$damaged_answerer"
grep -q '^Received message from Peer B: Hello from Peer B!$' "$work/damaged-offerer.out" ||
  fail "the round with a damaged archive did not greet"
cp -p "$home/lib/app/answerer.jsa" "$archive"
expect_runs_without_archive "the answerer's archive"
restore_archive
touch "$jar"
expect_runs_without_archive "an archive older than its jar"
restore_archive
JDK_JAVA_OPTIONS=-Xshare:on offerer --version >/dev/null 2>&1 || fail "offerer's archive, put back, is refused"
ok "damaged (5 places, and a round with one), foreign and stale archives are refused by the JVM and ignored: offerer runs and prints only its own lines"

# SIGTERM to the node's JVM (below timeout, and strace), as systemctl stop sends it.
jvm=$(jvm_below "$server")
[ -n "$jvm" ] || fail "found no JVM below the dht-server's process $server"
kill -TERM "$jvm"
status=0
wait "$server" || status=$?
[ "$status" = 143 ] || [ "$status" = 0 ] || { tail -n 5 "$work/server.err" >&2; fail "dht-server stopped with exit $status"; }
if [ ${#tracer[@]} -gt 0 ]; then
  # The system calls the node made, against the unit's SystemCallFilter (groups expanded by systemd).
  declare -A members=()
  group=""
  while IFS= read -r line; do
    case $line in
      @*) group=${line%% *} ;;
      "    #"* | "") ;;
      "    "*) [ -n "$group" ] && members[$group]+=" ${line// /}" ;;
    esac
  done < <(systemd-analyze syscall-filter 2>/dev/null)
  expand() {
    local item
    for item in "$@"; do
      if [[ $item == @* ]]; then
        # shellcheck disable=SC2086
        expand ${members[$item]:-}
      else
        echo "$item"
      fi
    done
  }
  allowed=" $(expand $(sed -n 's/^SystemCallFilter=\([^~]\)/\1/p' "$unit") | sort -u | paste -sd' ') "
  denied=" $(expand $(sed -n 's/^SystemCallFilter=~//p' "$unit") | sort -u | paste -sd' ') "
  used=$(awk 'NR > 2 && $NF != "total" && $NF !~ /^-/ {print $NF}' "$state/syscalls.txt" | sort -u)
  [ -n "$used" ] || fail "strace recorded no system calls of dht-server"
  refused=""
  for call in $used; do
    if [[ $allowed != *" $call "* ]] || [[ $denied == *" $call "* ]]; then
      refused+=" $call"
    fi
  done
  [ -z "$refused" ] || fail "dht-server makes system calls its unit's SystemCallFilter refuses:$refused"
  ok "all $(wc -w <<<"$used") system calls dht-server made are allowed by the unit's SystemCallFilter"
  rm -f "$state/syscalls.txt"
fi
[ -n "$(find "$state" -type f)" ] || fail "dht-server kept nothing in its state directory $state"

# ---- completion --------------------------------------------------------------------------------------
completes() {
  local program=$1 typed=$2 expected=$3
  # (compopt, which the scripts call, only works inside a real completion: its complaint goes nowhere.)
  bash -c 'source "$1"; COMP_WORDS=("$2" "$3"); COMP_CWORD=1; "_complete_$2"; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "/usr/share/bash-completion/completions/$program" "$program" "$typed" 2>/dev/null | grep -qx -- "$expected"
}
completes offerer --ses --session || fail "bash completion of 'offerer --ses' does not offer --session"
completes answerer --rec --receive || fail "bash completion of 'answerer --rec' does not offer --receive"
completes dht-server --data --data-dir || fail "bash completion of 'dht-server --data' does not offer --data-dir"
# A short code's words after --session: the first from the odd half of the word list, then the second.
completes_code() {
  local program=$1 typed=$2 expected=$3
  bash -c 'source "$1"; COMP_WORDS=("$2" --session "$3"); COMP_CWORD=2; "_complete_$2"; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "/usr/share/bash-completion/completions/$program" "$program" "$typed" 2>/dev/null | grep -qx -- "$expected"
}
completes_code answerer 7-guit 7-guitarist- || fail "bash completion of 'answerer --session 7-guit' does not offer 7-guitarist-"
completes_code offerer 7-guitarist-reve 7-guitarist-revenge ||
  fail "bash completion of 'offerer --session 7-guitarist-reve' does not offer 7-guitarist-revenge"
if command -v zsh >/dev/null; then
  # zsh completes only in its line editor: an interactive zsh in a pseudo-terminal (zpty), given the
  # words and a Tab, must then show the completed option.
  cat >"$work/complete.zsh" <<'EOF'
zmodload zsh/zpty zsh/datetime
zpty z 'zsh -f -i'
zpty -w z 'fpath=(/usr/share/zsh/vendor-completions $fpath); autoload -U compinit; compinit -u'
zpty -w -n z "$1"$'\t'
local seen="" chunk deadline=$((EPOCHSECONDS + 20))
while (( EPOCHSECONDS < deadline )); do
  if zpty -r -t z chunk; then
    seen+=$chunk
    [[ $seen == *"$2"* ]] && { zpty -d z; exit 0; }
  else
    sleep 0.1
  fi
done
zpty -d z
print -r -- "zsh showed: ${seen//[^[:print:]]/}" >&2
exit 1
EOF
  timeout 60 zsh -f "$work/complete.zsh" 'offerer --ses' 'offerer --session' || fail "zsh does not complete 'offerer --ses'"
  timeout 60 zsh -f "$work/complete.zsh" 'answerer --rec' 'answerer --receive' || fail "zsh does not complete 'answerer --rec'"
  timeout 60 zsh -f "$work/complete.zsh" 'dht-server --data' 'dht-server --data-dir' || fail "zsh does not complete 'dht-server --data'"
  timeout 60 zsh -f "$work/complete.zsh" 'answerer --session 7-guit' 'answerer --session 7-guitarist-' ||
    fail "zsh does not complete 'answerer --session 7-guit'"
  ok "bash and zsh complete options of the three commands, and the words of a session code"
else
  ok "bash completes options of the three commands and the words of a session code (no zsh here to try its completion)"
fi

# ---- removal -----------------------------------------------------------------------------------------
say "dpkg -r $PACKAGE"
dpkg -r "$PACKAGE" >"$work/dpkg-remove.log" 2>&1 || { cat "$work/dpkg-remove.log" >&2; fail "dpkg -r"; }
left=""
while IFS= read -r path; do
  [ "$path" = /. ] && continue
  if [ -e "$path" ] || [ -L "$path" ]; then
    [ -d "$path" ] && grep -qxF "$path" "$work/shared-dirs.list" && continue
    left+=" $path"
  fi
done <"$work/files.list"
[ -z "$left" ] || fail "dpkg -r left files of the package:$left"
[ ! -e "$home" ] || fail "dpkg -r left $home ($(find "$home" | head -n 5 | paste -sd' '))"
getent passwd "$SERVICE_USER" >/dev/null || fail "dpkg -r removed the user $SERVICE_USER (only purge should)"
ok "dpkg -r removed every file of the package; the user $SERVICE_USER and $state stay until purge"

say "dpkg -P $PACKAGE"
dpkg -P "$PACKAGE" >"$work/dpkg-purge.log" 2>&1 || { cat "$work/dpkg-purge.log" >&2; fail "dpkg -P"; }
system_snapshot >"$work/after.list"
if ! diff "$work/before.list" "$work/after.list" >"$work/left.diff"; then
  cat "$work/left.diff" >&2
  fail "after dpkg -P the system differs from before the install (above: < before, > after)"
fi
ok "after dpkg -P nothing is left: /usr, /lib, /etc, /opt, /var/lib and the user and group databases as before"
