#!/usr/bin/env bash
# Debian's chromium for the headless-browser tests (never `playwright install`: it downloads a browser).
set -euo pipefail
if command -v chromium >/dev/null; then exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium chromium-driver
