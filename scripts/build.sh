#!/usr/bin/env bash
# Builds the three fat jars (dht-server/target/dht-server.jar, offerer/..., answerer/...) without tests.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -Dstyle.color=never -DskipTests package >&2  # progress and errors on standard error
