#!/usr/bin/env bash
# Create .venv (Python 3.11) and install the project with its test dependencies, when they changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
EXTRAS=${1:-}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$EXTRAS-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip 2>/dev/null || true
  if [ -n "$EXTRAS" ]; then target=".[$EXTRAS]"; else target="."; fi
  .venv/bin/python -m pip install -q -e "$target"
  touch "$stamp"
fi
