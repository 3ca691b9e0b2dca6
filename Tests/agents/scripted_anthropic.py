#!/usr/bin/env python3
"""A scripted stand-in for the Anthropic Messages API, so tests can run the real Claude Code CLI offline.

    scripted_anthropic.py [--port 0] [--persona diligent|forgetful|careless] [--log FILE]
                          [--rate-limit N] [--usage-limit-reset-in SECONDS] [--dump-requests DIR]

Point Claude Code at it with ANTHROPIC_BASE_URL=http://127.0.0.1:PORT, ANTHROPIC_API_KEY=anything and
CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1. The first stdout line is `listening on PORT`.

THE RULE. The script plays the model and knows only what a real model knows: the request's system prompt, its
messages (the user's prompt, its own earlier tool calls, the tool results) and the tools[] schemas. It decides each
step statelessly from the conversation in the request; it reads no environment variables, no files, nothing of the
agent's machine. Only the persona (its character) and the two rate-limit flags (the API's state, not the model's)
are fixed when the server starts.

What it understands in the prompt that turboCode's coordinator sends (regexes, extra text tolerated):
  "You are working on KEY: TITLE"                          a normal prompt
  "Your earlier submission of KEY came back"               a rework prompt (followed by the normal prompt)
  "You have not submitted KEY yet." / "Your work on KEY could not be submitted"
                                                           a nudge (the work before it in the conversation counts;
                                                           also when it arrives as a Stop hook's blocking reason)
  "Create the file `X` containing the line `Y`."           one per file to write (X relative to the worktree)
  "Your worktree: PATH" / "directory (PATH)"               the worktree (else the system prompt's working directory)
  "Run the project's tests with `CMD`"                     the test command

Steps, each decided from the conversation so far: (1) ToolSearch "select:mcp__turbocode__submit_issue_for_review,
mcp__turbocode__report_progress" when tools[] has ToolSearch but not the submit tool and Claude Code's list of
deferred tools names it (once per conversation); (2) Write each file (after a Read if Claude Code insists the file be
read first); (3) Bash `git add -A && git commit -m 'KEY: TITLE'` ("nothing to commit" counts as committed);
(4) the test command, when the persona runs tests; (5) mcp__turbocode__submit_issue_for_review {"issue_id": KEY}, or,
without that tool, the prompt's shell fallback ("Without MCP, the same from a shell: `turbocode work submit …`") when
it offers one;
(6) a short closing text. A refused Bash command (permission denied), a failed one, a failed test run, an error
from the submit tool or a missing submit tool is reported in text and ends the turn; a later prompt (a nudge) starts
again from the first step not yet done successfully.

Personas (--persona):
  diligent   (default) runs the tests before submitting.
  forgetful  commits and ends its turn without submitting, unless the prompt is a nudge; then it submits.
  careless   never runs the tests; on a normal prompt writes the wrong line (`Y-draft`), commits and submits; on a
             rework prompt writes the right line, commits and submits.

Requests without tools (titles, checks and other side calls) get a short plain text answer. Both streaming (SSE)
and plain JSON answers are supported. Other paths answer 200 with `{}` (HEAD/GET /api/hello and the like).

Rate limits (the API's state, counted by the server):
  --rate-limit N              the first N /v1/messages requests that carry tools get HTTP 429 the way Anthropic
                              answers (rate_limit_error body, retry-after, anthropic-ratelimit-requests-* headers).
  --usage-limit-reset-in S    until S seconds after start, requests that carry tools get 429 with the subscription
                              headers (anthropic-ratelimit-unified-status: rejected, -unified-reset: unix time,
                              -unified-representative-claim: five_hour), after which they are served. Claude
                              Code 2.1.337 shows "You've hit your 5-hour limit · resets 11:12pm (UTC)" (and a
                              rate_limit_event with resetsAt) only when it takes the endpoint for a gateway: give it
                              ANTHROPIC_AUTH_TOKEN=<a JWT whose payload has "aud": "claude-gateway"> as well (see
                              CLAUDE-NOTES.md). With just an API key it shows "API Error: Request rejected (429) ·
                              usage limit reached". Claude does not retry these.
  --retry-after S             the retry-after header of those 429s (default 1).

--reject-key answers every /v1/messages request 401 authentication_error ("invalid x-api-key"), like a bad key.
--log FILE appends one JSON line per /v1/messages request: time, tools present, the last tool results, the decision.
--dump-requests DIR writes each request body as DIR/NNNN.json (for debugging).
"""

