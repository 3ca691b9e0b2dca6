"""A webhook receiver for the tests, and an independent signature check.

    receiver.py serve --port-file FILE --log FILE [--fail-first N] [--fail-status 500] [--delay SECONDS]
    receiver.py verify --log FILE --secret whsec_...

`serve` listens on 127.0.0.1 (a free port, written to --port-file), answers the first N POSTs with --fail-status
and the rest with 204 (each after --delay seconds), and appends every request to --log as one JSON line (headers, body). `verify` checks every
logged request with the reference implementation (`standardwebhooks`) and prints how many passed.
"""

import argparse
import os
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(options):
    lock = threading.Lock()
    state = {"seen": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with lock:
                state["seen"] += 1
                failing = state["seen"] <= options.fail_first
                with open(options.log, "a") as log:
                    log.write(json.dumps({
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body.decode(), "answered": options.fail_status if failing else 204,
                    }) + "\n")
            if options.delay:
                time.sleep(options.delay)
            self.send_response(options.fail_status if failing else 204)
            if failing and options.location:
                self.send_header("Location", options.location)
            self.end_headers()

        def log_message(self, *arguments):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # Written whole or not at all: a reader polling for the file must never see it empty or half written.
    partial = options.port_file + ".partial"
    with open(partial, "w") as handle:
        handle.write(str(server.server_address[1]))
    os.replace(partial, options.port_file)
    server.serve_forever()


def verify(options):
    from standardwebhooks.webhooks import Webhook
    webhook = Webhook(options.secret)
    count = 0
    with open(options.log) as log:
        for line in log:
            request = json.loads(line)
            headers = request["headers"]
            webhook.verify(request["body"].encode(), {
                "webhook-id": headers["webhook-id"], "webhook-timestamp": headers["webhook-timestamp"],
                "webhook-signature": headers["webhook-signature"],
            })
            count += 1
    print(count)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["serve", "verify"])
    parser.add_argument("--port-file")
    parser.add_argument("--log", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--fail-status", type=int, default=500)
    parser.add_argument("--delay", type=float, default=0, help="seconds to wait before answering (a slow endpoint)")
    parser.add_argument("--secret")
    parser.add_argument("--location", help="a Location header for the failing answers (redirect tests)")
    options = parser.parse_args()
    if options.mode == "serve":
        serve(options)
    else:
        verify(options)


if __name__ == "__main__":
    sys.exit(main())
