"""Drives turboCode's MCP server with the official Python `mcp` client, as an agent would.

    client_flow.py stdio --turbocode BIN --repo DIR [--database URL] --token SECRET
    client_flow.py http --url http://127.0.0.1:PORT/mcp --token SECRET --repo DIR
    client_flow.py hold --url http://127.0.0.1:PORT/mcp --token SECRET --repo DIR

`hold` opens a session, prints "connected" and keeps it open until the server goes away (for shutdown tests).

The repository must hold a turboCode project with one ready issue and nothing else in flight. The script lists the
tools and checks their input schemas, reads an issue by key and by UUID, checks that bad arguments come back as tool
errors (isError) rather than protocol errors, then claims the issue, commits in the worktree it was given, reports
progress, heartbeats and submits. It prints one JSON line of findings and exits 0, or prints what failed and exits 1.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys

import httpx2
from jsonschema import Draft202012Validator
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

EXPECTED_TOOLS = {
    "get_issue", "list_issues", "create_issue", "update_issue", "add_comment", "get_issue_comments",
    "get_next_issue", "get_work_queue", "start_work_on_issue", "submit_issue_for_review", "list_worktrees",
    "get_worktree_status", "add_blocker", "remove_blocker", "get_blocking_issues", "get_blocked_issues",
    "list_projects", "get_project", "claim_next_issue", "heartbeat", "report_progress", "report_blocked",
    "get_conflicts", "get_attention",
}


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def text_of(result):
    return "".join(getattr(part, "text", "") for part in result.content)


async def call(session, name, arguments=None, expect_error=False):
    result = await session.call_tool(name, arguments or {})
    if expect_error:
        check(result.is_error, f"{name}({arguments}) should be a tool error, got {text_of(result)[:200]}")
    else:
        check(not result.is_error, f"{name}({arguments}) failed: {text_of(result)}")
        check(isinstance(result.structured_content, dict), f"{name} has no structuredContent")
        check(json.loads(text_of(result)) == result.structured_content, f"{name}: text and structuredContent differ")
    return result


def git(path, *arguments):
    subprocess.run(
        ["git", "-c", "user.email=agent@example.invalid", "-c", "user.name=Python agent", *arguments],
        cwd=path, check=True, capture_output=True)


async def flow(session, findings):
    init = await session.initialize()
    findings["protocol_version"] = str(init.protocol_version)
    findings["server"] = f"{init.server_info.name} {init.server_info.version}"

    tools = (await session.list_tools()).tools
    names = {tool.name for tool in tools}
    check(EXPECTED_TOOLS <= names, f"missing tools: {sorted(EXPECTED_TOOLS - names)}")
    for tool in tools:
        Draft202012Validator.check_schema(tool.input_schema)
        check(tool.input_schema.get("type") == "object", f"{tool.name}: the input schema is not an object")
    findings["tools"] = len(tools)

    queue = await call(session, "get_work_queue")
    entries = queue.structured_content["entries"]
    check(len(entries) >= 1, "the queue is empty")
    key = entries[0]["key"]
    by_key = await call(session, "get_issue", {"issue_id": key.lower()})
    issue_id = by_key.structured_content["id"]
    by_uuid = await call(session, "get_issue", {"issue_id": issue_id.upper()})
    check(by_uuid.structured_content["key"] == key, "get_issue by UUID found another issue")

    # Bad arguments: tool errors with a reason, never protocol errors.
    for name, arguments, fragment in [
        ("get_issue", {"issue_id": "NOPE-999"}, "NOPE-999"),
        ("get_issue", {"issue_id": 42}, "must be a string"),
        ("get_issue", {}, "issue_id"),
        ("list_issues", {"status": "sleeping"}, "sleeping"),
        ("heartbeat", {"issue_id": key, "epoch": "x"}, "whole number"),
        ("update_issue", {"issue_id": key, "status": "closed", "bogus": 1}, "bogus"),
    ]:
        result = await call(session, name, arguments, expect_error=True)
        check(fragment in text_of(result), f"{name}: the error does not name {fragment!r}: {text_of(result)}")
    try:
        await session.call_tool("no_such_tool", {})
        unknown_tool = "answered"
    except Exception as error:  # an unknown tool is the one protocol error
        unknown_tool = type(error).__name__
    findings["unknown_tool"] = unknown_tool

    claimed = await call(session, "claim_next_issue", {"capabilities": []})
    work = claimed.structured_content
    check(work["issue"]["key"] == key, f"claimed {work['issue']['key']}, expected {key}")
    epoch, path = work["epoch"], work["worktree_path"]
    check(os.path.isdir(path), f"the worktree {path} does not exist")
    early = await call(session, "submit_issue_for_review", {"issue_id": key, "epoch": epoch}, expect_error=True)
    check("no commits beyond the base" in text_of(early), text_of(early))

    with open(os.path.join(path, "feature.txt"), "w") as handle:
        handle.write("done by the Python agent\n")
    git(path, "add", "-A")
    git(path, "commit", "-qm", f"{key}: feature")
    await call(session, "report_progress", {"issue_id": key, "message": "feature written", "percent": 90})
    beat = await call(session, "heartbeat", {"issue_id": key, "epoch": epoch})
    check(beat.structured_content["epoch"] == epoch, "heartbeat answered another epoch")
    await call(session, "heartbeat", {"issue_id": key, "epoch": epoch + 5}, expect_error=True)
    status = await call(session, "get_worktree_status", {"issue_id": key})
    check(status.structured_content["status"]["ahead"] == 1, "the worktree is not one commit ahead")

    submitted = await call(session, "submit_issue_for_review", {"issue_id": issue_id, "epoch": epoch})
    check(submitted.structured_content["issue"]["status"] == "testing", "the submitted issue is not in testing")
    stale = await call(session, "heartbeat", {"issue_id": key, "epoch": epoch}, expect_error=True)
    check("nothing was changed" in text_of(stale), text_of(stale))
    findings["submitted"] = key
    findings["epoch"] = epoch


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("transport", choices=["stdio", "http", "hold"])
    parser.add_argument("--turbocode")
    parser.add_argument("--repo", required=True)
    parser.add_argument("--database")
    parser.add_argument("--url")
    parser.add_argument("--token", required=True)
    options = parser.parse_args()
    findings = {"transport": options.transport}
    try:
        if options.transport == "stdio":
            arguments = ["mcp", "--repo", options.repo] + (["--database", options.database] if options.database else [])
            environment = dict(os.environ, TURBOCODE_TOKEN=options.token)
            environment.pop("TURBOCODE_DATABASE_URL", None)
            parameters = StdioServerParameters(
                command=options.turbocode, args=arguments, env=environment, cwd=options.repo)
            async with stdio_client(parameters) as (read, write):
                async with ClientSession(read, write) as session:
                    await flow(session, findings)
        elif options.transport == "hold":
            headers = {"Authorization": f"Bearer {options.token}"}
            try:
                async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
                    async with streamable_http_client(options.url, http_client=http) as (read, write, *_):
                        async with ClientSession(read, write) as session:
                            await session.initialize()
                            await session.list_tools()
                            print("connected", flush=True)
                            await asyncio.sleep(120)
            except BaseException:  # the server went away, as the test intends
                pass
            return 0
        else:
            headers = {"Authorization": f"Bearer {options.token}"}
            async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
                async with streamable_http_client(options.url, http_client=http) as (read, write, *_):
                    async with ClientSession(read, write) as session:
                        await flow(session, findings)
    except Failure as failure:
        print(json.dumps({"failure": str(failure), **findings}))
        return 1
    print(json.dumps(findings))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