import argparse
import datetime
import itertools
import json
import os
import re
import shlex
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SUBMIT = "submit_issue_for_review"
PROGRESS = "report_progress"
BLOCKED = "report_blocked"
TURBO_PREFIX = "mcp__turbocode__"


# ---------------------------------------------------------------------------------------------------------------------
# Reading the conversation


def text_of(content):
    """The text of a message's content (a string or a list of blocks), tool results excluded."""
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        if isinstance(block, dict) and block.get("type") == "text":
            parts.append(block.get("text", ""))
    return "\n".join(parts)


def result_text(block):
    content = block.get("content")
    if isinstance(content, str):
        return content
    parts = []
    for item in content or []:
        if isinstance(item, dict):
            if item.get("type") == "text":
                parts.append(item.get("text", ""))
            elif item.get("type") == "tool_reference":
                parts.append("tool_reference:" + str(item.get("tool_name", "")))
    return "\n".join(parts)


def strip_reminders(text):
    """Drops Claude Code's <system-reminder> blocks (git status, attribution, …) but keeps hook feedback (a Stop hook
    that blocks the end of the turn speaks to the model inside one)."""

    def keep(m):
        return m.group(1) if re.search(r"hook feedback|hook additional context", m.group(1), re.I) else ""

    return re.sub(r"<system-reminder>(.*?)</system-reminder>", keep, text, flags=re.S).strip()


def system_text(body):
    """The system prompt, with the system messages Claude Code puts among the messages (environment, deferred tools)."""
    system = body.get("system")
    if isinstance(system, list):
        parts = [b.get("text", "") for b in system if isinstance(b, dict)]
    else:
        parts = [system or ""]
    for message in body.get("messages") or []:
        if message.get("role") == "system":
            parts.append(text_of(message.get("content")))
    return "\n".join(parts)


class Call:
    """One tool call of the model and its result."""

    def __init__(self, index, block):
        self.index = index  # the message index of the assistant turn
        self.id = block.get("id")
        self.name = block.get("name", "")
        self.input = block.get("input") or {}
        self.result = None  # text, once answered
        self.is_error = False

    @property
    def ok(self):
        return self.result is not None and not self.is_error

    def __repr__(self):
        return f"{self.name}({json.dumps(self.input)[:80]}) -> {'error' if self.is_error else 'ok'}"


def parse_conversation(messages):
    """Prompts (index, text) from the user, and the model's tool calls with their results, in order."""
    prompts, calls, by_id = [], [], {}
    for index, message in enumerate(messages):
        content = message.get("content")
        if message.get("role") == "assistant":
            for block in content if isinstance(content, list) else []:
                if isinstance(block, dict) and block.get("type") == "tool_use":
                    call = Call(index, block)
                    calls.append(call)
                    by_id[call.id] = call
            continue
        if isinstance(content, list):
            for block in content:
                if isinstance(block, dict) and block.get("type") == "tool_result" and block.get("tool_use_id") in by_id:
                    call = by_id[block["tool_use_id"]]
                    call.result = result_text(block)
                    call.is_error = bool(block.get("is_error"))
        text = strip_reminders(text_of(content)) if message.get("role") == "user" else ""
        if text:
            prompts.append((index, text))
    return prompts, calls


def classify(text):
    if re.search(r"Your earlier submission of \S+ came back", text):
        return "rework"
    if re.search(r"You have not submitted \S+ yet|Your work on \S+ could not be submitted", text):
        return "nudge"
    if re.search(r"You are working on \S+:", text):
        return "normal"
    return None


