#!/usr/bin/env bash
# The Python environment the tests drive turboCode with: the official `mcp` client and the `standardwebhooks`
# reference implementation in .venv (created on first use, from PyPI). Prints the interpreter's path.
#
#   scripts/python-env.sh
set -euo pipefail
cd "$(dirname "$0")/.."
MCP_VERSION=2.3.0
WEBHOOKS_VERSION=1.1.0
if ! .venv/bin/python -c "
import mcp, jsonschema, standardwebhooks, importlib.metadata as m
assert m.version('mcp') == '$MCP_VERSION' and m.version('standardwebhooks') == '$WEBHOOKS_VERSION'" >/dev/null 2>&1
then
  echo "python-env: installing mcp $MCP_VERSION and standardwebhooks $WEBHOOKS_VERSION into .venv" >&2
  python3 -m venv .venv >&2
  .venv/bin/pip install --quiet --disable-pip-version-check "mcp==$MCP_VERSION" jsonschema \
    "standardwebhooks==$WEBHOOKS_VERSION" >&2
fi
echo "$PWD/.venv/bin/python"
