"""A local stand-in for the Slack Web API: records every call, answers like Slack does."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class FakeSlack:
    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.rate_limit_next: set[str] = set()  # methods that answer 429 once
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length).decode()
                if "json" in (self.headers.get("content-type") or ""):
                    payload = json.loads(raw or "{}")
                else:
                    payload = {k: v[0] for k, v in parse_qs(raw).items()}
                method = self.path.rsplit("/", 1)[-1]
                with fake.lock:
                    if method in fake.rate_limit_next:
                        fake.rate_limit_next.discard(method)
                        fake.calls.append((method + ":429", payload))
                        self.send_response(429)
                        self.send_header("Retry-After", "1")
                        self.send_header("content-type", "application/json")
                        self.end_headers()
                        self.wfile.write(b'{"ok": false, "error": "ratelimited"}')
                        return
                    fake.calls.append((method, payload))
                body = {"ok": True}
                if method == "chat.postMessage":
                    body.update(ts=f"{time.time():.6f}", channel=payload.get("channel"))
                elif method == "auth.test":
                    body.update(user_id="UBOT", bot_id="BBOT", team_id="T1", url="https://fake.slack/")
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of(self, method: str) -> list[dict]:
        with self.lock:
            return [p for m, p in self.calls if m == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 120, where=None) -> list[dict]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [p for p in self.of(method) if where is None or where(p)]
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{method} x{count} not seen; calls: {[m for m, _ in self.calls]}")

    def close(self):
        self.server.shutdown()