class Task:
    """What the prompt asks for."""

    def __init__(self, text, system):
        self.text = text
        self.key = None
        self.title = None
        for pattern in (
            r"Your earlier submission of (\S+?) came back",
            r"You have not submitted (\S+?) yet",
            r"Your work on (\S+?) could not be submitted",
            r"You are working on (\S+?):",
        ):
            m = re.search(pattern, text)
            if m:
                self.key = m.group(1)
                break
        m = re.search(r"You are working on \S+?: *(.+)", text)
        if m:
            self.title = m.group(1).strip()
        self.files = re.findall(r"Create the file `([^`]+)` containing the line `([^`]*)`", text)
        worktree = None
        for pattern in (r"Your worktree: *`?(/[^\s`]+?)`?(?:\s|$)", r"directory \((/[^)\s]+)\)", r"worktree:? *`(/[^`]+)`"):
            m = re.search(pattern, text)
            if m:
                worktree = m.group(1).rstrip(".,;")
                break
        if worktree is None:
            m = re.search(r"(?:Primary working directory|Working directory|cwd): *`?(/[^\s`]+)", system)
            if m:
                worktree = m.group(1)
        self.worktree = worktree
        m = re.search(r"[Rr]un the project's tests with `([^`]+)`", text) or re.search(r"tests with `([^`]+)`", text)
        self.test_command = m.group(1) if m else None
        self.mentions_blocked = BLOCKED in text
        # "Without MCP, the same from a shell: `turbocode work submit --issue KEY`"
        m = re.search(r"Without MCP[^`]*`([^`]*\bsubmit\b[^`]*)`", text)
        self.shell_submit = m.group(1) if m else None

    def path(self, name):
        if name.startswith("/") or not self.worktree:
            return name
        return os.path.join(self.worktree, name)


# ---------------------------------------------------------------------------------------------------------------------
# Deciding


class Step:
    """The model's next answer: some text, and at most one tool call."""

    def __init__(self, decision, text=None, tool=None, tool_input=None):
        self.decision = decision
        self.text = text
        self.tool = tool
        self.input = tool_input


def refused(call):
    """A short description of why a call failed."""
    lines = [line.strip() for line in (call.result or "").splitlines() if line.strip()]
    return " / ".join(lines[:3])[:300] if lines else "no output"


def tool_names(body):
    return [t.get("name", "") for t in body.get("tools") or [] if isinstance(t, dict)]


def find_tool(names, suffix):
    exact = TURBO_PREFIX + suffix
    if exact in names:
        return exact
    for name in names:
        if name.startswith("mcp__") and name.endswith("__" + suffix):
            return name
    return None


def deferred_tools(system):
    """The names Claude Code says can be loaded with ToolSearch, or None when it gives no such list."""
    lists = re.findall(r"deferred tools are now available via ToolSearch.*?\n((?:[A-Za-z0-9_.-]+\n?)+)", system, re.S)
    if not lists:
        return None
    return [line.strip() for found in lists for line in found.splitlines() if line.strip()]


