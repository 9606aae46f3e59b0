#!/usr/bin/env bash
# Installs the Debian packages named as arguments (default: all of scripts/system-packages.txt) that are not
# installed yet. Needs root (CI and these machines run as root); does nothing when everything is there.
#
#   bash scripts/install-system-packages.sh            every package the test suite drives
#   bash scripts/install-system-packages.sh hey        only what one script needs
set -euo pipefail
list="$(dirname "${BASH_SOURCE[0]}")/system-packages.txt"
if [ $# -gt 0 ]; then
  wanted=("$@")
else
  mapfile -t wanted < <(grep -vE '^\s*(#|$)' "$list" | sort -u)
fi
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all ${#wanted[@]} installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system packages missing: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages: installed ${#missing[@]}"
