#!/usr/bin/env python3
"""A scripted stand-in for the OpenAI chat-completions API, for running the real Aider CLI offline.

Aider (PyPI `aider-chat`, 0.86.x) talks to it through litellm:

    aider --model openai/scripted --openai-api-base http://127.0.0.1:PORT/v1 --openai-api-key test \
          --edit-format whole ...

(see AIDER-NOTES.md beside this file for the full command line).

THE RULE: this script knows only what a real model knows, i.e. the messages in each request (aider's
system prompt, the user's message, aider's own follow-up messages such as test output or edit-failure
reports). Every reply is decided statelessly from the request alone; the script reads no environment
variables and no files. Only the persona and the flags below are fixed when the server starts. (The
`--rate-limit` counter and the `--log` file are bookkeeping of the server, not knowledge of the model.)

What it understands, by regexes that tolerate extra text:

- the task prompt "You are working on KEY: TITLE ... ## Description ... Create the file `X` containing
  the line `Y`. ..." (several such sentences allowed) -> the edit is: each file X holds "Y\n";
- a NUDGE prompt, starting "You have not submitted KEY yet." or "Your work on KEY could not be submitted" (it must still hold the description for
  the edit to be known; without one the reply is text only);
- a REWORK prompt, starting "Your earlier submission of KEY came back", followed by the normal prompt;
- aider's test report ("I ran this command: ... And got this output: ..." from --test-cmd/--auto-test);
- aider's other follow-ups (edit-format errors, "I added these files to the chat ...");
- aider's commit-message request (system prompt about commit messages) -> a one-line message;
- aider's chat-summary request -> a short summary.

Edits are written in aider's `whole` edit format (file name on a line, then a fenced block with the
whole new content).

Personas (--persona):

- diligent (default): makes the edits correctly; on failing test output, writes the files again
  correctly, also following hints in that output of the form "PATH ... want 'LINE'" (or expected).
- forgetful: on a normal prompt answers text only ("I will look into it."), so aider exits without
  commits; on a nudge prompt makes the edits.
- careless: on a normal (or nudge) prompt writes the WRONG line (`Y-draft`); on failing test output
  answers "The tests look unrelated." with no edits; on a rework prompt writes the correct line.

Flags:

- --port N: 0 (default) picks a free port; the first stdout line is "listening on PORT".
- --persona NAME: see above.
- --rate-limit N: the first N chat-completion requests get HTTP 429 as OpenAI sends it ("... Please try
  again in 20s. ...", headers retry-after: 20, x-ratelimit-reset-requests: 20s).
- --retry-after S: the seconds named in those 429s (default 20). NB: the openai SDK inside litellm
  itself retries a 429 twice, sleeping retry-after (when <= 60) each time, before aider sees it.
- --api-key KEY: when given, a request whose bearer token differs gets HTTP 401 (invalid_api_key).
- --log FILE: one JSON line per request (path, n, kind, task_kind, decision, stream);
  --log-bodies adds the request's messages and the reply.

Endpoints: POST /v1/chat/completions (also /chat/completions), GET /v1/models, GET /v1/models/ID.
Replies are JSON, or server-sent events when the request says "stream": true. Every reply carries
`usage` (prompt/completion tokens, about 4 characters a token).
"""

import argparse
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL_ID = "scripted"

CREATE_RE = re.compile(r"Create the file `([^`]+)` containing the line `([^`]*)`")
# A hint in failing test output: "... c.txt holds 'x', want 'gamma'" / "c.txt: expected `gamma`".
TEST_HINT_RE = re.compile(r"([\w./-]+\.\w+)\b[^\n]*?\b(?:want|wanted|expected|expect)\b\s*[:=]?\s*['\"`]([^'\"`\n]*)['\"`]")
TEST_REPORT_RE = re.compile(r"^I ran this command:\s*\n(.*?)\n\s*And got this output:\s*\n(.*)", re.S)


# ---------------------------------------------------------------------------------------------------
# Reading the request


def text_of(content):
    """The text of a message's content (a string, or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def prompt_kind(text):
    """normal / nudge / rework, or None when the text is not a turboCode prompt."""
    stripped = text.lstrip()
    if re.match(r"Your earlier submission of \S+ came back", stripped):
        return "rework"
    if re.match(r"You have not submitted \S+ yet|Your work on \S+ could not be submitted", stripped):
        return "nudge"
    if "You are working on" in text:
        return "normal"
    return None


def find_task(messages):
    """The turboCode prompt among the user messages: (index, text, kind), or (None, None, None).

    The last one wins: aider puts older chat (and examples) before the current request."""
    found = (None, None, None)
    for i, m in enumerate(messages):
        if m.get("role") != "user":
            continue
        text = text_of(m.get("content"))
        kind = prompt_kind(text)
        if kind:
            found = (i, text, kind)
    return found


def wanted_files(task_text):
    """[(path, line)] from the description's "Create the file `X` containing the line `Y`." sentences."""
    return CREATE_RE.findall(task_text or "")


