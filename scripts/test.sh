#!/usr/bin/env bash
# The project's test command (README, CI): installs what is missing, builds, and runs every unit and
# integration test (mvn verify: unit tests, then the fat jars, then the *IT tests that start them), then
# packages those jars (scripts/package.sh) and checks the package installs, works and removes cleanly
# (scripts/check-package.sh; needs root, skipped otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The browser tests fail (rather than skip) here if Chromium or the driver is missing.
mvn -B -Dstyle.color=never verify -Dbrowser.tests=required "$@"
scripts/check-package.sh
