#!/usr/bin/env bash
# turboCode's main job, end to end: build the CLI, then in a fresh git repository create a project, issues with
# dependencies, worktrees and predicted conflicts, and finally let a pool of two agents (fake-agent standing in for
# Claude Code, no LLM needed) work the queue in parallel. Pass a postgres:// URL to run it on PostgreSQL.
#
#   scripts/walkthrough.sh [postgres://user@127.0.0.1:5432/db]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product turbocode
swift build --product fake-agent
turbocode="$PWD/.build/debug/turbocode"
fake_agent="$PWD/.build/debug/fake-agent"
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

printf '\n(a pool of two agents works the queue: fake-agent plays Claude Code, found as "claude" on PATH)\n'
mkdir -p "$work/bin" && ln -s "$fake_agent" "$work/bin/claude"
cat >> turbocode.yaml <<'YAML'

limits:
  max_concurrent_subagents: 2
subagents:
  - id: claude-1
    specialization: backend
    capabilities: [backend]
    driver: claude
  - id: claude-2
    driver: claude
YAML
step agents
printf '\n$ turbocode up --port 0 --until-idle\n'
PATH="$work/bin:$PATH" GIT_AUTHOR_NAME=agent GIT_AUTHOR_EMAIL=agent@example.invalid GIT_COMMITTER_NAME=agent \
  GIT_COMMITTER_EMAIL=agent@example.invalid "$turbocode" up --port 0 --until-idle ${database[@]+"${database[@]}"}
step issue list
step worktree status SHOP-2

printf '\n(verified work waits for a person: review it, approve it, and the merge queue merges it into main)\n'
step review list
step review show SHOP-2
step review approve SHOP-2 --comment "Looks right"
step review approve SHOP-4
printf '\n$ turbocode up --port 0 --until-idle\n'
PATH="$work/bin:$PATH" GIT_AUTHOR_NAME=agent GIT_AUTHOR_EMAIL=agent@example.invalid GIT_COMMITTER_NAME=agent \
  GIT_COMMITTER_EMAIL=agent@example.invalid "$turbocode" up --port 0 --until-idle ${database[@]+"${database[@]}"}
printf '\n(SHOP-2 is merged; SHOP-4 edits the same README line, so after the merge it conflicts with main: it goes back\n'
printf ' to its agent, and since fake-agent cannot resolve conflicts it waits in review for a person after\n'
printf ' review.verify_retries attempts. SHOP-3, unblocked by the merge, was worked, verified, and waits for approval.)\n'
step issue list --all
printf '\n$ git log --oneline --first-parent main\n'
git log --oneline --first-parent main
step stats
printf '\nRepository: %s (agent logs in .turbocode/logs/)\n' "$repo"
