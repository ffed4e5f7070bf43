#!/usr/bin/env bash
# Re-pins constraints.txt: installs pyproject.toml's dependencies (and the test extra) into a throw-away
# virtualenv without constraints and records the exact versions pip chose.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet --upgrade pip
"$tmp/venv/bin/python" -m pip install --quiet -e ".[test]"
{
  echo "# Exact versions of every Python package the project installs (scripts/install.sh uses it as pip's constraints)."
  echo "# Made by scripts/pin.sh from a fresh virtualenv; change pyproject.toml's ranges, then run scripts/pin.sh."
  "$tmp/venv/bin/python" -m pip freeze --exclude-editable | grep -v '^-e\|^#'
} > constraints.txt
echo "constraints.txt: $(grep -vc '^#' constraints.txt) packages pinned"
