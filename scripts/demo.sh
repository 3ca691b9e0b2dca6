#!/usr/bin/env bash
# turboCode's main job on a fresh machine: build turbocode and fake-agent, then run `turbocode demo` — a scratch
# repository with a small project, tests and a dozen issues with dependencies, worked by fake agents in parallel
# worktrees, verified, auto-approved and merged one at a time into main, ending with `turbocode stats`.
#
#   scripts/demo.sh [--agents N] [--keep] [--directory PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product turbocode
swift build --product fake-agent
exec .build/debug/turbocode demo "$@"
