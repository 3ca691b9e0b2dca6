"""The dashboard in a real browser (Debian's Chromium, driven by Playwright), against a running `turbocode serve`.

Environment: TURBOCODE_URL, ADMIN_TOKEN, AGENT_TOKEN, CHROMIUM (the browser's executable), SCREENSHOTS (a
directory for a screenshot when a step fails). The repository has SHOP-1 ready, titled with a <script> tag.
Exits 0 when every step held; prints the failed step otherwise.
"""
import json
import os
import pathlib
import subprocess
import urllib.request

from playwright.sync_api import expect, sync_playwright

import failure

URL = os.environ["TURBOCODE_URL"]
ADMIN = os.environ["ADMIN_TOKEN"]
AGENT = os.environ["AGENT_TOKEN"]


def api(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        URL + path, method=method, data=data,
        headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else None


def blocked(key, reason):
    """Claims the next issue for the agent `bot` (an admin names it) and reports it blocked with `reason`."""
    claimed = api("POST", "/api/v1/queue/claim", {"agent": "bot"})
    assert claimed["issue"]["key"] == key, claimed
    api("POST", f"/api/v1/issues/{key}/blocked", {"reason": reason})


def main():
    blocked("SHOP-1", "which <b>database</b>?")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ["CHROMIUM"], args=["--no-sandbox"])
        page = browser.new_page()
        dialogs, problems = [], []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        # Script errors and the policy's refusals (a refused sign-in's 401 is logged too, and is expected).
        page.on(
            "console",
            lambda message: problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        step = "start"
        try:
            step = "without a session the sign-in page is shown"
            page.goto(URL + "/")
            expect(page).to_have_url(URL + "/login")
            response = page.request.get(URL + "/")
            assert "Content-Security-Policy" in response.headers or "content-security-policy" in response.headers


            step = "an unknown token is refused"
            page.fill("#token", "tc_admin_not-a-token")
            page.click("button[type=submit]")
            expect(page.locator(".error")).to_have_text("Unknown or revoked token.")


            step = "an agent token cannot sign in"
            page.fill("#token", AGENT)
            page.click("button[type=submit]")
            expect(page.locator(".error")).to_contain_text("Agent tokens cannot sign in")


            step = "the admin token signs in to the inbox"
            page.fill("#token", ADMIN)
            page.click("button[type=submit]")
            expect(page).to_have_url(URL + "/")
            cookie = next(c for c in page.context.cookies() if c["name"] == "turbocode_session")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict", cookie


            step = "the agent's question is in the inbox, its <script> title shown as text"
            item = page.locator('li.item[data-subject="SHOP-1"]')
            expect(item).to_have_attribute("data-kind", "agent_blocked")
            expect(item.locator(".what")).to_have_text("<script>alert(1)</script>: which <b>database</b>?")
            expect(page.locator("#decision h2")).to_have_text("Needs a decision")
            expect(page.locator("#live")).to_have_text("live")
            expect(page.locator("#pulse")).to_have_text("1 ready · 0 in progress · 0 being verified · 0 in review")


            step = "a new question appears without a reload"
            blocked("SHOP-2", "ship it behind a flag?")
            expect(page.locator('li.item[data-subject="SHOP-2"]')).to_have_attribute(
                "data-kind", "agent_blocked", timeout=15_000)
            expect(page.locator("#summary")).to_have_text("Inbox — 0 broke, 2 need a decision")
            item = page.locator('li.item[data-subject="SHOP-1"]')


            step = "answering the agent and making the issue ready, from the inbox"
            item.locator('button[data-action="comment"]').click()
            item.locator("textarea").fill("Use <Postgres>, the users table is there.")
            item.locator('form.ask button[type="submit"]').click()
            comments = api("GET", "/api/v1/issues/SHOP-1/comments")
            deadline = 50
            while not any(c["body"] == "Use <Postgres>, the users table is there." for c in comments) and deadline:
                page.wait_for_timeout(100)
                comments = api("GET", "/api/v1/issues/SHOP-1/comments")
                deadline -= 1
            assert deadline, comments
            item.locator('button[data-action="make_ready"]').click()
            expect(page.locator('li.item[data-subject="SHOP-1"]')).to_have_count(0)
            assert api("GET", "/api/v1/issues/SHOP-1")["status"] == "ready"


            step = "the board: SHOP-1 under Ready with its title as text, SHOP-2 under Open"
            page.click("nav >> text=Board")
            expect(page).to_have_url(URL + "/board")
            ready = page.locator('section.column[data-status="ready"]')
            expect(ready.locator('li.card[data-key="SHOP-1"] .title')).to_have_text("<script>alert(1)</script>")
            expect(ready.locator("h2")).to_have_text("Ready (1)")
            expect(page.locator('section.column[data-status="open"] li.card[data-key="SHOP-2"]')).to_have_count(1)


            step = "the board's filter, kept in the address, and the keyboard"
            page.keyboard.press("/")
            page.keyboard.type("second")
            expect(page.locator("li.card")).to_have_count(1)
            expect(page).to_have_url(URL + "/board?q=second")
            page.keyboard.press("Escape")
            page.keyboard.press("j")
            expect(page.locator('li.card[data-key="SHOP-2"]')).to_be_focused()


            step = "Enter opens the issue's page: its question, its session, its dependencies"
            page.keyboard.press("Enter")
            expect(page).to_have_url(URL + "/issues/SHOP-2")
            expect(page.locator("#summary")).to_have_text("SHOP-2: Second")
            expect(page.locator("#comments .body")).to_have_text(["Blocked: ship it behind a flag?"])
            expect(page.locator("#sessions tbody tr td").nth(1)).to_have_text("ai:bot")
            expect(page.locator("#dependencies")).to_have_text("None.")
            page.go_back()
            expect(page).to_have_url(URL + "/board?q=second")


            step = "the queue: SHOP-1 eligible with its score parts"
            page.click("nav >> text=Queue")
            expect(page.locator('#eligible tr[data-key="SHOP-1"] td').nth(2)).to_have_text("<script>alert(1)</script>")
            expect(page.locator("#summary")).to_have_text("Queue — 1 eligible, 0 waiting")


            step = "the dependency graph: SHOP-1 ready, then a blocker of SHOP-2, drawn live"
            expect(page.locator('#graph a[data-key="SHOP-1"]')).to_have_attribute("data-state", "ready")
            api("POST", "/api/v1/issues/SHOP-2/dependencies", {"blocker": "SHOP-1"})
            expect(page.locator('#graph a[data-key="SHOP-2"]')).to_have_attribute("data-state", "blocked")
            expect(page.locator('#graph path.edge.holding[data-blocker="SHOP-1"][data-blocked="SHOP-2"]')).to_have_count(1)
            expect(page.locator('#graph a[data-key="SHOP-1"] text.title')).to_have_text("<script>alert(1)</script>")
            expect(page.locator("#graph-title")).to_have_text("Dependencies — 2 issues, 1 still holding")
            page.click('#graph a[data-key="SHOP-2"]')
            expect(page).to_have_url(URL + "/issues/SHOP-2")
            expect(page.locator("#dependencies a")).to_have_text(["SHOP-1"])
            page.go_back()


            step = "the timeline: the newest events, filtered, with a new one live"
            page.click("nav >> text=Timeline")
            page.fill("#filter", "issue.blocked")
            expect(page.locator('#events tr[data-type="issue.blocked"]')).to_have_count(2)
            # An endpoint nobody answers (a private address, allowed): its delivery is shown failing, with retries.
            api("POST", "/api/v1/webhooks",
                {"url": "http://127.0.0.1:9/hook", "events": ["comment.added"], "allow_private": True})
            api("POST", "/api/v1/issues/SHOP-1/comments", {"body": "noted"})
            delivery = page.locator('#deliveries tr[data-event="comment.added"]')
            expect(delivery).to_have_count(1, timeout=15_000)
            expect(delivery.locator("td").nth(3)).not_to_have_text("0", timeout=15_000)  # attempts
            expect(page.locator("#deliveries-title")).to_have_text("Webhook deliveries (1 endpoint)")
            page.fill("#filter", "comment.added")
            expect(page.locator('#events tr[data-type="comment.added"]')).to_have_count(4)  # two reports, the answer, "noted"
            expect(page).to_have_url(URL + "/timeline?q=comment.added")


            step = "the metrics: the figures of the window and a bar per day"
            page.click("nav >> text=Metrics")
            expect(page.locator('.figure[data-label="Issues closed"] .value')).to_have_text("0")
            page.select_option("#since", "30d")
            expect(page).to_have_url(URL + "/stats?since=30d")
            expect(page.locator("#closed rect.bar")).to_have_count(31, timeout=10_000)  # the 31 dates of 30 days
            expect(page.locator("#tokens rect.bar")).to_have_count(31)
            expect(page.locator("#cost rect.bar")).to_have_count(31)
            page.go_back()


            step = "the back button goes back through the views"
            page.go_back()
            expect(page).to_have_url(URL + "/queue")
            page.go_back()
            page.go_back()
            expect(page).to_have_url(URL + "/")
            expect(page.locator("#summary")).to_contain_text("Inbox")


            step = "work submitted again waits for review, on the inbox and the merge queue page"
            claimed = api("POST", "/api/v1/queue/claim", {"agent": "bot"})
            assert claimed["issue"]["key"] == "SHOP-1", claimed
            worktree = claimed["worktree"]
            pathlib.Path(worktree, "notes.md").write_text("Postgres it is.\n")
            identity = ["-c", "user.name=bot", "-c", "user.email=bot@example.invalid"]
            subprocess.run(["git", "-C", worktree, "add", "notes.md"], check=True)
            subprocess.run(["git", "-C", worktree, *identity, "commit", "-q", "-m", "SHOP-1: notes"], check=True)
            api("POST", "/api/v1/issues/SHOP-1/submit", {})
            waiting = page.locator('li.item[data-subject="SHOP-1"][data-kind="review_waiting"]')
            expect(waiting).to_have_count(1, timeout=20_000)
            page.click("nav >> text=Merge queue")
            expect(page.locator('#reviewing tr[data-key="SHOP-1"]')).to_have_count(1)
            expect(page.locator("#merging-empty")).to_be_visible()
            expect(page.locator("#step")).to_have_text("Nothing is being merged right now.")
            page.go_back()


            step = "the diff review: the branch's new file, a line comment, side by side"
            page.click("nav >> text=Review")
            expect(page).to_have_url(URL + "/review/SHOP-1")
            expect(page.locator('#queue li[data-key="SHOP-1"]')).to_have_count(1)
            expect(page.locator("#evidence")).to_have_attribute("data-passed", "true")
            section = page.locator('section.file[data-path="notes.md"]')
            expect(section.locator("h3")).to_have_text("notes.md (added, +1 −0)")
            expect(section.locator("td.text.added")).to_have_text(["+Postgres it is."])
            section.locator('td.number button[data-side="new"][data-line="1"]').click()
            section.locator("tr.line-comment textarea").fill("Say which <version>.")
            section.locator('tr.line-comment button[type="submit"]').click()
            expect(page.locator("#pending")).to_have_text("1 line comment to send")
            page.keyboard.press("v")
            expect(page).to_have_url(URL + "/review/SHOP-1?view=split")
            expect(section.locator("table.diff.split")).to_have_count(1)
            expect(section.locator("tr.line-comment .body")).to_have_text("Say which <version>.")


            step = "changes requested with the line comment: the agent reads it, fixes, submits again"
            page.fill("#comment", "One fix.")
            page.click("#request")
            expect(page).to_have_url(URL + "/review")
            expect(page.locator("#summary")).to_have_text("Nothing waits for review.")
            agent_comments = json.loads(urllib.request.urlopen(urllib.request.Request(
                URL + "/api/v1/issues/SHOP-1/comments", headers={"Authorization": f"Bearer {AGENT}"})).read())
            sent = agent_comments[-1]["body"]
            assert sent == ("Changes requested: One fix.\n\nLine comments:\n"
                            "- notes.md:1 `+Postgres it is.`: Say which <version>."), sent
            claimed = api("POST", "/api/v1/queue/claim", {"agent": "bot"})
            assert claimed["issue"]["key"] == "SHOP-1" and claimed["worktree"] == worktree, claimed
            pathlib.Path(worktree, "notes.md").write_text("Postgres 15 it is.\n")
            subprocess.run(["git", "-C", worktree, *identity, "commit", "-q", "-am", "SHOP-1: the version"], check=True)
            api("POST", "/api/v1/issues/SHOP-1/submit", {})
            page.goto(URL + "/")
            expect(waiting).to_have_count(1, timeout=20_000)


            step = "approved from the inbox, merged by the merge queue, closed on the board, all live"
            waiting.locator('button[data-action="approve"]').click()
            expect(page.locator('li.item[data-subject="SHOP-1"]')).to_have_count(0, timeout=20_000)
            page.click("nav >> text=Board")
            closed = page.locator('section.column[data-status="closed"] li.card[data-key="SHOP-1"]')
            expect(closed).to_have_count(1, timeout=20_000)
            issue = api("GET", "/api/v1/issues/SHOP-1")
            assert issue["closed_reason"] == "merged", issue


            step = "a change made with the session alone is refused without the dashboard's header"
            refused = page.request.post(URL + "/api/v1/issues", data={"title": "forged"})
            assert refused.status == 403, refused.status


            step = "signing out ends the session"
            page.click("text=Sign out")
            expect(page).to_have_url(URL + "/login")
            assert page.request.get(URL + "/api/v1/attention").ok  # reads stay open on loopback
            page.goto(URL + "/")
            expect(page).to_have_url(URL + "/login")


            step = "no script ran from the page's data and the policy blocked nothing the page needs"
            assert not dialogs, dialogs
            assert not problems, problems
        except Exception as error:  # noqa: BLE001 - reported with the step and a screenshot
            failure.report(page, step, error)
        finally:
            browser.close()
    print("ok")


if __name__ == "__main__":
    main()
