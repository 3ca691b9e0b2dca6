"""The dashboard's budgets, measured in a real browser (Debian's Chromium driven by Playwright). Prints figures; asserts
nothing. Run it with the Python that has Playwright (scripts/python-env.sh makes .venv) and a release build:

    swift build -c release --product turbocode
    .venv/bin/python Benchmarks/dashboard/budgets.py [--turbocode .build/release/turbocode] [--issues 1000]
        [--agents 50] [--seconds 20] [--chromium /usr/bin/chromium]

On a scratch repository it starts `turbocode serve` (its rate limit off: every request here uses one token), makes --issues issues (a third of them waiting on another), and
measures against a warm server:

- first render of the inbox and of the board with every issue: from navigation start to the view's first data on
  screen (the page marks `turbocode:rendered`), median and worst of 5 loads each (budget: 300 ms);
- the JS and CSS a view loads, in bytes as served (budget: 150 KB);
- long tasks (over 50 ms) on the board while --agents agents stream: each holds a lease, reports progress five times
  a second and comments every two seconds over REST, so the page takes --agents × 5.5 events a second over its
  WebSocket, and refreshes on the comments (budget: none).
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from playwright.sync_api import sync_playwright


def run(command, cwd, **kwargs):
    return subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True, **kwargs)


class Server:
    def __init__(self, binary, directory):
        self.process = subprocess.Popen(
            [binary, "serve", "--port", "0", "--log-level", "error", "--rate-limit", "0"], cwd=directory, stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL, text=True)
        for line in self.process.stderr:
            if "turbocode serving on http://" in line:
                self.url = line.strip().split(" ")[-1]
                break
        else:
            raise SystemExit("serve did not start")
        threading.Thread(target=lambda: [None for _ in self.process.stderr], daemon=True).start()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def api(url, token, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url + path, method=method, data=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{method} {path}: HTTP {error.code}: {error.read().decode(errors='replace')[:300]}")


def first_render(page, url, selector):
    """Milliseconds from navigation start to `turbocode:rendered`, over 5 loads after one to warm up."""
    times = []
    for attempt in range(6):
        page.goto(url)
        page.wait_for_selector(selector)
        page.wait_for_function("performance.getEntriesByName('turbocode:rendered').length > 0")
        mark = page.evaluate("performance.getEntriesByName('turbocode:rendered')[0].startTime")
        if attempt > 0:
            times.append(mark)
    return statistics.median(times), max(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turbocode", default=".build/release/turbocode")
    parser.add_argument("--issues", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    options = parser.parse_args()
    binary = str(pathlib.Path(options.turbocode).resolve())
    if not os.access(binary, os.X_OK):
        raise SystemExit(f"no turbocode at {binary}: swift build -c release --product turbocode")

    with tempfile.TemporaryDirectory() as scratch:
        repo = pathlib.Path(scratch, "repo")
        repo.mkdir()
        identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
        run(["git", "init", "-q", "-b", "main"], repo)
        pathlib.Path(repo, "README.md").write_text("# bench\n")
        run(["git", "add", "README.md"], repo)
        run(["git", *identity, "commit", "-q", "-m", "init"], repo)
        run([binary, "init", "--key", "WEB"], repo)
        # The worktrees go in the scratch directory too (the default root is ~/worktrees).
        config = pathlib.Path(repo, "turbocode.yaml")
        config.write_text(config.read_text().replace("root: ~/worktrees", f"root: {scratch}/worktrees"))
        admin = run([binary, "token", "create", "--admin"], repo).stdout.strip()
        server = Server(binary, repo)
        try:
            url = server.url
            started = time.monotonic()
            for number in range(1, options.issues + 1):
                api(url, admin, "POST", "/api/v1/issues", {
                    "title": f"Issue {number}: a title of ordinary length for a card",
                    "description": "Something to do.", "status": "ready" if number % 3 else "open",
                    "capabilities": ["backend"] if number % 2 else ["frontend", "css"],
                })
                if number % 3 == 0 and number > 3:
                    api(url, admin, "POST", f"/api/v1/issues/WEB-{number}/dependencies", {"blocker": f"WEB-{number - 1}"})
            print(f"{options.issues} issues made in {time.monotonic() - started:.1f} s")

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=options.chromium, args=["--no-sandbox"])
                # The measuring script is the benchmark's, not the page's: the page's policy stays as served, and
                # Playwright's own evaluation needs it relaxed.
                context = browser.new_context(bypass_csp=True)
                page = context.new_page()
                page.goto(url + "/login")
                page.fill("#token", admin)
                page.click("button[type=submit]")
                page.wait_for_url(url + "/")

                inbox = first_render(page, url + "/", "#summary")
                board = first_render(page, url + "/board", "li.card")
                cards = page.locator("li.card").count()

                sizes = {}
                def record(response):
                    path = response.url.split(url, 1)[-1]
                    if path.startswith("/assets/") and (path.endswith(".js") or path.endswith(".css")):
                        sizes[path] = len(response.body())
                page.on("response", record)
                for view in ["/", "/board", "/review", "/queue", "/issues/WEB-1", "/fleet", "/timeline", "/stats"]:
                    page.goto(url + view)
                    page.wait_for_load_state("networkidle")
                page.remove_listener("response", record)
                per_view = {"/board": ["/assets/board.js", "/assets/common.js", "/assets/app.css"],
                            "/issues/KEY": ["/assets/issue.js", "/assets/common.js", "/assets/app.css"]}

                # Long tasks on the board while the agents stream.
                page.goto(url + "/board")
                page.wait_for_selector("li.card")
                supported = page.evaluate("PerformanceObserver.supportedEntryTypes.includes('longtask')")
                refreshes = [0]
                page.on("request", lambda request: refreshes.__setitem__(0, refreshes[0] + 1)
                        if "/api/v1/issues?" in request.url else None)
                page.evaluate("""() => {
                    window.__long = [];
                    new PerformanceObserver((list) => {
                        for (const entry of list.getEntries()) window.__long.push(entry.duration);
                    }).observe({ type: "longtask" });
                }""")
                leases = []
                for index in range(options.agents):
                    claimed = api(url, admin, "POST", "/api/v1/queue/claim",
                                  {"agent": f"agent-{index + 1}", "capabilities": ["backend", "frontend", "css"]})
                    if not (claimed and claimed.get("issue")):
                        raise SystemExit(f"claim for agent-{index + 1} answered {claimed}")
                    leases.append((claimed["issue"]["key"], claimed["epoch"]))
                stop = threading.Event()
                sent = [0]
                def stream(key, epoch):
                    beat = 0
                    while not stop.is_set():
                        api(url, admin, "POST", f"/api/v1/issues/{key}/heartbeat",
                            {"epoch": epoch, "message": f"step {beat}", "percent": beat % 100})
                        beat += 1
                        sent[0] += 1
                        if beat % 10 == 0:
                            # Every 2 s a comment too: an event every view refreshes on.
                            api(url, admin, "POST", f"/api/v1/issues/{key}/comments", {"body": f"note {beat}"})
                            sent[0] += 1
                        time.sleep(0.2)
                threads = [threading.Thread(target=stream, args=lease, daemon=True) for lease in leases]
                for thread in threads:
                    thread.start()
                time.sleep(options.seconds)
                stop.set()
                for thread in threads:
                    thread.join()
                page.wait_for_timeout(1000)
                long_tasks = page.evaluate("window.__long")
                # The observer itself, checked: a 120 ms busy loop must show up as a long task.
                page.evaluate("""() => setTimeout(() => {
                    const start = performance.now();
                    while (performance.now() - start < 120) {}
                }, 0)""")
                page.wait_for_timeout(500)
                observed = len(page.evaluate("window.__long")) > len(long_tasks)
                browser.close()
        finally:
            server.stop()

    total = sum(sizes.values())
    print(f"first render, inbox: median {inbox[0]:.0f} ms, worst {inbox[1]:.0f} ms (budget 300 ms)")
    print(f"first render, board with {cards} cards: median {board[0]:.0f} ms, worst {board[1]:.0f} ms "
          f"(budget 300 ms)")
    for view, files in per_view.items():
        print(f"JS + CSS of {view}: {sum(sizes.get(name, 0) for name in files) / 1024:.1f} KB (budget 150 KB)")
    print(f"JS + CSS of every view together: {total / 1024:.1f} KB in {len(sizes)} files")
    rate = sent[0] / options.seconds
    print(f"{len(leases)} agents streaming for {options.seconds} s: {sent[0]} events ({rate:.0f}/s); "
          f"the board read the issues {refreshes[0]} times; long tasks on it: {len(long_tasks)}, longest "
          f"{max(long_tasks, default=0):.0f} ms (budget: none over 50 ms)"
          + ("" if supported and observed else " — the observer did not see a 120 ms busy loop: not measured"))


if __name__ == "__main__":
    sys.exit(main())