def classify(body):
    """What the request is: a dict with at least 'kind'."""
    messages = body.get("messages") or []
    system = "\n".join(text_of(m.get("content")) for m in messages if m.get("role") == "system")
    users = [text_of(m.get("content")) for m in messages if m.get("role") == "user"]
    last_user = users[-1] if users else ""

    if "commit message" in system.lower():
        return {"kind": "commit", "diff": "\n".join(users)}
    if "summarize" in system.lower() and "partial conversation" in system.lower():
        return {"kind": "summary", "text": "\n".join(users)}

    index, task, task_kind = find_task(messages)
    if task is None:
        return {"kind": "chat", "last": last_user}
    info = {"task": task, "task_kind": task_kind, "files": wanted_files(task)}
    last_index = max(i for i, m in enumerate(messages) if m.get("role") == "user")
    if last_index == index:
        info["kind"] = "prompt"
        return info
    report = TEST_REPORT_RE.match(last_user.lstrip())
    if report:
        info["kind"] = "test-output"
        info["command"] = report.group(1).strip()
        info["output"] = report.group(2)
        return info
    info["kind"] = "follow-up"
    info["last"] = last_user
    return info


# ---------------------------------------------------------------------------------------------------
# Deciding the reply


def whole_edit(files, suffix=""):
    """An answer in aider's `whole` edit format writing each file."""
    parts = []
    for path, line in files:
        parts.append(f"{path}\n```\n{line}{suffix}\n```\n")
    return "\n".join(parts)


def decide(persona, request):
    """(reply text, decision label) for a classified request."""
    kind = request["kind"]

    if kind == "commit":
        names = re.findall(r"^\+\+\+ b/(\S+)", request["diff"], re.M)
        names = sorted(set(names))
        if names:
            return "feat: Add " + ", ".join(names), "commit-message"
        return "chore: Update files", "commit-message"

    if kind == "summary":
        return ("I asked you to make a change in this repository and you answered with file edits.",
                "summary")

    if kind == "chat":
        return "I do not see a task in your message. What should I do?", "no-task"

    files = request["files"]
    task_kind = request["task_kind"]
    if not files:
        return ("I could not find which file to create or what it should contain in the description.",
                "no-files-in-task")

    correct = ("Here are the files.\n\n" + whole_edit(files), "edit-correct")
    wrong = ("Here is a first version.\n\n" + whole_edit(files, "-draft"), "edit-wrong")

    if kind == "prompt":
        if persona == "forgetful" and task_kind == "normal":
            return "I will look into it.", "text-only"
        if persona == "careless" and task_kind != "rework":
            return wrong
        return correct

    if kind == "test-output":
        if persona == "careless":
            return "The tests look unrelated.", "ignore-tests"
        fixed = dict(files)
        for path, line in TEST_HINT_RE.findall(request["output"]):
            fixed[path] = line
        return ("The tests fail; I corrected the files.\n\n" + whole_edit(sorted(fixed.items())), "fix-after-tests")

    # Another follow-up of aider: "I added these files to the chat: ..." (aider applies no edits from a reply
    # that mentions a repository file outside the chat; it adds the file and asks again), an edit it could
    # not apply, lint output, ... -> the same answer as to the prompt.
    reply, decision = decide(persona, dict(request, kind="prompt"))
    return reply, decision + "-again"


# ---------------------------------------------------------------------------------------------------
# HTTP


