#!/usr/bin/env bash
# Installs the system packages sdetkit needs to build and test, when missing (Debian/Ubuntu).
#   build:  libgit2-dev libsqlite3-dev pkg-config
#   tests:  chromium (headless dashboard check), python3-jsonschema (SARIF / dashboard schema checks),
#           libreoffice-calc-nogui (the csv --bom export opened by LibreOffice headless; ~40 s to install)
# Usage: scripts/install-deps.sh [--with-test-tools]
set -euo pipefail

pkgs=(libgit2-dev libsqlite3-dev pkg-config)
if [ "${1:-}" = "--with-test-tools" ]; then
  pkgs+=(chromium git python3 libreoffice-calc-nogui)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${1:-}" = "--with-test-tools" ] && ! python3 -c 'import jsonschema' 2>/dev/null; then
  need_jsonschema=1
else
  need_jsonschema=0
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
      echo "sdetkit setup: missing Debian packages: ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
      exit 2
    fi
  else
    SUDO=
  fi
  echo "sdetkit setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$need_jsonschema" = 1 ]; then
  echo "sdetkit setup: installing the Python jsonschema package (schema checks in tests)" >&2
  python3 -m pip install -q jsonschema >/dev/null 2>&1 || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-jsonschema >/dev/null
  }
fi
