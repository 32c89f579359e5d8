"""`localret` runs in fresh processes without paying the interpreter's start and the heavy
libraries' imports each time (~1.8 s of a rejected run's 2.5 s).

A server process (one per test process, started on first use) imports the third-party
libraries that `localret publish` loads (the list is taken from a probe process that imports
the CLI and the stages, so it follows the code) and never imports `localret` itself. Each run
is a fork of it: the child takes the run's environment and working folder, points its
stdin at /dev/null and its stdout and stderr at files, sets `sys.argv` like the console script
and calls `localret.cli.main()` -- which imports `localret` fresh in that child (its
module-level settings, such as fault.py's, read the run's environment) and ends the process
itself with `os._exit` after its exit handlers, exactly as in a separate process. The exit
status is the kernel's (a SIGKILL is -9), the peak memory is sampled on the child's own pid,
and the child's memory holds the same libraries a separately started run holds.

What it does not give: a new interpreter (hash seed, start-up flags). Tests that compare a
run's bytes with a reference run's keep making the reference in a separate process, so that
two different hash seeds still meet; tests about start-up itself (what a no-op run imports)
keep a real subprocess."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

LOCALRET = str(Path(sys.executable).with_name("localret"))
PROBE = "import localret.cli, localret.stages, localret.pipeline"


class Finished:
    """What subprocess.run returns, plus the peak RSS (bytes, sampled) and the seconds."""

    def __init__(self, args, returncode, stdout, stderr, peak=0, seconds=0.0):
        self.args, self.returncode, self.stdout, self.stderr = args, returncode, stdout, stderr
        self.peak, self.seconds = peak, seconds


class Server:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     bufsize=0, env=dict(os.environ))
        self.buffer = b""
        ready = self.readline(600)
        assert ready == "ready", ready
        self.lock = threading.Lock()

    def readline(self, timeout: float | None = None) -> str | None:
        """The server's next line, or None when `timeout` seconds pass first (read straight from
        the pipe, so that a line already received is never left waiting in a buffer)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                raise RuntimeError("the warmrun server has gone")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()

    def run(self, args: list[str], env: dict | None = None, cwd: str | Path | None = None, timeout: float = 300,
            measure: bool = False) -> Finished:
        """Run `localret *args` in a fork; like subprocess.run(capture_output=True, text=True)."""
        with self.lock, tempfile.TemporaryDirectory(prefix="warmrun-") as tmp:
            out, err = Path(tmp) / "out", Path(tmp) / "err"
            request = {"args": [LOCALRET, *map(str, args)], "env": dict(os.environ if env is None else env),
                       "cwd": str(cwd or os.getcwd()), "out": str(out), "err": str(err)}
            started = time.perf_counter()
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
            pid = int(self.readline())
            peak, stop = [0], threading.Event()
            watcher = None
            if measure:
                watcher = threading.Thread(target=_sample, args=(pid, peak, stop), daemon=True)
                watcher.start()
            code = self.readline(timeout)
            hung = code is None
            if hung:  # not reaped yet (its exit status has not come): the pid is still the run's
                os.kill(pid, signal.SIGKILL)
                code = self.readline()
            code = int(code)
            stop.set()
            if watcher:
                watcher.join()
            seconds = time.perf_counter() - started
            result = Finished(args, code, out.read_text(encoding="utf-8", errors="replace"),
                              err.read_text(encoding="utf-8", errors="replace"), peak[0], seconds)
        if hung:
            raise subprocess.TimeoutExpired(args, timeout, result.stdout, result.stderr)
        return result


def _sample(pid: int, peak: list[int], stop: threading.Event) -> None:
    import psutil

    try:
        p = psutil.Process(pid)
        while not stop.is_set():
            peak[0] = max(peak[0], p.memory_info().rss)
            time.sleep(0.02)
    except psutil.Error:
        pass


_server: Server | None = None


def server() -> Server:
    """This test process's server (it ends when its stdin closes, i.e. with this process)."""
    global _server
    if _server is None or _server.proc.poll() is not None:
        _server = Server()
    return _server


def run(args: list[str], **kwargs) -> Finished:
    return server().run(args, **kwargs)


# --- the server side -------------------------------------------------------------------------
def _preload() -> None:
    """Import what a run imports, but localret itself: the names come from a probe process."""
    probe = subprocess.run([sys.executable, "-c", f"{PROBE}\nimport sys\nprint('\\n'.join(sys.modules))"],
                           capture_output=True, text=True, check=True)
    for name in probe.stdout.split():
        if name.split(".")[0] in ("localret", "__main__") or name in sys.modules:
            continue
        try:
            __import__(name)
        except Exception:  # a private module that only imports in its package's own order
            pass
    assert not [m for m in sys.modules if m.split(".")[0] == "localret"], "the server must not import localret"
    assert threading.active_count() == 1, "no threads before fork"


def _child(request: dict) -> None:
    """In the fork: become the run, then let localret.cli.main end the process."""
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open(request["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        for fd, target in ((null, 0), (out, 1), (err, 2)):
            os.dup2(fd, target)
            os.close(fd)
        sys.argv = list(request["args"])
        from localret.cli import main

        main()  # ends with os._exit
    except BaseException:
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
    finally:
        os._exit(1)


def _serve() -> None:
    sys.path[0] = str(Path(LOCALRET).parent)  # as for the console script, not this folder
    _preload()
    reply = sys.stdout
    reply.write("ready\n")
    reply.flush()
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(request)
        reply.write(f"{pid}\n")
        reply.flush()
        _, status = os.waitpid(pid, 0)
        reply.write(f"{os.waitstatus_to_exitcode(status)}\n")
        reply.flush()


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    _serve()
