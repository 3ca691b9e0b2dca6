#!/usr/bin/env python3
"""Screenshots of the dashboard for docs/dashboard.md: runs `turbocode demo --dashboard` (a finished run of the demo,
its server kept up), signs in with its admin token in Debian's Chromium through Playwright, and saves each view as
docs/images/dashboard-<view>.png.

    swift build --product turbocode --product fake-agent   # or scripts/demo.sh once
    .venv/bin/python scripts/dashboard-screenshots.py
"""
import os
import pathlib
import shutil
import subprocess
import tempfile

from playwright.sync_api import sync_playwright

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="turbocode-shots-"))
    demo = subprocess.Popen(
        [str(ROOT / ".build/debug/turbocode"), "demo", "--dashboard", "--port", "0", "--directory", str(scratch)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = None
        for line in demo.stdout:
            if line.startswith("Dashboard: "):
                url = line.split()[1].rstrip("/")
                break
        if url is None:
            raise SystemExit("the demo ended without serving the dashboard")
        token = (scratch / "shop/.turbocode/admin-token").read_text().strip()
        chromium = shutil.which("chromium")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 800})
            page.goto(url + "/login")
            page.screenshot(path=str(ROOT / "docs/images/dashboard-login.png"))
            page.fill("#token", token)
            page.click("button[type=submit]")
            page.wait_for_url(url + "/")
            # Each view; the queue and an issue's page whole (the dependency graph and the events are below).
            for view, name, whole in [
                ("", "inbox", False), ("board", "board", False), ("queue", "queue", True), ("review", "review", False),
                ("merge", "merge", False), ("fleet", "fleet", False), ("issues/SHOP-3", "issue", True),
                ("timeline", "timeline", False), ("stats", "stats", False),
            ]:
                page.goto(f"{url}/{view}")
                page.wait_for_selector("#live.on")
                if view == "queue":
                    # The run is over and every issue closed: the graph of the demo with its closed issues.
                    page.check("#all-closed")
                    page.wait_for_selector("#graph a[data-key]")
                page.wait_for_timeout(500)
                page.screenshot(path=str(ROOT / f"docs/images/dashboard-{name}.png"), full_page=whole)
                print(f"docs/images/dashboard-{name}.png")
            browser.close()
    finally:
        demo.terminate()
        demo.wait()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
