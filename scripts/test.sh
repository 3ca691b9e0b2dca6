#!/usr/bin/env bash
# The whole test suite: every test, the store conformance suite against both SQLite and a throwaway PostgreSQL.
#
#   scripts/test.sh [extra swift test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBOCODE_REQUIRE_POSTGRES=1
exec scripts/with-postgres.sh swift test "$@"
