# Start-up archives: training runs of the programs' real work, then one class archive per program.
# Sourced by scripts/package.sh (which sets IMAGE, PROGRAMS, JDK_VERSION and say/warn/fail).
#
# Each program's launcher runs its real work on loopback with -XX:DumpLoadedClassList (through
# JDK_JAVA_OPTIONS, so with the launcher's own options): a dht-server with --http and --data-dir, and
# against it an offerer and an answerer in four rounds (plain, a file, a short code, a long code), and
# --help. The classes each program loaded are then written, parsed and verified, into
# lib/app/PROGRAM.jsa (-Xshare:dump): a static CDS archive, which the launcher maps at start.
#
# Why a class list and -Xshare:dump rather than JDK 25's AOT cache (-XX:AOTCacheOutput, JEP 483/515):
# picocli's classes are compiled for Java 5 (class file version 49), and JDK 25's AOT cache leaves out
# every such class that has been linked ("Old class has been linked": 133 of picocli's, ~170 classes
# with ours that use them), while a static archive keeps them when no class list entry makes the dump
# link them. Measured here with the same training (offerer joining a waiting answerer, CPU of the
# offerer): no archive 690 ms, AOT cache 370 ms, static archive 310-330 ms. The AOT cache's method
# profiles serve C2, which the peers do not run.
#
# Every run is bounded (TRAINING_LIMIT_S). A program whose training fails gets no archive, loudly, and
# the image is built all the same: it runs, only slower to start.

TRAINING_LIMIT_S=60
training_pids=()
declare -A training_program # run name -> program

# train_start NAME PROGRAM ARGS...: runs the image's PROGRAM in the background with its class list
# written to $training/NAME.classlist; output in $training/NAME.out and .err. Sets trained_pid.
train_start() {
  local name=$1 program=$2
  shift 2
  training_program[$name]=$program
  JDK_JAVA_OPTIONS="-XX:DumpLoadedClassList=$training/$name.classlist" \
    timeout -k 5 "$TRAINING_LIMIT_S" "$IMAGE/bin/$program" "$@" \
    </dev/null >"$training/$name.out" 2>"$training/$name.err" &
  trained_pid=$!
  training_pids+=("$trained_pid")
}

# train_wait NAME PID: waits for a training run; on failure records it and shows its last lines.
train_wait() {
  local name=$1 pid=$2 status=0
  wait "$pid" || status=$?
  if [ "$status" -ne 0 ]; then
    training_failed+=" ${training_program[$name]}"
    warn "training run $name failed (exit $status$([ "$status" = 124 ] && echo ", stopped after ${TRAINING_LIMIT_S} s")):"
    grep -v -e '^NOTE: Picked up' -e 'warning: plain signaling' "$training/$name.err" | tail -n 4 | sed 's/^/    /' >&2 || true
  fi
  return 0
}

