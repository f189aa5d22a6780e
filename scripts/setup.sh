#!/usr/bin/env bash
# Installs what this project needs on a Debian/Ubuntu machine, only what is missing:
# a JDK (17 or newer), Maven, libpulse0 (webrtc-java's native library links against it), iproute2
# (the multi-host and NAT tests build network namespaces), nftables, coturn, ethtool and python3 (the NAT
# test's routers, STUN/TURN server and link emulator), Node.js and the npm packages of mainline-tests/ (the Mainline DHT
# interoperability tests), and for the browser tests Debian's chromium and npm, then the test driver's
# npm packages (web-tests/, from its lock file). Safe to run again. Uses sudo when not root.
set -euo pipefail

need=()
java_major() {
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ] 2>/dev/null; then
  need+=(openjdk-17-jdk-headless)
fi
if ! command -v javac >/dev/null 2>&1; then
  need+=(openjdk-17-jdk-headless)
fi
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
# The NAT traversal test: routers doing NAT (nftables) and a STUN/TURN server (coturn), in namespaces.
command -v nft >/dev/null 2>&1 || need+=(nftables)
command -v turnserver >/dev/null 2>&1 || need+=(coturn)
# ... and its degraded links: ethtool (checksums computed before frames reach the link emulator) and
# python3 (the emulator, tools/src/test/resources/.../link-emulator.py: delay, loss, rate, as tc netem).
command -v ethtool >/dev/null 2>&1 || [ -x /usr/sbin/ethtool ] || [ -x /sbin/ethtool ] || need+=(ethtool)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# Node.js runs bittorrent-dht, the independent Mainline DHT the interoperability tests talk to.
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if ! ldconfig -p 2>/dev/null | grep -q 'libpulse\.so\.0'; then
  need+=(libpulse0)
fi
# The browser tests: Debian's own Chromium (never a downloaded browser) and Node.js to drive it.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)

if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install: ${need[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >&2
  $sudo apt-get install -y -q --no-install-recommends "${need[@]}" >&2
fi

# The Mainline interoperability tests' npm packages (pinned by mainline-tests/package-lock.json).
mainline_tests="$(cd "$(dirname "$0")/.." && pwd)/mainline-tests"
if [ ! -d "$mainline_tests/node_modules/bittorrent-dht" ]; then
  echo "setup: installing the Mainline test packages (npm ci in mainline-tests/)" >&2
  (cd "$mainline_tests" && npm ci --no-audit --no-fund >&2)
fi

# The browser test driver's packages (playwright-core, which downloads no browser), exactly as locked.
web_tests="$(dirname "$0")/../web-tests"
if [ ! -d "$web_tests/node_modules/playwright-core" ]; then
  echo "setup: installing the browser test driver's npm packages (web-tests/)" >&2
  (cd "$web_tests" && npm ci --no-audit --no-fund >&2)
fi