def decide(body, persona):
    messages = body.get("messages") or []
    names = tool_names(body)
    prompts, calls = parse_conversation(messages)
    system = system_text(body)

    # The prompt in force: the latest one turboCode wrote. A nudge keeps the work done since the prompt before it.
    kinds = [(index, text, classify(text)) for index, text in prompts]
    tasks = [(index, text, kind) for index, text, kind in kinds if kind]
    if not tasks:
        return Step("no-task", text="I don't see an issue to work on in this conversation.")
    index, text, kind = tasks[-1]
    scope_start = index
    description_text = text
    if kind == "nudge":
        earlier = [t for t in tasks[:-1] if t[2] != "nudge"]
        if earlier:
            scope_start = earlier[-1][0]
            description_text = earlier[-1][1] + "\n" + text
    task = Task(description_text, system)
    if kind == "nudge":
        # The nudge repeats where to work; it may name the worktree or test command the earlier prompt did not.
        nudge_task = Task(text, system)
        task.worktree = nudge_task.worktree or task.worktree
        task.test_command = nudge_task.test_command or task.test_command
    key = task.key or "the issue"
    scope = [c for c in calls if c.index >= scope_start]
    will_submit = persona != "forgetful" or kind == "nudge"
    run_tests = persona == "diligent" and task.test_command is not None
    wrong_line = persona == "careless" and kind == "normal"

    # A refused or failed call since the latest message from the user (or a hook) ends the turn, except the known
    # recoveries. (Every step is decided right after the previous call's result, so only the last call can be new.)
    latest = prompts[-1][0] if prompts else -1
    last = scope[-1] if scope and scope[-1].index > latest else None
    recoverable = last is not None and (
        last.ok
        or last.result is None
        or last.name == "ToolSearch"
        or (last.name == "Write" and re.search(r"has not been read|[Rr]ead it first", last.result))
        or (last.name == "Bash" and "nothing to commit" in last.result)
    )
    if last is not None and not recoverable:
        call = last
        ran = call.name != "Bash" or (call.result or "").startswith("Exit code")  # else Claude Code refused it
        if call.name == "Bash" and not ran:
            return Step(
                "end:bash-refused",
                text=f"I could not run `{call.input.get('command')}` for {key}: {refused(call)}. "
                "I have not submitted it; stopping here.",
            )
        if call.name == "Bash" and task.test_command and call.input.get("command") == task.test_command:
            return Step("end:tests-failed", text=f"The tests fail for {key}: {refused(call)}. I have not submitted it.")
        if call.name.endswith("__" + SUBMIT) or (call.name == "Bash" and call.input.get("command") == task.shell_submit):
            return Step("end:submit-error", text=f"Submitting {key} failed: {refused(call)}")
        return Step(
            "end:tool-error",
            text=f"I could not continue with {key}: {call.name} was refused or failed ({refused(call)}). Stopping here.",
        )

    # (1) Load the deferred turbocode tools. Claude Code lists deferred tools by name in a system message; when it
    # names none of ours, there is nothing to load (no MCP server); when there is no such list, try the usual names.
    submit_tool = find_tool(names, SUBMIT)
    searched = any(c.name == "ToolSearch" for c in calls)
    if "ToolSearch" in names and submit_tool is None and not searched:
        deferred = deferred_tools(system)
        wanted = []
        for suffix in (SUBMIT, PROGRESS) + ((BLOCKED,) if task.mentions_blocked else ()):
            listed = find_tool(deferred, suffix) if deferred is not None else TURBO_PREFIX + suffix
            if listed:
                wanted.append(listed)
        if not any(w.endswith("__" + SUBMIT) for w in wanted):
            wanted = []
    else:
        wanted = []
    if wanted:
        return Step(
            "tool-search",
            text="Let me load the turboCode tools first.",
            tool="ToolSearch",
            tool_input={"query": "select:" + ",".join(wanted), "max_results": len(wanted)},
        )

    # (2) Write each file.
    last_write = -1
    for name, line in task.files:
        path = task.path(name)
        content = (line + "-draft" if wrong_line else line) + "\n"
        writes = [c for c in scope if c.name == "Write" and c.input.get("file_path") == path]
        done = [c for c in writes if c.ok and c.input.get("content") == content]
        if done:
            last_write = max(last_write, scope.index(done[-1]))
            continue
        refused_writes = [c for c in writes if not c.ok and c.input.get("content") == content]
        reads = [c for c in scope if c.name == "Read" and c.input.get("file_path") == path]
        if refused_writes and not (reads and scope.index(reads[-1]) > scope.index(refused_writes[-1])):
            return Step("read:" + name, text=f"I need to read {name} first.", tool="Read", tool_input={"file_path": path})
        return Step(
            "write:" + name,
            text=f"Writing {name}.",
            tool="Write",
            tool_input={"file_path": path, "content": content},
        )

    # (3) Commit after the last write.
    def is_commit(c):
        return c.name == "Bash" and "git commit" in c.input.get("command", "")

    commits = [
        c for c in scope if is_commit(c) and scope.index(c) > last_write and (c.ok or "nothing to commit" in (c.result or ""))
    ]
    if not commits:
        title = task.title or "work"
        message = f"{key}: {title}" + (" (fix)" if kind == "rework" else "")
        command = "git add -A && git commit -m " + shlex.quote(message)
        return Step(
            "commit",
            text="Committing the change.",
            tool="Bash",
            tool_input={"command": command, "description": "Commit the change"},
        )
    commit = commits[-1]

    # (4) Run the tests after the commit.
    if run_tests:
        runs = [
            c
            for c in scope
            if c.name == "Bash"
            and c.input.get("command") == task.test_command
            and c.ok
            and scope.index(c) > scope.index(commit)
        ]
        if not runs:
            return Step(
                "test",
                text="Running the tests.",
                tool="Bash",
                tool_input={"command": task.test_command, "description": "Run the project's tests"},
            )

    # (5) Submit.
    if not will_submit:
        return Step("end:no-submit", text=f"I wrote and committed the change for {key}.")
    submits = [c for c in scope if c.name.endswith("__" + SUBMIT)]  # (the MCP tool)
    if submits and submits[-1].ok:
        return Step("end:submitted", text=f"Submitted {key} for review.")
    if submit_tool is None and task.shell_submit:
        # No MCP tool: the prompt's shell fallback. A refusal or failure of it ended the turn above.
        ran = [c for c in scope if c.name == "Bash" and c.input.get("command") == task.shell_submit and c.ok]
        if ran:
            return Step("end:submitted", text=f"Submitted {key} for review from the shell.")
        return Step(
            "submit-shell",
            text=f"The turbocode MCP tools are not available; submitting {key} from the shell.",
            tool="Bash",
            tool_input={"command": task.shell_submit, "description": "Submit the issue for review"},
        )
    if submit_tool is None:
        return Step(
            "end:no-submit-tool",
            text=f"I committed the work for {key}, but the turbocode MCP tool {SUBMIT} is not available, "
            "so I could not submit it.",
        )
    return Step("submit", text=f"Submitting {key} for review.", tool=submit_tool, tool_input={"issue_id": task.key})


