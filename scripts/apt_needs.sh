#!/usr/bin/env bash
# Installs Debian packages given as PACKAGE:PROGRAM when PROGRAM is missing (chromium for e2e, xmlsec1 for SAML).
set -euo pipefail
missing=()
for need in "$@"; do
  [ -x "${need#*:}" ] || missing+=("${need%%:*}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
