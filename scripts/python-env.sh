#!/usr/bin/env bash
# The Python environments the tests drive turboCode with, created on first use from PyPI:
#   .venv        the official `mcp` client, the `standardwebhooks` reference implementation, the real Claude Code
#                CLI (the binary that `claude-agent-sdk`'s wheel bundles), and Playwright for the dashboard's browser test
#   .venv-aider  the real Aider CLI (`aider-chat` pins its own dependencies, so it lives apart)
# Prints the interpreter of .venv.
#
#   scripts/python-env.sh           # both
#   scripts/python-env.sh --paths   # also prints the claude and aider executables, one a line, after the interpreter
set -euo pipefail
cd "$(dirname "$0")/.."
MCP_VERSION=2.3.0
WEBHOOKS_VERSION=1.1.0
CLAUDE_SDK_VERSION=0.2.190   # bundles Claude Code 2.1.337
PLAYWRIGHT_VERSION=1.65.3    # drives the system Chromium (its own browser download is not used)
AIDER_VERSION=0.86.2
if ! .venv/bin/python -c "
import mcp, jsonschema, standardwebhooks, claude_agent_sdk, playwright, importlib.metadata as m
assert m.version('mcp') == '$MCP_VERSION' and m.version('standardwebhooks') == '$WEBHOOKS_VERSION'
assert m.version('claude-agent-sdk') == '$CLAUDE_SDK_VERSION' and m.version('playwright') == '$PLAYWRIGHT_VERSION'" \
  >/dev/null 2>&1
then
  echo "python-env: installing mcp $MCP_VERSION, standardwebhooks $WEBHOOKS_VERSION, claude-agent-sdk" \
    "$CLAUDE_SDK_VERSION (Claude Code) and playwright $PLAYWRIGHT_VERSION into .venv" >&2
  python3 -m venv .venv >&2
  .venv/bin/pip install --quiet --disable-pip-version-check "mcp==$MCP_VERSION" jsonschema \
    "standardwebhooks==$WEBHOOKS_VERSION" "claude-agent-sdk==$CLAUDE_SDK_VERSION" \
    "playwright==$PLAYWRIGHT_VERSION" >&2
fi
if ! .venv-aider/bin/python -c "
import importlib.metadata as m
assert m.version('aider-chat') == '$AIDER_VERSION'" >/dev/null 2>&1
then
  echo "python-env: installing aider-chat $AIDER_VERSION into .venv-aider" >&2
  python3 -m venv .venv-aider >&2
  .venv-aider/bin/pip install --quiet --disable-pip-version-check "aider-chat==$AIDER_VERSION" >&2
fi
echo "$PWD/.venv/bin/python"
if [ "${1:-}" = "--paths" ]; then
  echo "$(.venv/bin/python -c 'import claude_agent_sdk, os; print(os.path.join(os.path.dirname(claude_agent_sdk.__file__), "_bundled", "claude"))')"
  echo "$PWD/.venv-aider/bin/aider"
fi
