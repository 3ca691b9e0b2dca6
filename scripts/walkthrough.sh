#!/usr/bin/env bash
# turboCode's main job today, end to end: build the CLI, then in a fresh git repository create a project, issues
# with dependencies, and show the work queue as it changes. Pass a postgres:// URL to run it on PostgreSQL.
#
#   scripts/walkthrough.sh [postgres://user@127.0.0.1:5432/db]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product turbocode
turbocode="$PWD/.build/debug/turbocode"
repo=$(mktemp -d /tmp/turbocode-walkthrough.XXXXXX)/webshop
mkdir -p "$repo" && cd "$repo"
git init -q -b main
database=()
[ $# -gt 0 ] && database=(--database "$1")

step() { printf '\n$ turbocode %s\n' "$*"; "$turbocode" "$@" ${database[@]+"${database[@]}"}; }

step init --key SHOP --name "Web shop"
step issue add "Payment API" --priority high --capability backend --path "api/**" --ready
step issue add "Checkout page" --priority critical --blocked-by SHOP-1 --ready
step issue add "Receipts by e-mail" --blocked-by SHOP-1 --ready
step issue add "Write the docs" --type documentation --priority low --ready
step dep add SHOP-2 SHOP-3
step issue list
step queue
printf '\n(a cycle is refused, exit code 1)\n'
step dep add SHOP-3 SHOP-1 || true
step issue close SHOP-1
step queue
step dep show SHOP-3
printf '\nRepository: %s\n' "$repo"