def side_answer(body):
    """A short plain answer for side requests (titles, checks): they carry no tools."""
    system = system_text(body).lower()
    last = ""
    messages = body.get("messages") or []
    if messages:
        last = strip_reminders(text_of(messages[-1].get("content"))).lower()
    if "title" in system or "title" in last:
        return "Scripted work"
    return "OK"


# ---------------------------------------------------------------------------------------------------------------------
# Answering


def new_id(prefix):
    return prefix + uuid.uuid4().hex[:24]


def build_message(body, step):
    content = []
    if step.text:
        content.append({"type": "text", "text": step.text})
    if step.tool:
        content.append({"type": "tool_use", "id": new_id("toolu_01"), "name": step.tool, "input": step.input})
    input_tokens = max(1, len(json.dumps(body.get("messages") or [])) // 4)
    output_tokens = max(1, len(json.dumps(content)) // 4)
    return {
        "id": new_id("msg_01"),
        "type": "message",
        "role": "assistant",
        "model": body.get("model") or "claude-scripted",
        "content": content,
        "stop_reason": "tool_use" if step.tool else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def sse(message):
    def event(kind, data):
        return f"event: {kind}\ndata: {json.dumps(data)}\n\n"

    start = dict(message, content=[], stop_reason=None)
    start["usage"] = dict(message["usage"], output_tokens=1)
    out = [event("message_start", {"type": "message_start", "message": start}), event("ping", {"type": "ping"})]
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            out.append(event("content_block_start", {"type": "content_block_start", "index": index,
                                                     "content_block": {"type": "text", "text": ""}}))
            text = block["text"]
            for i in range(0, len(text), 40):
                out.append(event("content_block_delta", {"type": "content_block_delta", "index": index,
                                                         "delta": {"type": "text_delta", "text": text[i:i + 40]}}))
        else:
            out.append(event("content_block_start", {"type": "content_block_start", "index": index,
                                                     "content_block": {"type": "tool_use", "id": block["id"],
                                                                       "name": block["name"], "input": {}}}))
            raw = json.dumps(block["input"])
            for i in range(0, len(raw), 40):
                out.append(event("content_block_delta", {"type": "content_block_delta", "index": index,
                                                         "delta": {"type": "input_json_delta",
                                                                   "partial_json": raw[i:i + 40]}}))
        out.append(event("content_block_stop", {"type": "content_block_stop", "index": index}))
    out.append(event("message_delta", {"type": "message_delta",
                                       "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                                       "usage": {"output_tokens": message["usage"]["output_tokens"]}}))
    out.append(event("message_stop", {"type": "message_stop"}))
    return "".join(out).encode()


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.started = time.time()
        self.rate_limited = 0
        self.counter = itertools.count(1)

    def log(self, record):
        if not self.args.log:
            return
        with self.lock, open(self.args.log, "a") as f:
            f.write(json.dumps(record) + "\n")


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "scripted-anthropic/1"
    state: State = None

    def log_message(self, format, *args):  # quiet
        pass

    def send(self, status, payload, content_type="application/json", headers=None):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", new_id("req_01"))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def note_other(self, raw=b""):
        """With --dump-requests, other requests are listed in DIR/other.jsonl."""
        folder = self.state.args.dump_requests
        if folder:
            os.makedirs(folder, exist_ok=True)
            with self.state.lock, open(os.path.join(folder, "other.jsonl"), "a") as f:
                f.write(json.dumps({"method": self.command, "path": self.path, "body": raw[:2000].decode("utf-8", "replace")}) + "\n")

    def do_HEAD(self):
        self.note_other()
        self.send(200, b"")

    def do_GET(self):
        self.note_other()
        self.send(200, {})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.split("?")[0]
        if path != "/v1/messages":
            self.note_other(raw)
        if path == "/v1/messages/count_tokens":
            self.send(200, {"input_tokens": max(1, len(raw) // 4)})
            return
        if path != "/v1/messages":
            self.send(200, {})
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self.send(400, {"type": "error", "error": {"type": "invalid_request_error", "message": "invalid JSON"}})
            return
        self.messages(body)

    def messages(self, body):
        state, args = self.state, self.state.args
        number = next(state.counter)
        if args.dump_requests:
            os.makedirs(args.dump_requests, exist_ok=True)
            with open(os.path.join(args.dump_requests, f"{number:04d}.json"), "w") as f:
                json.dump({"headers": dict(self.headers), "path": self.path, "body": body}, f, indent=1)
        has_tools = bool(body.get("tools"))
        record = {"time": rfc3339(time.time()), "n": number, "tools": has_tools, "stream": bool(body.get("stream"))}
        calls = parse_conversation(body.get("messages") or [])[1]
        answered = [c for c in calls if c.result is not None]
        last_index = answered[-1].index if answered else None
        record["tool_results"] = [
            {"tool": c.name, "is_error": c.is_error, "text": (c.result or "")[:500]}
            for c in answered
            if c.index == last_index
        ]

        if args.reject_key:
            record["decision"] = "401:invalid-key"
            state.log(record)
            self.send(401, {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"},
                            "request_id": new_id("req_01")})
            return
        if has_tools:
            refusal = self.refusal()
            if refusal:
                status, payload, headers, decision = refusal
                record["decision"] = decision
                state.log(record)
                self.send(status, payload, headers=headers)
                return
            step = decide(body, args.persona)
        else:
            step = Step("side", text=side_answer(body))
        record["decision"] = step.decision
        if step.tool:
            record["tool"] = step.tool
            record["input"] = step.input
        record["text"] = step.text
        state.log(record)
        message = build_message(body, step)
        if body.get("stream"):
            self.send(200, sse(message), content_type="text/event-stream; charset=utf-8",
                      headers={"cache-control": "no-cache"})
        else:
            self.send(200, message)

    def refusal(self):
        """A 429 while the API is rate limited or the usage limit holds, else None."""
        state, args = self.state, self.state.args
        now = time.time()
        with state.lock:
            limited = state.rate_limited < args.rate_limit
            if limited:
                state.rate_limited += 1
        usage_reset = state.started + args.usage_limit_reset_in if args.usage_limit_reset_in is not None else None
        usage_limited = usage_reset is not None and now < usage_reset
        if not limited and not usage_limited:
            return None
        request_id = new_id("req_01")
        headers = {
            "retry-after": str(args.retry_after),
            "x-should-retry": "true",
            "anthropic-ratelimit-requests-limit": "50",
            "anthropic-ratelimit-requests-remaining": "0",
            "anthropic-ratelimit-requests-reset": rfc3339(now + args.retry_after),
        }
        if usage_limited:
            reset = round(usage_reset)
            headers.update({
                "anthropic-ratelimit-unified-status": "rejected",
                "anthropic-ratelimit-unified-reset": str(reset),
                "anthropic-ratelimit-unified-representative-claim": "five_hour",
                "anthropic-ratelimit-unified-5h-status": "rejected",
                "anthropic-ratelimit-unified-5h-reset": str(reset),
                "anthropic-ratelimit-unified-5h-utilization": "1.0",
                "anthropic-ratelimit-unified-fallback": "unavailable",
                "anthropic-ratelimit-unified-overage-status": "rejected",
                "anthropic-ratelimit-unified-overage-disabled-reason": "org_level_disabled",
                "retry-after": str(max(1, reset - int(now))),
                "x-should-retry": "false",
            })
            message = "usage limit reached"
            decision = "429:usage-limit"
        else:
            message = ("This request would exceed your organization's rate limit of 50 requests per minute. "
                       "For details, refer to: https://docs.claude.com/en/api/rate-limits.")
            decision = "429:rate-limit"
        payload = {"type": "error", "error": {"type": "rate_limit_error", "message": message}, "request_id": request_id}
        return 429, payload, headers, decision


def main(argv=None):
    parser = argparse.ArgumentParser(description="Scripted Anthropic Messages API for Claude Code tests.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--persona", choices=["diligent", "forgetful", "careless"], default="diligent")
    parser.add_argument("--log")
    parser.add_argument("--rate-limit", type=int, default=0)
    parser.add_argument("--usage-limit-reset-in", type=float)
    parser.add_argument("--retry-after", type=int, default=1)
    parser.add_argument("--reject-key", action="store_true", help="answer every /v1/messages with 401")
    parser.add_argument("--dump-requests")
    args = parser.parse_args(argv)
    Handler.state = State(args)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(f"listening on {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
