"""Fixtures of the operations-engine tests: a webhook receiver on 127.0.0.1, the SMS file backend, loopback
allowed as a webhook destination, and on-commit callbacks that really run (the test transaction never
commits, so ``commits`` stands in for the commit of the caller's transaction)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Receiver:
    """A partner's webhook endpoint: records every request; answers the scripted codes, then 200."""

    def __init__(self):
        self.requests: list[dict] = []
        self.codes: list[int] = []
        self.url = ""

    def bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def receiver():
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            rec.requests.append({"path": self.path, "body": body,
                                 "headers": {k.lower(): v for k, v in self.headers.items()}})
            code = rec.codes.pop(0) if rec.codes else 200
            answer = b"x" * 5000 if code >= 500 else b"ok"
            self.send_response(code)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/yidi?source=test"
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture
def loopback_allowed(settings):
    """pytest-django runs with DEBUG off, so loopback is allowed only by naming it."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def sms_file(settings, tmp_path):
    path = tmp_path / "sms.jsonl"
    settings.YIDI_SMS_BACKEND = "file"
    settings.YIDI_SMS_FILE = str(path)

    class File:
        def lines(self) -> list[dict]:
            if not path.exists():
                return []
            return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    return File()


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """``with commits(): ...`` runs the on-commit callbacks registered inside (and those they register)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
