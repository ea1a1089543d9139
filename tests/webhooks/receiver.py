"""A real HTTP receiver on 127.0.0.1 (random port), in a thread, checking signatures the documented way."""

import http.server
import json
import threading
import time

from webhooks import signing


class Receiver:
    def __init__(self, secret: str = "", status: int = 200, delay: float = 0.0, headers: dict | None = None):
        self.secret = secret
        self.status = status
        self.delay = delay
        self.extra_headers = headers or {}
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def _handler(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                # The receiver's recipe: verify the raw body before parsing it.
                valid = signing.verify(receiver.secret, self.headers["X-Portal-Signature"], self.headers["X-Portal-Timestamp"], raw)
                with receiver._lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": raw, "valid": valid, "json": json.loads(raw)})
                time.sleep(receiver.delay)
                status = receiver.status if valid else 401
                self.send_response(status)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"receiver says no")

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
