"""What the browser flows do when a step fails: a full-page screenshot in $SCREENSHOTS and the step, then exit 1."""
import os
import sys


def report(page, step, error):
    path = os.path.join(os.environ["SCREENSHOTS"], "dashboard-failure.png")
    page.screenshot(path=path, full_page=True)
    print(f"FAILED at: {step}: {error!r} (screenshot: {path})")
    sys.exit(1)
