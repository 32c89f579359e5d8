"""A static file server on 127.0.0.1 that answers HTTP range requests and counts the bytes it sends.

Python's http.server answers every GET whole, and DuckDB-WASM and hyparquet read a Parquet
file partially only from a host that answers `Range` with 206 (a HEAD with `Range` included).
The browser tests and the explorer benchmark serve a published <out> with this server and read
its log to assert how many bytes each page moved.
"""

from __future__ import annotations

import functools
import http.server
import mimetypes
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

mimetypes.add_type("application/wasm", ".wasm")
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("application/vnd.apache.parquet", ".parquet")

RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


@dataclass
class Served:
    method: str
    path: str
    status: int
    sent: int
    range: str | None


@dataclass
class Log:
    entries: list[Served] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, entry: Served) -> None:
        with self.lock:
            self.entries.append(entry)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def bytes_sent(self, suffix: str = "") -> int:
        with self.lock:
            return sum(e.sent for e in self.entries if e.path.split("?")[0].endswith(suffix))

    def requests(self, suffix: str = "") -> list[Served]:
        with self.lock:
            return [e for e in self.entries if e.path.split("?")[0].endswith(suffix)]


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    log: Log

    def __init__(self, *args, log: Log, **kwargs):
        self.log = log
        super().__init__(*args, **kwargs)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def end_headers(self):
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def do_HEAD(self):
        self._serve(body=False)

    def do_GET(self):
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().do_GET() if body else super().do_HEAD()
            path = path / "index.html"
        if not path.is_file():
            self.send_error(404)
            self.log.add(Served(self.command, self.path, 404, 0, None))
            return
        size = path.stat().st_size
        wanted = self.headers.get("Range")
        start, end, status = 0, size - 1, 200
        if wanted:
            match = RANGE.match(wanted.strip())
            if not match or (match.group(1) == "" and match.group(2) == ""):
                self.send_error(416)
                return
            if match.group(1) == "":  # the last N bytes
                start, end = max(0, size - int(match.group(2))), size - 1
            else:
                start = int(match.group(1))
                end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
            if start >= size or start > end:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.log.add(Served(self.command, self.path, 416, 0, wanted))
                return
            status = 206
        length = end - start + 1
        self.send_response(status)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Length", str(length))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        sent = 0
        if body:
            with path.open("rb") as fh:
                fh.seek(start)
                remaining = length
                while remaining > 0:
                    chunk = fh.read(min(1 << 20, remaining))
                    if not chunk:
                        break
                    try:
                        self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        break
                    sent += len(chunk)
                    remaining -= len(chunk)
        self.log.add(Served(self.command, self.path, status, sent, wanted))


class RangeServer:
    """serve(folder) on 127.0.0.1 (port 0: any free one) in a thread; a context manager."""

    def __init__(self, folder: Path, port: int = 0):
        self.log = Log()
        handler = functools.partial(RangeHandler, directory=os.fspath(folder), log=self.log)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "RangeServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
