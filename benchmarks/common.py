"""Shared helpers: where benchmark data lives, synthetic sources (cached), subprocess
measurement (wall time and peak RSS of the whole process tree) and result rows."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
WORK = Path(os.environ.get("LOCALRET_BENCH_DIR", "/tmp/localret-bench"))
SEED = 1997
AS_OF = "2026-11-27"
# Offline and quiet Prefect in every child (docs/PREFECT.md).
QUIET = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
         "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180", "PREFECT_LOGGING_TO_API_ENABLED": "false",
         "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false", "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_UI_ENABLED": "false"}


@dataclass
class Target:
    """One line of the final table."""

    name: str
    target: str
    measured: str
    met: bool | None  # None: not measured in this run

    def row(self) -> str:
        met = {True: "yes", False: "NO", None: "n/a"}[self.met]
        return f"| {self.name} | {self.target} | {self.measured} | {met} |"


@dataclass
class Measure:
    wall: float
    peak_rss: int  # bytes, whole process tree
    returncode: int
    stdout: str = ""
    stderr: str = ""
    killed: str | None = None  # why run() stopped it (timeout, memory cap)
    extra: dict = field(default_factory=dict)

    @property
    def rss_mib(self) -> float:
        return self.peak_rss / 2**20


def env(**extra: str) -> dict:
    e = dict(os.environ)
    e.update(QUIET)
    e["PYTHONUNBUFFERED"] = "1"
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [e.get("PYTHONPATH")])])  # `-m benchmarks.x` from anywhere
    e.update(extra)
    return e


def run(cmd: list[str], *, cwd: Path | None = None, environ: dict | None = None, timeout: float | None = None,
        poll: float = 0.05, max_rss: int | None = None) -> Measure:
    """Run `cmd` in a fresh process; wall time and the peak of the summed RSS of it and
    its descendants (sampled every `poll` s). `max_rss` (bytes) kills it beyond that, so a
    run that is far over its memory target cannot take the shared machine down with it."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=environ or env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    out: list[str] = []
    err: list[str] = []
    readers = [threading.Thread(target=lambda s, b: b.extend(s), args=(proc.stdout, out), daemon=True),
               threading.Thread(target=lambda s, b: b.extend(s), args=(proc.stderr, err), daemon=True)]
    for t in readers:
        t.start()
    try:
        root = psutil.Process(proc.pid)
    except psutil.NoSuchProcess:
        root = None
    deadline = started + timeout if timeout else None
    killed = None
    while proc.poll() is None:
        total = 0
        try:
            for p in [root, *root.children(recursive=True)] if root else []:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        peak = max(peak, total)
        if deadline and time.perf_counter() > deadline:
            killed = f"timeout after {timeout:.0f} s"
        elif max_rss and total > max_rss:
            killed = f"killed above {max_rss / 2**30:.1f} GiB RSS"
        if killed:
            for p in [*root.children(recursive=True), root] if root else []:
                try:
                    p.kill()
                except psutil.Error:
                    pass
            break
        time.sleep(poll)
    proc.wait()
    wall = time.perf_counter() - started
    for t in readers:
        t.join(timeout=5)
    return Measure(wall, peak, proc.returncode, "".join(out), "".join(err), killed)


def synth_sources(adhesions: int, seed: int = SEED, fresh: bool = False) -> Path:
    """Synthetic sources with exactly `adhesions` rows, generated once per (rows, seed,
    generator version) under WORK and reused: generating is not what is measured."""
    version = hashlib.sha256((ROOT / "flows" / "localret" / "synth.py").read_bytes()).hexdigest()[:10]
    folder = WORK / "sources" / f"a{adhesions}-s{seed}-{version}"
    stamp = folder / ".complete"
    if stamp.exists() and not fresh:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    started = time.perf_counter()
    subprocess.run([PYTHON, "-m", "localret.synth", "--adhesions", str(adhesions), "--seed", str(seed), "--out", str(folder),
                    "--scale", f"{adhesions / 848:g}"], check=True, stdout=subprocess.DEVNULL, env=env())
    stamp.write_text(json.dumps({"seconds": round(time.perf_counter() - started, 1)}))
    return folder


def fresh_dir(name: str) -> Path:
    d = WORK / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    return d


def rows_per_s(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s" if seconds > 0 else "-"


def table(targets: list[Target]) -> str:
    lines = ["| benchmark | target | measured | met? |", "|---|---|---|---|"]
    return "\n".join(lines + [t.row() for t in targets])
