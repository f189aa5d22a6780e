#!/usr/bin/env bash
# scripts/package.sh [--app-image] [--force]
#
# Builds the programs as installed tools, from the fat jars (built first if missing):
#
#   target/package/webrtc-dht-signaling/          the app image, runnable where it is:
#     bin/offerer, bin/answerer, bin/dht-server     launchers (packaging/launcher.sh.in)
#     lib/runtime/                                  one runtime for the three, made by jlink from the JDK's
#                                                   modules the jars use (jdeps)
#     lib/app/PROGRAM.jar, PROGRAM.jsa              each program's jar and its start-up archive, made from
#                                                   a training run of the program's real work (loopback)
#     share/bash-completion/completions/PROGRAM     completion (picocli), also for zsh in the package
#   target/package/webrtc-dht-signaling_VERSION_ARCH.deb
#                                                   installs the image in /usr/lib/webrtc-dht-signaling, the
#                                                   commands in /usr/bin, completion for bash and zsh, a
#                                                   dht-server systemd unit (disabled) and its user
#
# --app-image  the app image only (scripts/demo.sh, scripts/bench-connect.sh); an image that is up to date
#              (same jars, JDK and packaging files) is kept as it is
# --force      build the image again even if it is up to date
#
# The JDK: PACKAGE_JDK, or else the newest JDK in /usr/lib/jvm with jlink (Temurin 25 here), or else the
# one `java` on the PATH belongs to. Needs: the JDK, and for the package dpkg-deb.
set -euo pipefail
cd "$(dirname "$0")/.."

NAME=webrtc-dht-signaling
PROGRAMS=(offerer answerer dht-server)
OUT=target/package
IMAGE=$OUT/$NAME

app_image_only=0
force=0
for arg in "$@"; do
  case $arg in
    --app-image) app_image_only=1 ;;
    --force) force=1 ;;
    *) echo "package: unknown argument '$arg' (use --app-image, --force)" >&2; exit 2 ;;
  esac
done

say() { echo "== package: $*" >&2; }
warn() { echo "package: WARNING: $*" >&2; }
fail() { echo "package: $*" >&2; exit 1; }

# The feature version (17, 25 ...) of the JDK in $1, from its release file.
jdk_version() {
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null
}

pick_jdk() {
  if [ -n "${PACKAGE_JDK:-}" ]; then
    [ -x "$PACKAGE_JDK/bin/jlink" ] || fail "PACKAGE_JDK=$PACKAGE_JDK has no bin/jlink"
    echo "$PACKAGE_JDK"
    return
  fi
  local home best="" best_version=0 version
  for home in /usr/lib/jvm/*; do
    [ -L "$home" ] && continue # Debian's aliases of the same JDK
    [ -x "$home/bin/jlink" ] || continue
    version=$(jdk_version "$home")
    [[ $version =~ ^[0-9]+$ ]] || continue
    if ((version > best_version)); then
      best=$home
      best_version=$version
    fi
  done
  if [ -z "$best" ] && command -v java >/dev/null; then
    home=$(readlink -f "$(command -v java)")
    home=${home%/bin/java}
    [ -x "$home/bin/jlink" ] && best=$home
  fi
  [ -n "$best" ] || fail "no JDK with jlink found (install openjdk-17-jdk-headless, or set PACKAGE_JDK)"
  echo "$best"
}

JDK=$(pick_jdk)
JDK_VERSION=$(jdk_version "$JDK")
((JDK_VERSION >= 17)) || fail "$JDK is JDK $JDK_VERSION; the programs need 17 or newer"

jars=()
for program in "${PROGRAMS[@]}"; do
  jars+=("$program/target/$program.jar")
done
for jar in "${jars[@]}"; do
  if [ ! -f "$jar" ]; then
    say "$jar is missing; building the jars (scripts/build.sh)"
    scripts/build.sh
    break
  fi
done

# A manifest attribute of a jar (Main-Class, Implementation-Version).
manifest_attribute() {
  local jar=$1 attribute=$2 dir
  dir=$(mktemp -d)
  (cd "$dir" && "$JDK/bin/jar" xf "$OLDPWD/$jar" META-INF/MANIFEST.MF)
  sed -n "s/^$attribute: *\(.*\)$/\1/p" "$dir/META-INF/MANIFEST.MF" | tr -d '\r'
  rm -rf "$dir"
}

VERSION=$(manifest_attribute offerer/target/offerer.jar Implementation-Version)
[ -n "$VERSION" ] || fail "offerer/target/offerer.jar names no Implementation-Version"

# What the image is made from: when none of it changed, --app-image keeps the image.
inputs_stamp() {
  {
    echo "$JDK $(sed -n 's/^JAVA_RUNTIME_VERSION=//p' "$JDK/release")"
    cksum "${jars[@]}" # their contents: `mvn package` writes the same jars again with a new time
    cat scripts/package.sh packaging/*.sh packaging/*.in packaging/*.java
  } | cksum
}

source packaging/runtime.sh
source packaging/train.sh

stamp=$(inputs_stamp)
if [ "$app_image_only" = 1 ] && [ "$force" = 0 ] && [ -f "$OUT/image.stamp" ] &&
  [ "$(cat "$OUT/image.stamp")" = "$stamp" ] && [ -x "$IMAGE/bin/offerer" ]; then
  say "$IMAGE is up to date"
  exit 0
fi

started=$SECONDS
rm -rf "$IMAGE" "$OUT/image.stamp" "$OUT/work"
mkdir -p "$IMAGE/bin" "$IMAGE/lib/app" "$OUT/work"
say "building $NAME $VERSION with $JDK (JDK $JDK_VERSION)"
build_runtime "$IMAGE/lib/runtime"
for program in "${PROGRAMS[@]}"; do
  cp -p "$program/target/$program.jar" "$IMAGE/lib/app/"
  write_launcher "$program"
done
write_completions "$IMAGE/share/bash-completion/completions"
make_archives "$OUT/work/training"
echo "$stamp" >"$OUT/image.stamp"
say "app image $IMAGE ready ($(du -sh "$IMAGE" | cut -f1), $((SECONDS - started)) s)"

if [ "$app_image_only" = 0 ]; then
  source packaging/deb.sh
  build_deb
fi