# train_wait_line NAME TEXT: waits until NAME's standard output has a line starting with TEXT; prints it.
train_wait_line() {
  local name=$1 text=$2 deadline=$((SECONDS + TRAINING_LIMIT_S)) line
  while ((SECONDS < deadline)); do
    line=$(grep -m 1 "^$text" "$training/$name.out" 2>/dev/null || true)
    if [ -n "$line" ]; then
      echo "$line"
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# A round between an offerer and an answerer: train_round NAME "ANSWERER ARGS" "OFFERER ARGS".
train_round() {
  local name=$1 answerer_args=$2 offerer_args=$3 answerer offerer
  # shellcheck disable=SC2086  # word lists
  train_start "answerer-$name" answerer --dht "$dht" --timeout 30s $answerer_args
  answerer=$trained_pid
  # shellcheck disable=SC2086
  train_start "offerer-$name" offerer --dht "$dht" --timeout 30s $offerer_args
  offerer=$trained_pid
  train_wait "offerer-$name" "$offerer"
  train_wait "answerer-$name" "$answerer"
}

# A round where the offerer makes the code and the answerer is given it, as users do:
# train_code_round NAME OFFERER-SESSION-ARGS.
train_code_round() {
  local name=$1 session_args=$2 line code answerer offerer
  # shellcheck disable=SC2086
  train_start "offerer-$name" offerer --dht "$dht" --timeout 30s --once $session_args
  offerer=$trained_pid
  if line=$(train_wait_line "offerer-$name" "Session code: "); then
    code=${line#Session code: }
    train_start "answerer-$name" answerer --dht "$dht" --timeout 30s --once --session "$code"
    answerer=$trained_pid
    train_wait "answerer-$name" "$answerer"
  else
    kill "$offerer" 2>/dev/null || true
    warn "training run offerer-$name printed no session code"
    training_failed+=" offerer answerer"
  fi
  train_wait "offerer-$name" "$offerer"
}

stop_training() {
  local pid
  for pid in "${training_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}

# run_training: all the training runs; sets training_failed to the programs whose runs failed.
run_training() {
  training_failed=""
  training_pids=()
  (umask 077 && mkdir -p "$training/cache" "$training/received" "$training/data")
  trap stop_training EXIT
  # The peers extract webrtc-java's native library into the user's cache: here a cache of the training's
  # own, so that the first-run path is trained too and the user's cache is left alone.
  local user_cache=${XDG_CACHE_HOME-unset}
  export XDG_CACHE_HOME=$training/cache
  train_all
  if [ "$user_cache" = unset ]; then unset XDG_CACHE_HOME; else XDG_CACHE_HOME=$user_cache; fi
  trap - EXIT
}

train_all() {
  train_start dht-server dht-server --port 0 --bind 127.0.0.1 --http 0 --data-dir "$training/data"
  local server=$trained_pid line
  if ! line=$(train_wait_line dht-server "DHT Server running on port "); then
    kill "$server" 2>/dev/null || true
    train_wait dht-server "$server"
    warn "the training dht-server printed no ready line; no program gets an archive"
    training_failed="dht-server offerer answerer"
    return
  fi
  dht=127.0.0.1:${line#DHT Server running on port }
  local page
  page=$(train_wait_line dht-server "HTTP gateway and web page on " || true)
  page=${page#HTTP gateway and web page on }

  say "training runs against dht-server on $dht"
  train_round plain "--once" "--once"
  head -c 262144 /dev/urandom >"$training/sample.bin"
  train_round file "--receive $training/received" "--send $training/sample.bin"
  if ! cmp -s "$training/sample.bin" "$training/received/sample.bin"; then
    warn "training run file: the file did not arrive whole"
    training_failed+=" offerer answerer"
  fi
  train_code_round short "--session"
  train_code_round long "--session --long-code"
  if [ -n "$page" ] && command -v curl >/dev/null; then
    curl -fsS -o /dev/null "$page" || warn "training: the gateway's page at $page did not load"
    curl -sS -o /dev/null "${page%/}/dht/training-key" || true
  fi
  kill -TERM "$server" 2>/dev/null || true
  local status=0
  wait "$server" || status=$?
  if [ "$status" != 143 ] && [ "$status" != 0 ]; then # 143: stopped by SIGTERM, as asked
    training_failed+=" dht-server"
    warn "the training dht-server ended with exit $status:"
    tail -n 4 "$training/dht-server.err" | sed 's/^/    /' >&2
  fi

  local program pid
  for program in "${PROGRAMS[@]}"; do
    train_start "$program-help" "$program" --help
    pid=$trained_pid
    train_wait "$program-help" "$pid"
  done
}

# merge_class_lists OUT LIST...: one class list from several runs: each class once (without the ids,
# which only classes of other class loaders need), then each @ line once. Resolved constant pool entries
# (@cp) of picocli's classes and of ours (which implement picocli's interfaces) are left out: resolving
# them at dump time links picocli's Java 5 classes, and a linked old class cannot be archived. Lambda
# proxies of picocli's interfaces likewise.
merge_class_lists() {
  local out=$1
  shift
  awk '
    /^#/ { next }
    /^@/ { if (!seen[$0]++) extra[++n] = $0; next }
    NF > 0 { if (!(($1) in classes)) { classes[$1] = 1; print $1 } }
    END { for (i = 1; i <= n; i++) print extra[i] }
  ' "$@" | grep -v -E '^@cp (picocli|dev/dhtsignal)/|^@lambda-proxy .*Lpicocli/' >"$out"
}

# dump_with_launcher PROGRAM LIST ARCHIVE LOG: the program's own launcher writes the archive, so that it
# is made with exactly the options and class path (the launcher's readlink -f of itself) it is used
# with: -Xshare:dump in JDK_JAVA_OPTIONS makes the JVM write the archive and exit instead of running the
# program. Also what the package's postinst runs where the archive must be made on the machine itself.
dump_with_launcher() {
  local program=$1 list=$2 archive=$3 log=$4
  JDK_JAVA_OPTIONS="-Xshare:dump -XX:SharedClassListFile=\"$list\" -XX:SharedArchiveFile=\"$archive\" -Xlog:cds=warning:file=\"$log\"" \
    "$IMAGE/bin/$program" --version >/dev/null 2>>"$log.err"
}

# dump_archive PROGRAM LIST: writes lib/app/PROGRAM.jsa from LIST; says why on failure.
dump_archive() {
  local program=$1 list=$2 archive=$IMAGE/lib/app/$1.jsa log=$training/$1-dump.log old
  rm -f "$log" "$log.err"
  if ! dump_with_launcher "$program" "$list" "$archive" "$log"; then
    rm -f "$archive"
    warn "$program: writing the archive failed; it runs without one:"
    tail -n 5 "$log" "$log.err" | sed 's/^/    /' >&2
    return 1
  fi
  old=$(grep -c 'Old class has been linked' "$log" || true)
  if [ "$old" -gt 0 ]; then
    # Something else in the list linked an old class: without any resolved entries, nothing does.
    grep -v '^@cp ' "$list" >"$list.no-cp"
    rm -f "$log" "$archive"
    if ! dump_with_launcher "$program" "$list.no-cp" "$archive" "$log"; then
      rm -f "$archive"
      warn "$program: writing the archive failed; it runs without one"
      return 1
    fi
    old=$(grep -c 'Old class has been linked' "$log" || true)
    [ "$old" -eq 0 ] || warn "$program: $old old classes (picocli's) are not in its archive"
  fi
}

make_archives() {
  training=$1
  rm -f "$IMAGE"/lib/app/*.jsa
  mkdir -p "$training"
  local started=$SECONDS
  run_training
  local program lists list
  for program in "${PROGRAMS[@]}"; do
    if [[ " $training_failed " == *" $program "* ]]; then
      warn "$program gets NO start-up archive (its training failed, see above; logs in $training)"
      continue
    fi
    lists=()
    for list in "$training/$program"*.classlist; do
      [[ $list == *.merged.classlist ]] || lists+=("$list")
    done
    list=$training/$program.merged.classlist
    merge_class_lists "$list" "${lists[@]}"
    dump_archive "$program" "$list" || continue
    # The launcher passes the archive; -Xshare:on makes the JVM fail instead of running without it, so
    # this proves the archive is accepted as the launcher uses it.
    if ! JDK_JAVA_OPTIONS=-Xshare:on "$IMAGE/bin/$program" --version >/dev/null 2>"$training/$program-check.err"; then
      rm -f "$IMAGE/lib/app/$program.jsa"
      warn "$program: the JVM refuses the archive just made; $program gets NO start-up archive:"
      grep -v '^NOTE: Picked up' "$training/$program-check.err" | tail -n 3 | sed 's/^/    /' >&2
      continue
    fi
    chmod 644 "$IMAGE/lib/app/$program.jsa"
    say "$program.jsa: $(grep -vc '^@' "$list") classes, $(du -m "$IMAGE/lib/app/$program.jsa" | cut -f1) MiB"
  done
  say "training and archives took $((SECONDS - started)) s"
}
