# The runtime image, the launchers and the completion scripts; sourced by scripts/package.sh, which sets
# JDK, JDK_VERSION, VERSION, IMAGE, PROGRAMS and the helpers say/warn/fail.

# The JVM options of each program's launcher, measured on this project's 2-core machines (README,
# "Start-up"; scripts/bench-connect.sh compares the launchers with `java -jar`):
#   -XX:TieredStopAtLevel=1  the peers: C1 only. A peer's run is mostly code that runs a few times, and C2
#                            spent ~100 ms of CPU per peer compiling it; dht-server runs for days and
#                            keeps C2.
#   -XX:+UseSerialGC         the peers: the smallest collector to start, ample for a peer's heap;
#                            dht-server keeps G1 (its heap can be gigabytes of stored values).
#   -XX:-UsePerfData         no /tmp/hsperfdata_USER file: nothing written outside the user's cache
#                            directory (jps and jstat do not see the programs; jcmd PID still works).
#   -XX:+DisplayVMOutputToStderr, -Xlog:all=off, -Xlog:...:stderr
#                            whatever the JVM itself has to say goes to standard error, never into the
#                            transcript on standard output; notes about an archive it refused are off.
#                            (JVM logs asked for in JDK_JAVA_OPTIONS go to a file: -Xlog:cds:file=cds.log.)
#   --enable-native-access, --sun-misc-unsafe-memory-access (JDK 24 and later)
#                            without them the JVM warns that webrtc-java loads a native library and that
#                            msgpack-core uses sun.misc.Unsafe.
program_java_options() {
  local program=$1 options=()
  case $program in
    offerer | answerer) options+=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC) ;;
  esac
  options+=(-XX:-UsePerfData -XX:+DisplayVMOutputToStderr -Xlog:all=off)
  if ((JDK_VERSION >= 25)); then
    options+=(-Xlog:all=warning,cds*=off,aot*=off:stderr)
  else
    options+=(-Xlog:all=warning,cds*=off:stderr)
  fi
  if ((JDK_VERSION >= 24)); then
    options+=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
  fi
  echo "${options[*]}"
}

# The modules the programs need, from jdeps, less java.desktop and plus the crypto providers that
# are looked up by name rather than referenced.
runtime_modules() {
  local modules
  modules=$("$JDK/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release "$JDK_VERSION" \
    offerer/target/offerer.jar answerer/target/answerer.jar dht-server/target/dht-server.jar)
  [ -n "$modules" ] || fail "jdeps found no modules"
  # java.desktop (35 MB of the image) is referenced only by webrtc-java's desktop capture
  # (dev.onvoid.webrtc.media.video.desktop), which these programs never use: the training runs below
  # and scripts/check-package.sh run every program without it.
  modules=$(tr ',' '\n' <<<"$modules" | grep -vx java.desktop | paste -sd,)
  # Ed25519 (Mainline's BEP 44 items) and the other elliptic curves come from the SunEC provider, found
  # by name at run time: in java.base from JDK 22, in jdk.crypto.ec before.
  if ((JDK_VERSION < 22)); then
    modules+=",jdk.crypto.ec"
  fi
  echo "$modules"
}

build_runtime() {
  local target=$1 modules
  modules=$(runtime_modules)
  say "runtime image (jlink): $modules"
  # Not compressed (--compress would make every class read from it slower to load), no debug
  # attributes in the JDK's own classes, no headers or manual pages.
  "$JDK/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --output "$target"
}

write_launcher() {
  local program=$1 main_class options
  main_class=$(manifest_attribute "$program/target/$program.jar" Main-Class)
  [[ $main_class =~ ^[A-Za-z0-9_.$]+$ ]] || fail "$program.jar: no usable Main-Class ('$main_class')"
  options=$(program_java_options "$program")
  # The options go into the script as they are: none may hold a space or a shell character.
  [[ $options =~ ^[-A-Za-z0-9_.,:=*+\ ]+$ ]] || fail "an option for $program needs quoting: $options"
  sed -e "s|@PROGRAM@|$program|g" -e "s|@VERSION@|$VERSION|g" -e "s|@MAIN_CLASS@|$main_class|g" \
    -e "s|@JAVA_OPTIONS@|$options|g" packaging/launcher.sh.in >"$IMAGE/bin/$program"
  chmod 755 "$IMAGE/bin/$program"
}

# Bash completion for each program, generated from its jar by picocli (packaging/Completion.java); zsh
# reads the same scripts through its bashcompinit (packaging/deb.sh wraps them).
write_completions() {
  local dir=$1 program main_class
  mkdir -p "$dir"
  for program in "${PROGRAMS[@]}"; do
    main_class=$(manifest_attribute "$program/target/$program.jar" Main-Class)
    "$JDK/bin/java" -cp "$IMAGE/lib/app/$program.jar" packaging/Completion.java "$program" "$main_class" \
      >"$dir/$program" || fail "could not generate the completion script of $program"
    grep -q "^complete -F _complete_$program " "$dir/$program" ||
      fail "the completion script of $program does not register _complete_$program"
  done
}
