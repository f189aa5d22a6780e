#!/usr/bin/env bash
# packaging/check-depends.sh DEB
#
# Checks that the package's Depends names the package of every shared library that webrtc-java's native
# library (inside the jars) links against: libpulse0 first of all. Without them the package installs on
# a machine that lacks them and the peers fail at their first connection. Run by scripts/check-package.sh
# before it installs anything; needs dpkg, ldd and python3 (to read the jar).
set -euo pipefail

fail() {
  echo "check-depends: FAILED: $*" >&2
  exit 1
}

deb=${1:?usage: packaging/check-depends.sh DEB}
work=$(mktemp -d "${TMPDIR:-/tmp}/check-depends-XXXXXX")
trap 'rm -rf "$work"' EXIT

dpkg-deb -x "$deb" "$work/root"
jar=$(find "$work/root" -path '*/lib/app/offerer.jar' | head -n 1)
[ -n "$jar" ] || fail "no lib/app/offerer.jar in $deb"
# The native library by its name: the jar holds other libraries (JLine's, for other systems) too.
native=$(python3 - "$jar" "$work/native.so" <<'PY'
import re, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as jar:
    names = [n for n in jar.namelist() if re.fullmatch(r"libwebrtc-java[^/]*\.so", n)]
    if names:
        with open(sys.argv[2], "wb") as out:
            out.write(jar.read(names[0]))
        print(names[0])
PY
)
[ -n "$native" ] || fail "no webrtc-java native library (libwebrtc-java*.so) in $jar"

needed=$(ldd "$work/native.so" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | while read -r lib; do
  package=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "${lib#/usr}" 2>/dev/null || true)
  if [ -n "$package" ]; then echo "${package%%:*}"; fi
done | sort -u)
[ -n "$needed" ] || fail "ldd and dpkg -S found no package for the libraries $native links against"

depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/(.*)//; s/^ *//; s/ *$//' | sort -u)
missing=$(comm -23 <(echo "$needed") <(echo "$depends"))
[ -z "$missing" ] || fail "$native links against libraries of $(echo "$missing" | paste -sd, | sed 's/,/, /g'), \
which Depends ($(dpkg-deb -f "$deb" Depends)) does not name"
echo "check-depends: ok: Depends names the packages of every library $native links against ($(echo "$needed" | paste -sd, | sed 's/,/, /g'))" >&2
