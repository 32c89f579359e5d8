"""Same behaviour with and without Prefect: each case runs through `localret publish
--no-prefect` and `localret publish` (Prefect, ephemeral server, offline) as real processes,
started side by side, and both must give the same exit code and the same stdout and stderr once
their own folders and log names are normalised, with no traceback anywhere. Prefect's own log
goes to <state>/logs/prefect.log.

Eight Prefect runs (one Prefect home for the module: the first run creates its database)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from localret import paths
from localret.reader import read_table

pytestmark = pytest.mark.timeout(900)

BIN = Path(sys.executable).parent / "localret"
AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def world(tmp_path_factory, published):
    """A published baseline (the session's in-process publication of the sample at AS_OF,
    conftest.published, copied) and one Prefect home for every run."""
    root = tmp_path_factory.mktemp("parity")
    shutil.copytree(published, root / "base" / "public")
    shutil.copytree(published.parent / "state", root / "base" / "state")
    return root


def environment(world: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LOCALRET_"))}
    env.update({"PREFECT_HOME": str(world / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "DO_NOT_TRACK": "1", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "240",
                "NO_COLOR": "1", "COLUMNS": "200", "XDG_STATE_HOME": str(world / "user-state")})
    return env


# --- how each case prepares a run folder: sources in <base>/src, output in <base>/public -------
def fresh(base: Path, world: Path) -> None:
    shutil.copytree(paths.SAMPLE_SOURCES, base / "src")


def published(base: Path, world: Path) -> None:
    fresh(base, world)
    shutil.copytree(world / "base" / "public", base / "public")
    shutil.copytree(world / "base" / "state", base / "state")


def invalid(base: Path, world: Path) -> None:
    published(base, world)
    rows = (base / "src" / "contractes.csv").read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace(",", ",X", 1)
    (base / "src" / "contractes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def private_value_in_public_field(base: Path, world: Path) -> None:
    """A contact person's name typed as a body's name (tests/test_privacy_guard.py)."""
    published(base, world)
    path = base / "src" / "adhesions.csv"
    frame = read_table(path).frame
    contact = next(v for v in frame["persona_contacte"] if v and len(v) >= 8)
    raw = path.read_bytes().decode("cp1252")
    path.write_bytes(raw.replace(frame["nom_ens"].iloc[0], contact, 1).encode("cp1252"))


def out_under_a_file(base: Path, world: Path) -> None:
    fresh(base, world)
    (base / "file").write_text("not a folder", encoding="utf-8")


def state_is_a_file(base: Path, world: Path) -> None:
    fresh(base, world)
    (base / "statefile").write_text("not a folder", encoding="utf-8")


STD = ["--sources", "{b}/src", "--out", "{b}/public", "--state", "{b}/state"]
CASES = [
    # id, prepare, arguments, expected exit code(s)
    ("valid-sample", fresh, [*STD, "--as-of", AS_OF], (0,)),
    ("invalid-sources", invalid, [*STD, "--as-of", AS_OF], (1,)),
    ("hostile-base-url", published, [*STD, "--as-of", AS_OF, "--base-url", 'https://x.cat/"><script>'], (2,)),
    ("as-of-before-published", published, [*STD, "--as-of", "2026-11-26"], (2,)),
    # 7 today; once validation scans every public field for private values (issue 11, privacy)
    # the same input may be refused earlier, with exit 1: both paths must still agree.
    ("privacy-stop", private_value_in_public_field, [*STD, "--as-of", AS_OF], (7, 1)),
    ("write-failure", out_under_a_file, ["--sources", "{b}/src", "--out", "{b}/file/public", "--state", "{b}/state",
                                         "--as-of", AS_OF], (3,)),
    ("busy", published, [*STD, "--as-of", AS_OF], (5,)),
    ("unexpected", state_is_a_file, ["--sources", "{b}/src", "--out", "{b}/public", "--state", "{b}/statefile",
                                     "--as-of", AS_OF], (70,)),
]


def normalise(text: str, base: Path) -> str:
    text = text.replace(str(base), "<BASE>")
    text = re.sub(r"error-\d{8}T\d{6}Z-\d+\.log", "error-<TIME>-<PID>.log", text)
    return re.sub(r"execució \S+ /", "execució <RUN> /", text)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_same_exit_code_and_output_with_and_without_prefect(case, world, tmp_path):
    name, prepare, args, codes = case
    env = environment(world)
    runs = {}
    for mode in ("plain", "prefect"):
        base = tmp_path / mode
        base.mkdir()
        prepare(base, world)
        argv = [str(BIN), "publish", *(a.format(b=base) for a in args)] + (["--no-prefect"] if mode == "plain" else [])
        runs[mode] = (base, argv)
    lock = None
    if name == "busy":  # another run holds each output while both commands try it
        from filelock import FileLock

        from localret.outdir import lock_path

        lock = [FileLock(str(lock_path(base / "public"))) for base, _ in runs.values()]
        for held in lock:
            held.acquire()
    try:
        procs = {mode: subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                        cwd=base) for mode, (base, argv) in runs.items()}
        said = {mode: (p.communicate(timeout=600), p.returncode) for mode, p in procs.items()}
    finally:
        for held in lock or []:
            held.release()
    (plain_out, plain_err), plain_code = said["plain"]
    (flow_out, flow_err), flow_code = said["prefect"]
    everything = plain_out + plain_err + flow_out + flow_err
    assert "Traceback" not in everything, everything
    assert plain_code in codes, f"{name}: exit {plain_code}\n{plain_out}\n{plain_err}"
    assert flow_code == plain_code, f"{name}: Prefect exit {flow_code}, plain {plain_code}\n{flow_out}\n{flow_err}"
    plain_base, flow_base = runs["plain"][0], runs["prefect"][0]
    assert normalise(flow_out, flow_base) == normalise(plain_out, plain_base)
    assert normalise(flow_err, flow_base) == normalise(plain_err, plain_base)
    if name not in ("hostile-base-url", "write-failure", "unexpected"):  # the flow ran: its log is in <state>/logs
        assert (flow_base / "state" / "logs" / "prefect.log").is_file()
    for base, _ in runs.values():  # nothing in the working directory but what the case put there
        assert not list(base.glob("*.log"))
