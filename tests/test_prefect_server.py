"""The scheduled set-up, for real: PostgreSQL (Debian's package) as the database of a running
`prefect server`, `localret serve` serving the publish flow as a deployment, and a triggered
deployment run that publishes. Skipped cleanly where PostgreSQL's binaries are absent."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.timeout(900), pytest.mark.flow]
BIN = Path(sys.executable).parent
PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds: float, what: str):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if predicate():
                return
        except Exception:
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    if not PG_BIN or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    pg = Path(PG_BIN[-1])
    # PostgreSQL refuses to run as root: its folder must be reachable by the postgres user,
    # which pytest's private tmp folder is not.
    base = Path(tempfile.mkdtemp(prefix="localret-pg-"))
    base.chmod(0o755)
    shutil.chown(base, "postgres", "postgres")
    data = base / "data"
    user = "postgres"
    as_pg = ["runuser", "-u", user, "--"]
    subprocess.run([*as_pg, str(pg / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"], check=True,
                   capture_output=True)
    port = free_port()
    subprocess.run([*as_pg, str(pg / "pg_ctl"), "-D", str(data), "-o", f"-p {port} -k /tmp -c listen_addresses=127.0.0.1",
                    "-w", "start", "-l", str(data.parent / "log")], check=True, capture_output=True)
    subprocess.run([*as_pg, str(pg / "createdb"), "-h", "127.0.0.1", "-p", str(port), "prefect"], check=True)
    yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/prefect", port, pg
    subprocess.run([*as_pg, str(pg / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def server(postgres, tmp_path_factory):
    url, _, _ = postgres
    port = free_port()
    home = tmp_path_factory.mktemp("prefect-home")
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_DATABASE_CONNECTION_URL": url,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "PREFECT_UI_ENABLED": "false",
           "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port)}
    log = open(home / "server.log", "w")
    proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{port}/api"
    wait_for(lambda: urllib.request.urlopen(f"{api}/health", timeout=2).status == 200, 180, "prefect server")
    yield {**env, "PREFECT_API_URL": api}
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def flow_runs(postgres) -> list[tuple[str, str]]:
    _, port, pg = postgres
    out = subprocess.run(["runuser", "-u", "postgres", "--", str(pg / "psql"), "-h", "127.0.0.1", "-p", str(port), "-At",
                          "-d", "prefect", "-c", "select f.name, r.state_type from flow_run r join flow f on f.id = r.flow_id"],
                         capture_output=True, text=True, check=True)
    return [tuple(line.split("|")) for line in out.stdout.splitlines() if line]


def test_publish_against_a_server_on_postgres(server, postgres, tmp_path):
    done = subprocess.run([str(BIN / "localret"), "publish", "--out", str(tmp_path / "public"),
                           "--state", str(tmp_path / "state"), "--as-of", "2026-11-27"],
                          env=server, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
    assert ("localret-publish", "COMPLETED") in flow_runs(postgres)
    assert (tmp_path / "public" / "membres" / "1.0.0" / "datapackage.json").exists()


def test_served_deployment_runs_when_triggered(server, postgres, tmp_path):
    out = tmp_path / "public"
    serve = subprocess.Popen([str(BIN / "localret"), "serve", "--cron", "0 3 * * *", "--name", "nightly-test",
                              "--out", str(out), "--state", str(tmp_path / "state")],
                             env=server, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def deployed():
            r = subprocess.run([str(BIN / "prefect"), "deployment", "ls"], env=server, capture_output=True, text=True)
            return "nightly-test" in r.stdout
        wait_for(deployed, 120, "the deployment")
        run = subprocess.run([str(BIN / "prefect"), "deployment", "run", "localret-publish/nightly-test"],
                             env=server, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stdout + run.stderr
        wait_for(lambda: (out / "membres" / "versions.json").exists(), 240, "the triggered run to publish")
        wait_for(lambda: flow_runs(postgres).count(("localret-publish", "COMPLETED")) >= 2, 120, "the run to complete")
        versions = json.loads((out / "membres" / "versions.json").read_text(encoding="utf-8"))["versions"]
        assert versions[0]["version"] == "1.0.0"
    finally:
        serve.send_signal(2)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            serve.kill()
