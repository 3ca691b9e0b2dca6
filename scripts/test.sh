#!/usr/bin/env bash
# The whole test suite: every test, the store conformance suite against both SQLite and a throwaway PostgreSQL,
# and the MCP server driven by the official Python `mcp` client (installed into .venv on first use).
#
#   scripts/test.sh [extra swift test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBOCODE_REQUIRE_POSTGRES=1
export TURBOCODE_REQUIRE_PYTHON=1
TURBOCODE_TEST_PYTHON="$(scripts/python-env.sh)"
export TURBOCODE_TEST_PYTHON
exec scripts/with-postgres.sh swift test "$@"
