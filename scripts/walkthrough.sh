#!/usr/bin/env bash
# turboCode's main job today, end to end: build the CLI, then in a fresh git repository create a project, issues
# with dependencies, and show the work queue as it changes. Pass a postgres:// URL to run it on PostgreSQL.
#
#   scripts/walkthrough.sh [postgres://user@127.0.0.1:5432/db]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product turbocode
turbocode="$PWD/.build/debug/turbocode"
work=$(mktemp -d /tmp/turbocode-walkthrough.XXXXXX)
repo=$work/webshop
mkdir -p "$repo" && cd "$repo"
git init -q -b main
printf 'a web shop\n' > README.md
git add README.md && git -c user.name=demo -c user.email=demo@example.invalid commit -q -m "initial commit"
database=()
[ $# -gt 0 ] && database=(--database "$1")

step() { printf '\n$ turbocode'; printf ' %q' "$@"; printf '\n'; "$turbocode" "$@" ${database[@]+"${database[@]}"}; }

step init --key SHOP --name "Web shop"
# Keep the demo's worktrees next to the repository instead of ~/worktrees.
sed -i.bak "s|root: ~/worktrees|root: $work/worktrees|" turbocode.yaml && rm -f turbocode.yaml.bak
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

printf '\n(two issues worked on in parallel, each in its own worktree, both editing README.md)\n'
step worktree create SHOP-2
step worktree create SHOP-4
for issue in 2 4; do
  tree="$work/worktrees/shop-shop-$issue"
  printf 'changed for SHOP-%s\n' "$issue" > "$tree/README.md"
  git -C "$tree" -c user.name=demo -c user.email=demo@example.invalid commit -q -am "SHOP-$issue: edit README"
done
step conflicts
step worktree status SHOP-2
printf '\n(removing a worktree with unmerged commits is refused, exit code 1)\n'
step worktree remove SHOP-4 || true
step worktree list
printf '\nRepository: %s\n' "$repo"
