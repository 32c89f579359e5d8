"""(c) Orchestration overhead of Prefect, on the bundled sample. Every measurement is a fresh
process (cold imports) on a fresh output folder, with a benchmark-only PREFECT_HOME whose
database is migrated once beforehand (not measured):

  ephemeral : cold `localret publish` (Prefect, ephemeral server)  vs
              (trivial 3-task flow, cold) + (`localret publish --no-prefect`) + 1 s
  server    : `prefect server start` on 127.0.0.1 (started here, /api/health polled, stopped
              after): `localret publish` <= 2 x `--no-prefect`
  no change : a second run on the same output <= 1.2 x the trivial flow (same mode)

Each figure is the median of three runs (`--repeat`; one with `--quick`).

    python -m benchmarks.orchestration [--repeat N] [--no-server]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path

from benchmarks.common import AS_OF, BIN, PYTHON, ROOT, WORK, Target, env, fresh_dir, run

SAMPLE = ROOT / "datasets" / "sample"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bench:
    def __init__(self, repeat: int):
        self.repeat = repeat
        self.home = WORK / "prefect-home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.api_url: str | None = None

    def env(self) -> dict:
        extra = {"PREFECT_HOME": str(self.home)}
        e = env(**extra)
        e.pop("PREFECT_API_URL", None)
        if self.api_url:
            e["PREFECT_API_URL"] = self.api_url
        return e

    def trivial(self) -> float:
        m = run([PYTHON, "-m", "benchmarks.trivial_flow"], cwd=ROOT, environ=self.env(), timeout=600)
        if m.returncode:
            raise RuntimeError(f"trivial flow failed: {m.stderr[-1500:]}")
        return m.wall

    def publish(self, out_dir: Path, prefect: bool) -> tuple[float, str]:
        cmd = [str(BIN / "localret"), "publish", "--sources", str(SAMPLE), "--out", str(out_dir / "public"),
               "--state", str(out_dir / "state"), "--as-of", AS_OF]
        if not prefect:
            cmd.append("--no-prefect")
        m = run(cmd, cwd=out_dir, environ=self.env(), timeout=900)
        if m.returncode:
            raise RuntimeError(f"publish failed ({m.returncode}): {(m.stderr or m.stdout)[-1500:]}")
        return m.wall, m.stdout

    def median(self, fn) -> float:
        return statistics.median(fn() for _ in range(self.repeat))

    def fresh_publish(self, name: str, prefect: bool) -> float:
        return self.median(lambda: self.publish(fresh_dir(name), prefect)[0])

    def second_publish(self, name: str, prefect: bool) -> float:
        d = fresh_dir(name)
        self.publish(d, prefect)  # the first run (not measured)
        times = []
        for _ in range(self.repeat):
            wall, out = self.publish(d, prefect)
            assert "PUBLICAT" not in out, "a no-change run published something"
            times.append(wall)
        return statistics.median(times)


def start_server(b: Bench) -> tuple[subprocess.Popen, float]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    log = (WORK / "prefect-server.log").open("w")
    started = time.perf_counter()
    proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=b.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    while time.perf_counter() - started < 180:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited with {proc.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    b.api_url = url
                    return proc, time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(proc)
    raise RuntimeError("prefect server did not become healthy in 180 s")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGINT to the server's own process group (the one started above), then SIGKILL."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> list[Target]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.orchestration", description=__doc__.splitlines()[0])
    # Each run starts Prefect (and, ephemeral, its temporary server) in a fresh process: one run
    # can be seconds off on a shared machine (a no-change run measured 1.52x once, 0.94x as the
    # median of three), so each figure is the median of three runs.
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median; default 3)")
    parser.add_argument("--no-server", action="store_true", help="skip the runs against `prefect server start`")
    parser.add_argument("--no-ephemeral", action="store_true", help="skip the runs against the ephemeral server")
    parser.add_argument("--quick", action="store_true", help="one run per measurement")
    args = parser.parse_args(argv)
    b = Bench(1 if args.quick else args.repeat)
    print("orchestration: Prefect overhead on the sample (fresh processes)")
    warm = b.trivial()  # migrates the benchmark PREFECT_HOME database; not compared
    print(f"  warm-up trivial flow (migrates the database, not compared): {warm:.1f} s", flush=True)
    bare = b.fresh_publish("orch-bare", prefect=False)
    print(f"  localret publish --no-prefect           : {bare:6.1f} s", flush=True)
    targets = []
    if not args.no_ephemeral:
        triv_e = b.median(b.trivial)
        pe = b.fresh_publish("orch-ephemeral", prefect=True)
        pe2 = b.second_publish("orch-ephemeral-2", prefect=True)
        budget = triv_e + bare + 1
        print(f"  trivial 3-task flow, ephemeral          : {triv_e:6.1f} s")
        print(f"  localret publish (ephemeral)            : {pe:6.1f} s   budget trivial+bare+1 = {budget:.1f} s "
              f"-> overhead over bare {pe - bare:+.1f} s, ratio to budget {pe / budget:.2f}")
        print(f"  second run, no change (ephemeral)       : {pe2:6.1f} s   = {pe2 / triv_e:.2f}x trivial flow", flush=True)
        targets += [
            Target("c. publish, ephemeral Prefect", "<= trivial flow + bare + 1 s", f"{pe:.1f} s vs {budget:.1f} s ({pe / budget:.2f}x)", pe <= budget),
            Target("c. no-change run, ephemeral", "<= 1.2x trivial flow", f"{pe2:.1f} s vs {triv_e:.1f} s ({pe2 / triv_e:.2f}x)", pe2 <= 1.2 * triv_e),
        ]
    if not args.no_server:
        server, ready = start_server(b)
        try:
            print(f"  prefect server start: healthy after {ready:.1f} s at {b.api_url}", flush=True)
            triv_s = b.median(b.trivial)
            ps = b.fresh_publish("orch-server", prefect=True)
            ps2 = b.second_publish("orch-server-2", prefect=True)
        finally:
            stop_server(server)
            b.api_url = None
        print(f"  trivial 3-task flow, server             : {triv_s:6.1f} s")
        print(f"  localret publish (server)               : {ps:6.1f} s   = {ps / bare:.2f}x bare")
        print(f"  second run, no change (server)          : {ps2:6.1f} s   = {ps2 / triv_s:.2f}x trivial flow")
        targets += [
            Target("c. publish with a running server", "<= 2x bare stages", f"{ps:.1f} s vs {bare:.1f} s ({ps / bare:.2f}x)", ps <= 2 * bare),
            Target("c. no-change run, server", "<= 1.2x trivial flow", f"{ps2:.1f} s vs {triv_s:.1f} s ({ps2 / triv_s:.2f}x)", ps2 <= 1.2 * triv_s),
        ]
    return targets


if __name__ == "__main__":
    main()
