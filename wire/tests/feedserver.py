"""A real HTTP server on 127.0.0.1 for the polling tests: feeds built in the tests,
conditional GETs answered 304, and the misbehaving servers partners sometimes are
(one that never answers, one that trickles, one that sends 50 MB, errors)."""

import contextlib
import gzip
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    """A request the server answered: what was asked, with which headers, and the status."""

    path: str
    headers: dict
    status: int = 0


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str = ""
    last_modified: str = ""
    status: int = 200
    # "plain", "hang", "trickle", "huge"
    kind: str = "plain"
    size: int = 0
    declare_length: bool = True
    extra_headers: dict = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    # Handler threads are joined on close, so no test leaves one behind.
    daemon_threads = False
    block_on_close = True

    def handle_error(self, request, client_address):
        # A client hanging up on a huge or slow answer is what the tests provoke.
        pass


class FeedServer:
    """``with FeedServer() as server: server.serve("/rss", xml); server.url("/rss")``."""

    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()  # hanging and trickling answers end now
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def serve(self, path: str, body: str | bytes, **options) -> str:
        """Serve ``body`` at ``path`` (replacing what was there); its URL."""
        if isinstance(body, str):
            body = body.encode()
        self.routes[path] = Route(body=body, **options)
        return self.url(path)

    def hang(self, path: str, seconds: float = 30) -> str:
        """Accept the connection, then say nothing for ``seconds`` (or until stopped)."""
        self.routes[path] = Route(kind="hang", size=seconds)
        return self.url(path)

    def trickle(self, path: str) -> str:
        """Answer at once, then send a byte every 50 ms, never ending."""
        self.routes[path] = Route(kind="trickle")
        return self.url(path)

    def huge(self, path: str, size: int = 50 * 1024 * 1024, *, declare_length=True) -> str:
        """A feed of ``size`` bytes, made as it is sent (nothing that big is held)."""
        self.routes[path] = Route(kind="huge", size=size, declare_length=declare_length)
        return self.url(path)

    def gzip_bomb(self, path: str, size: int) -> str:
        """A small gzip body that unpacks to ``size`` bytes."""
        body = gzip.compress(_feed_start() + b" " * size, compresslevel=9)
        self.routes[path] = Route(body=body, extra_headers={"Content-Encoding": "gzip"})
        return self.url(path)

    def requests_to(self, path: str) -> list[Seen]:
        with self._lock:
            return [each for each in self.seen if each.path == path]

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                pass

            def send_response(self, code, message=None):
                # Noted before the answer goes out: the client may look at once.
                self.seen.status = code
                super().send_response(code, message)

            def do_GET(self):
                self.seen = Seen(self.path, {k.lower(): v for k, v in self.headers.items()})
                with server._lock:
                    server.seen.append(self.seen)
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                # The client may stop reading, as it should with a huge or slow feed.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer(route)

            def _answer(self, route):
                if route.kind == "hang":
                    server.stopping.wait(route.size)
                    return
                if route.kind == "trickle":
                    self.send_response(200)
                    self.send_header("Content-Type", route.content_type)
                    self.end_headers()
                    self.wfile.write(_feed_start())
                    while not server.stopping.wait(0.05):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                    return
                if route.kind == "huge":
                    self._huge(route)
                    return
                if route.status == 200 and self._unchanged(route):
                    self.send_response(304)
                    if route.etag:
                        self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.last_modified:
                    self.send_header("Last-Modified", route.last_modified)
                for name, value in route.extra_headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(route.body)

            def _unchanged(self, route):
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    return True
                return bool(
                    route.last_modified
                    and not self.headers.get("If-None-Match")
                    and self.headers.get("If-Modified-Since") == route.last_modified
                )

            def _huge(self, route):
                self.send_response(200)
                self.send_header("Content-Type", route.content_type)
                if route.declare_length:
                    self.send_header("Content-Length", str(route.size))
                self.end_headers()
                for chunk in _huge_feed(route.size):
                    if server.stopping.is_set():
                        break
                    self.wfile.write(chunk)

        return Handler


def _feed_start() -> bytes:
    return (
        b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        b"<title>Endless</title><link>https://kstp.com/</link><description>x</description>\n"
    )


def _huge_feed(size: int):
    """``size`` bytes of RSS items, 64 KB at a time."""
    item = (
        b"<item><title>Filler</title><guid>https://kstp.com/filler</guid>"
        b"<description>" + b"words " * 150 + b"</description></item>\n"
    )
    start = _feed_start()
    yield start
    left = size - len(start)
    block = item * (64 * 1024 // len(item))
    while left > 0:
        chunk = block[:left]
        yield chunk
        left -= len(chunk)


def closed_port_url() -> str:
    """An address on this machine where nothing listens: the connection is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"
