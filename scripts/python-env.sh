#!/usr/bin/env bash
# The Python environment the MCP tests drive turboCode with: the official `mcp` client in .venv (created on first
# use, from PyPI). Prints the interpreter's path.
#
#   scripts/python-env.sh
set -euo pipefail
cd "$(dirname "$0")/.."
MCP_VERSION=2.3.0
if ! .venv/bin/python -c "import mcp, jsonschema, importlib.metadata as m; assert m.version('mcp') == '$MCP_VERSION'" \
    >/dev/null 2>&1; then
  echo "python-env: installing mcp $MCP_VERSION into .venv" >&2
  python3 -m venv .venv >&2
  .venv/bin/pip install --quiet --disable-pip-version-check "mcp==$MCP_VERSION" jsonschema >&2
fi
echo "$PWD/.venv/bin/python"
