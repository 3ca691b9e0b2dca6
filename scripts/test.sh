#!/usr/bin/env bash
# The whole test suite: every test, the store conformance suite against both SQLite and a throwaway PostgreSQL, the
# MCP server driven by the official Python `mcp` client, the real Claude Code and Aider CLIs driven by scripted
# model servers (all installed into .venv and .venv-aider on first use), and the dashboard in Debian's Chromium.
#
#   scripts/test.sh [extra swift test arguments]
#
# Without arguments the real-agent scenarios (RealAgentTests: Claude Code and Aider processes, CPU-heavy) run after
# the rest, in a second pass, so that they do not starve the timing-sensitive server tests on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBOCODE_REQUIRE_POSTGRES=1
export TURBOCODE_REQUIRE_PYTHON=1
export TURBOCODE_REQUIRE_REAL_AGENTS=1
export TURBOCODE_REQUIRE_BROWSER=1
TURBOCODE_TEST_CHROMIUM=$(command -v chromium || true)
if [ -z "$TURBOCODE_TEST_CHROMIUM" ]; then
  echo "test: Chromium not found (Debian: apt-get install chromium); the dashboard's browser test needs it" >&2
  exit 1
fi
export TURBOCODE_TEST_CHROMIUM
{
  read -r TURBOCODE_TEST_PYTHON
  read -r TURBOCODE_TEST_CLAUDE
  read -r TURBOCODE_TEST_AIDER
} < <(scripts/python-env.sh --paths)
export TURBOCODE_TEST_PYTHON TURBOCODE_TEST_CLAUDE TURBOCODE_TEST_AIDER
if [ $# -gt 0 ]; then
  exec scripts/with-postgres.sh swift test "$@"
fi
scripts/with-postgres.sh swift test --skip RealAgentTests
exec scripts/with-postgres.sh swift test --skip-build --filter RealAgentTests
