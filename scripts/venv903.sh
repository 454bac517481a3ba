#!/usr/bin/env bash
# The SSDA903 validator (csc-validator-be-903, import name lac_validator) in a virtual environment of
# its own, .venv-903: it pins pandas 1.5 and numpy 1.24, which the product's .venv must not carry.
# The tests run scripts/validate903.py with it on the product's 903 exports.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
VERSION=0.1.17
VENV=${VENV_903:-.venv-903}
stamp="$VENV/.installed-$VERSION"
if [ ! -f "$stamp" ]; then
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "csc-validator-be-903==$VERSION"
  touch "$stamp"
fi
