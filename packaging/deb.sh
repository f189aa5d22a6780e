# The Debian package, from the app image; sourced by scripts/package.sh (IMAGE, NAME, VERSION, PROGRAMS,
# OUT, say/warn/fail). Made with dpkg-deb from a staged tree: jpackage's deb would need its templates
# replaced for each of the symlinks, the user, the unit and the completion, and brings its launcher.
#
#   /usr/lib/webrtc-dht-signaling/                  the app image (bin/, lib/runtime/, lib/app/)
#   /usr/bin/{offerer,answerer,dht-server}          links to its launchers
#   /usr/share/bash-completion/completions/PROGRAM  picocli's completion scripts
#   /usr/share/zsh/vendor-completions/_PROGRAM      the same, through zsh's bashcompinit
#   /lib/systemd/system/dht-server.service          disabled; user dht-server (postinst), /var/lib/dht-server
#   /usr/share/doc/webrtc-dht-signaling/README.md

INSTALL_DIR=/usr/lib/$NAME

# The packages providing the shared libraries that the runtime and webrtc-java's native library (inside
# the jars) link against, as dpkg knows them.
deb_depends() {
  local scratch=$1 files=() lib package packages=()
  mkdir -p "$scratch/native"
  # webrtc-java's library by its name: the jar also holds JLine's, for other systems, and the first .so
  # found was JLine's for FreeBSD, which linked against nothing dpkg knows (Depends lost libpulse0).
  local listing native
  listing=$("$JDK/bin/jar" tf "$IMAGE/lib/app/offerer.jar")
  native=$(grep -m 1 -E '^libwebrtc-java[^/]*\.so$' <<<"$listing") ||
    fail "no webrtc-java native library (libwebrtc-java*.so) in $IMAGE/lib/app/offerer.jar"
  (cd "$scratch/native" && "$JDK/bin/jar" xf "$OLDPWD/$IMAGE/lib/app/offerer.jar" "$native")
  mapfile -t files < <(find "$IMAGE/lib/runtime" "$scratch/native" -type f \( -name '*.so' -o -perm -u+x \))
  while read -r lib; do
    # Debian 12 records most libraries under /lib, which is /usr/lib on a merged /usr.
    package=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "${lib#/usr}" 2>/dev/null || true)
    package=${package%%:*}
    [ -n "$package" ] && packages+=("$package")
  done < <(for f in "${files[@]}"; do ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3}'; done |
    grep -v "^$(readlink -f "$IMAGE")/" | sort -u)
  [ ${#packages[@]} -gt 0 ] || fail "found no libraries the runtime links against (ldd, dpkg -S)"
  # useradd and userdel (postinst, postrm) come from passwd.
  printf '%s\n' "${packages[@]}" passwd | sort -u | paste -sd, | sed 's/,/, /g'
}

# The zsh completion of PROGRAM: zsh loads _PROGRAM when PROGRAM is first completed; it defines picocli's
# bash functions through bashcompinit (which also registers them for later completions) and completes.
zsh_completion() {
  local program=$1 bash_script=$2
  echo "#compdef $program"
  echo "# $program's completion: picocli's bash completion script, through zsh's bashcompinit."
  # The script aliases bash's compopt to complete, but zsh reads this whole file before running it, so
  # its functions would call a compopt that does not exist; its options mean nothing to zsh anyway.
  echo "compopt() { return 0; }"
  cat "$bash_script"
  echo
  echo "_bash_complete -o default -F _complete_$program"
}

# Whether every archive in the staged image is accepted where it now lies (JDK 25 maps an archive made
# for another directory; JDK 17 refuses it).
archives_relocate() {
  local root=$1 program
  for program in "${PROGRAMS[@]}"; do
    [ -f "$root$INSTALL_DIR/lib/app/$program.jsa" ] || continue
    JDK_JAVA_OPTIONS=-Xshare:on "$root$INSTALL_DIR/bin/$program" --version >/dev/null 2>&1 || return 1
  done
}

build_deb() {
  command -v dpkg-deb >/dev/null || fail "dpkg-deb is missing (apt-get install dpkg)"
  local deb_dir=$OUT/deb root arch deb version program
  root=$deb_dir/root
  rm -rf "$deb_dir"
  mkdir -p "$root/DEBIAN" "$root/usr/lib" "$root/usr/bin" "$root/usr/share/bash-completion/completions" \
    "$root/usr/share/zsh/vendor-completions" "$root/lib/systemd/system" "$root/usr/share/doc/$NAME"
  # -a keeps the files' times: each archive records its jar's modification time.
  cp -a "$IMAGE" "$root$INSTALL_DIR"
  rm -rf "$root$INSTALL_DIR/share"
  for program in "${PROGRAMS[@]}"; do
    ln -s "../lib/$NAME/bin/$program" "$root/usr/bin/$program"
    cp "$IMAGE/share/bash-completion/completions/$program" "$root/usr/share/bash-completion/completions/"
    zsh_completion "$program" "$IMAGE/share/bash-completion/completions/$program" \
      >"$root/usr/share/zsh/vendor-completions/_$program"
  done
  cp packaging/dht-server.service "$root/lib/systemd/system/"
  cp README.md "$root/usr/share/doc/$NAME/"
  if ! archives_relocate "$root"; then
    # This JDK's archives hold the image's path: the package ships the class lists and postinst makes
    # the archives in /usr/lib/webrtc-dht-signaling.
    warn "JDK $JDK_VERSION does not use an archive made in another directory: postinst will make them"
    for program in "${PROGRAMS[@]}"; do
      if [ -f "$root$INSTALL_DIR/lib/app/$program.jsa" ]; then
        rm "$root$INSTALL_DIR/lib/app/$program.jsa"
        cp "$OUT/work/training/$program.merged.classlist" "$root$INSTALL_DIR/lib/app/$program.classlist"
      fi
    done
  fi
  cp packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
  chmod 755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
  (cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)

  arch=$(dpkg --print-architecture)
  version=${VERSION//-/\~} # 1.0.0-SNAPSHOT -> 1.0.0~SNAPSHOT, which sorts before 1.0.0
  sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" \
    -e "s|@MAINTAINER@|${DEB_MAINTAINER:-webrtc-dht-signaling developers <webrtc-dht-signaling@localhost>}|" \
    -e "s|@INSTALLED_SIZE@|$(du -sk --exclude=DEBIAN "$root" | cut -f1)|" \
    -e "s|@DEPENDS@|$(deb_depends "$deb_dir/scratch")|" packaging/debian/control.in >"$root/DEBIAN/control"
  rm -rf "$deb_dir/scratch"

  deb=$OUT/${NAME}_${version}_$arch.deb
  rm -f "$OUT/${NAME}"_*.deb
  # gzip: xz took 2.5 minutes here (gzip 15 s) for a package of 58 MB instead of 69. Without
  # SOURCE_DATE_EPOCH: dpkg-deb would lower the files' times to it, and the archives would no longer
  # match their jars.
  env -u SOURCE_DATE_EPOCH dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
  rm -rf "$root"
  say "package $deb ($(du -h "$deb" | cut -f1)); depends: $(dpkg-deb -f "$deb" Depends)"
}
