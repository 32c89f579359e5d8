"""The real Prefect flow, against one session-scoped test server (docs/PREFECT.md, Testing),
and one cold `localret publish` with Prefect in a fresh process and a fresh Prefect home."""

from __future__ import annotations

import os

# Offline, and patient on a first start (docs/PREFECT.md): before Prefect is imported here.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "240"

import json  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from conftest import AS_OF, listing  # noqa: E402

pytestmark = [pytest.mark.flow, pytest.mark.timeout(300)]

DATASETS = ["ens", "membres", "contractacio-agregada", "convenis", "resums"]
BIN = Path(sys.executable).parent / "localret"


@pytest.fixture(scope="session")
def cold_publish(tmp_path_factory, sample_dir):
    """`localret publish` with Prefect in a brand-new process and PREFECT_HOME, started early so
    that its ~30 s start-up overlaps the test server's."""
    base = tmp_path_factory.mktemp("cold")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API_")}
    env.update({"PREFECT_HOME": str(base / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "DO_NOT_TRACK": "1", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "240"})
    args = [str(BIN), "publish", "--out", str(base / "out"), "--state", str(base / "state"), "--as-of", AS_OF.isoformat()]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=base,
                            start_new_session=True)
    yield base, proc
    if proc.poll() is None:  # not waited for (deselected or interrupted): stop it and its server
        proc.send_signal(signal.SIGINT)  # the CLI then stops its ephemeral server on the way out
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: only what this fixture started
            proc.communicate()


@pytest.fixture(scope="session")
def harness(cold_publish):
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=240):
        yield


def flow_runs_for(out: Path):
    """The flow runs whose `out` parameter is this folder, and their artifacts by key."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        runs = [r for r in client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["localret-publish"])))
                if r.parameters.get("out") == str(out)]
        out_runs = []
        for run in runs:
            artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
            out_runs.append((run, {a.key: a for a in artifacts}))
        return out_runs


def test_flow_publishes_the_sample_and_leaves_artifacts(harness, sample_dir, tmp_path):
    from localret.flow import run_publish_flow
    from localret.pipeline import Options

    out, state = tmp_path / "out", tmp_path / "state"
    outcome = run_publish_flow(Options(sample_dir, out, state, AS_OF))
    assert outcome.report.ok
    assert sorted(r.dataset for r in outcome.published) == sorted(DATASETS)
    for ds in DATASETS:
        assert (out / ds / "1.0.0" / "datapackage.json").is_file()
        assert (out / ds / "latest" / "datapackage.json").is_file()
        assert json.loads((out / ds / "versions.json").read_text(encoding="utf-8"))["versions"][0]["version"] == "1.0.0"
    assert (out / "localret.duckdb").is_file()

    runs = flow_runs_for(out)
    assert len(runs) == 1
    run, artifacts = runs[0]
    assert run.state.is_completed()
    assert {"validation-report", "publication-summary"} <= set(artifacts)
    assert "VALID" in artifacts["validation-report"].data
    assert artifacts["validation-report"].type == "markdown"
    summary = artifacts["publication-summary"]
    assert summary.type == "table"
    rows = json.loads(summary.data) if isinstance(summary.data, str) else summary.data
    assert sorted(r["dataset"] for r in rows) == sorted(DATASETS)
    assert all(r["version"] == "1.0.0" and r["new"] for r in rows)


def test_flow_refuses_invalid_sources_and_publishes_nothing(harness, sources, tmp_path):
    from localret.errors import InvalidSources
    from localret.flow import run_publish_flow
    from localret.pipeline import Options

    t = sources.table("membres")
    t.set(t.find(nif="P0801900B")[0], "nif", "P0801900C")
    t.save()
    out, state = tmp_path / "out", tmp_path / "state"
    with pytest.raises(InvalidSources) as info:
        run_publish_flow(Options(sources.folder, out, state, AS_OF))
    assert info.value.report.error_count == 1
    assert not out.exists() or listing(out) == []
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name]

    runs = flow_runs_for(out)
    assert len(runs) == 1
    run, artifacts = runs[0]
    assert run.state.is_failed()
    assert "publication-summary" not in artifacts
    report = artifacts["validation-report"].data
    assert "membres.csv" in report and "nif-incorrecte" in report and "P0801900C" in report


def test_cold_cli_publish_with_prefect(cold_publish):
    base, proc = cold_publish
    out, err = proc.communicate(timeout=280)
    assert proc.returncode == 0, out + err
    assert "Traceback" not in out + err
    for ds in DATASETS:
        assert (base / "out" / ds / "1.0.0" / "datapackage.json").is_file()
    assert "5 versions noves / " in out and "5 new releases." in out