def tokens(text):
    return max(1, (len(text) + 3) // 4)


def completion_object(reply, prompt_tokens, model):
    completion_tokens = tokens(reply)
    return {
        "id": "chatcmpl-scripted-%d" % int(time.time() * 1000),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": reply},
            "logprobs": None,
            "finish_reason": "stop",
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, options):
        super().__init__(address, Handler)
        self.options = options
        self.lock = threading.Lock()
        self.chat_requests = 0

    def log_line(self, entry):
        if not self.options.log:
            return
        entry = dict(entry, time=round(time.time(), 3))
        with self.lock, open(self.options.log, "a") as f:
            f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "scripted-openai/1"

    def log_message(self, format, *args):  # quiet
        pass

    def send_json(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        expected = self.server.options.api_key
        if expected is None:
            return True
        auth = self.headers.get("Authorization", "")
        if auth == "Bearer " + expected:
            return True
        self.send_json(401, {"error": {
            "message": "Incorrect API key provided: %s. You can find your API key at "
                       "https://platform.openai.com/account/api-keys." % mask(auth[7:] if auth.startswith("Bearer ") else auth),
            "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}})
        return False

    def do_GET(self):
        path = self.path.split("?")[0].rstrip("/")
        if path in ("/v1/models", "/models"):
            self.server.log_line({"path": path, "kind": "models"})
            if self.authorized():
                self.send_json(200, {"object": "list", "data": [
                    {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "scripted"}]})
            return
        m = re.match(r"^/(?:v1/)?models/(.+)$", path)
        if m:
            self.server.log_line({"path": path, "kind": "model"})
            if self.authorized():
                self.send_json(200, {"id": m.group(1), "object": "model", "created": 0, "owned_by": "scripted"})
            return
        self.server.log_line({"path": path, "kind": "unknown", "method": "GET"})
        self.send_json(404, {"error": {"message": "Unknown path %s" % path, "type": "invalid_request_error",
                                       "param": None, "code": "unknown_url"}})

    def do_POST(self):
        path = self.path.split("?")[0].rstrip("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path not in ("/v1/chat/completions", "/chat/completions"):
            self.server.log_line({"path": path, "kind": "unknown", "method": "POST"})
            self.send_json(404, {"error": {"message": "Unknown path %s" % path, "type": "invalid_request_error",
                                           "param": None, "code": "unknown_url"}})
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self.send_json(400, {"error": {"message": "We could not parse the JSON body of your request.",
                                           "type": "invalid_request_error", "param": None, "code": None}})
            return

        with self.server.lock:
            self.server.chat_requests += 1
            number = self.server.chat_requests
        if not self.authorized():
            self.server.log_line({"path": path, "n": number, "kind": "unauthorized", "decision": "401"})
            return
        if number <= self.server.options.rate_limit:
            wait = self.server.options.retry_after
            self.server.log_line({"path": path, "n": number, "kind": "chat", "decision": "429"})
            self.send_json(429, {"error": {
                "message": "Rate limit reached for %s in organization org-scripted on requests per min (RPM): "
                           "Limit 3, Used 3, Requested 1. Please try again in %ds. Visit "
                           "https://platform.openai.com/account/rate-limits to learn more." % (MODEL_ID, wait),
                "type": "requests", "param": None, "code": "rate_limit_exceeded"}},
                headers={"retry-after": str(wait), "x-ratelimit-limit-requests": "3",
                         "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "%ds" % wait})
            return

        request = classify(body)
        reply, decision = decide(self.server.options.persona, request)
        messages = body.get("messages") or []
        prompt_tokens = tokens("".join(text_of(m.get("content")) for m in messages))
        model = body.get("model") or MODEL_ID
        entry = {"path": path, "n": number, "kind": request["kind"], "decision": decision,
                 "stream": bool(body.get("stream"))}
        if "task_kind" in request:
            entry["task_kind"] = request["task_kind"]
        if self.server.options.log_bodies:
            entry["messages"] = messages
            entry["reply"] = reply
        self.server.log_line(entry)

        result = completion_object(reply, prompt_tokens, model)
        if body.get("stream"):
            self.stream(result, bool((body.get("stream_options") or {}).get("include_usage")))
        else:
            self.send_json(200, result)

    def stream(self, result, include_usage):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        base = {"id": result["id"], "object": "chat.completion.chunk", "created": result["created"],
                "model": result["model"]}
        content = result["choices"][0]["message"]["content"]
        pieces = [content[i:i + 40] for i in range(0, len(content), 40)] or [""]
        chunks = [dict(base, choices=[{"index": 0, "delta": {"role": "assistant", "content": ""},
                                       "finish_reason": None}])]
        for piece in pieces:
            chunks.append(dict(base, choices=[{"index": 0, "delta": {"content": piece}, "finish_reason": None}]))
        last = dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}])
        if not include_usage:
            last["usage"] = result["usage"]
        chunks.append(last)
        if include_usage:
            chunks.append(dict(base, choices=[], usage=result["usage"]))
        for chunk in chunks:
            self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def mask(key):
    if len(key) <= 8:
        return key
    return key[:3] + "*" * (len(key) - 7) + key[-4:]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Scripted OpenAI chat-completions server for Aider.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--persona", choices=["diligent", "forgetful", "careless"], default="diligent")
    parser.add_argument("--rate-limit", type=int, default=0, metavar="N")
    parser.add_argument("--retry-after", type=int, default=20, metavar="S",
                        help="seconds named in a 429 (message, retry-after, x-ratelimit-reset-requests)")
    parser.add_argument("--api-key", default=None, metavar="KEY")
    parser.add_argument("--log", default=None, metavar="FILE")
    parser.add_argument("--log-bodies", action="store_true", help="also log the messages and the reply")
    options = parser.parse_args(argv)

    server = Server((options.host, options.port), options)
    print("listening on %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
