#!/bin/bash
# Brings the web page's libraries (@noble/curves, @noble/hashes, @noble/ciphers, pinned with their integrity
# hashes in web-vendor/package-lock.json) from npm and copies the ES modules the page uses into
# dht-server/src/main/resources/dev/dhtsignal/server/web/vendor/, with their licences and a manifest of
# versions, integrity hashes and file hashes. The copies are committed: the page loads nothing from elsewhere,
# and a build needs no npm. Run it only to move to another version (edit web-vendor/package.json, run
# 'npm install --ignore-scripts' there, then this), and commit the result.
set -euo pipefail
cd "$(dirname "$0")/../web-vendor"
npm ci --ignore-scripts --no-audit --no-fund >/dev/null
node copy-vendored.mjs
