"""The live run and the fleet in a real browser, against `turbocode up` with one agent working slowly.

Environment: TURBOCODE_URL, ADMIN_TOKEN, CHROMIUM, SCREENSHOTS. SHOP-1 is being worked by agent `solo`, a fake Claude
Code that prints a line a second for a while before doing its work; SHOP-2 comes next and fails its verification with
no retries left. Exits 0 when every step held.
"""
import os

from playwright.sync_api import expect, sync_playwright

import failure

URL = os.environ["TURBOCODE_URL"]


def main():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ["CHROMIUM"], args=["--no-sandbox"])
        page = browser.new_page()
        problems = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        step = "start"
        try:
            step = "sign in"
            page.goto(URL + "/login")
            page.fill("#token", os.environ["ADMIN_TOKEN"])
            page.click("button[type=submit]")
            expect(page).to_have_url(URL + "/")

            step = "the fleet: solo works on SHOP-1 under a lease with a heartbeat"
            page.click("nav >> text=Fleet")
            agent = page.locator('#agents tr[data-key="solo"]')
            expect(agent).to_have_attribute("data-state", "working", timeout=20_000)
            expect(agent.locator("a")).to_have_text(["SHOP-1"])
            expect(agent.locator(".quiet")).to_contain_text("quiet")
            expect(page.locator("#summary")).to_have_text("Fleet — 1 agent, 1 of 1 slots working")
            expect(page.locator('#leases tr[data-key="SHOP-1"] td').nth(1)).to_have_text("solo")

            step = "the board: the card shows its heartbeat's age"
            page.click("nav >> text=Board")
            expect(page.locator('li.card[data-key="SHOP-1"] .heartbeat')).to_contain_text("heartbeat")

            step = "the issue page follows the agent's stream as it happens"
            page.goto(URL + "/issues/SHOP-1")
            expect(page.locator("#run-state")).to_have_attribute("data-live", "true", timeout=10_000)
            expect(page.locator("#run-state")).to_contain_text("solo, lease epoch 1")
            texts = page.locator('#run li[data-kind="text"]')
            expect(texts.first).to_be_visible(timeout=10_000)
            seen = texts.count()
            # More lines arrive while the page is open, without a reload (the page's policy forbids evaluating
            # script, so the test waits for the next element instead).
            expect(texts.nth(seen)).to_be_visible(timeout=15_000)

            step = "the run ends with its tool calls, its usage and its result"
            expect(page.locator("#run-state")).to_have_attribute("data-live", "false", timeout=90_000)
            expect(page.locator('#run li[data-kind="tool_call"]').first).to_be_visible()
            expect(page.locator('#run li[data-kind="finished"]')).to_have_count(1)
            expect(page.locator('#events tr[data-type="issue.testing"]')).to_have_count(1, timeout=20_000)

            step = "the inbox after SHOP-2's verification failed with no retries left: broke, with its actions"
            page.goto(URL + "/")
            failed = page.locator('li.item[data-subject="SHOP-2"]')
            expect(failed).to_have_attribute("data-kind", "verification_failed", timeout=60_000)
            expect(failed.locator(".what")).to_contain_text("verification failed 1 time, retries used up")
            expect(page.locator("#broken h2")).to_be_visible()
            expect(failed.locator('button[data-action="request_changes"]')).to_have_count(1)

            step = "the failed check's log, on the issue page and beside the diff"
            page.goto(URL + "/issues/SHOP-2")
            log = page.locator("#checks details.check-log")
            expect(log).to_have_count(1)
            log.locator("summary").click()
            expect(log.locator("pre")).to_contain_text("BROKEN: a test fails until this line goes.")
            page.goto(URL + "/review/SHOP-2")
            expect(page.locator("#evidence")).to_have_attribute("data-passed", "false")
            expect(page.locator("#evidence pre.log")).to_contain_text("BROKEN")

            step = "the metrics: the agent's tokens and cost, charted"
            page.goto(URL + "/stats")
            expect(page.locator('#per-agent g[data-agent="solo"] text').nth(1)).to_contain_text("tokens · $")
            expect(page.locator('#agents tbody tr[data-agent="solo"]')).to_have_count(1)
            assert not problems, problems
        except Exception as error:  # noqa: BLE001 - reported with the step and a screenshot
            failure.report(page, step, error)
        finally:
            browser.close()
    print("ok")


if __name__ == "__main__":
    main()
