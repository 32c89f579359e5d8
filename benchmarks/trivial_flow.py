"""A trivial 3-task Prefect flow, run in a fresh process: the fixed cost of Prefect itself
(imports, server start or connection, flow and task runs). Same settings as localret's flow
(heartbeat off, offline, quiet)."""

from __future__ import annotations

import os
import time

T0 = time.perf_counter()

# The environment defaults of localret/flow.py, without importing localret (this flow measures
# Prefect alone).
for _key, _value in {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
                     "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180", "PREFECT_LOGGING_TO_API_ENABLED": "false",
                     "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false", "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
                     "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_UI_ENABLED": "false"}.items():
    os.environ.setdefault(_key, _value)

from prefect import flow, task  # noqa: E402
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings  # noqa: E402


@task
def one(x: int) -> int:
    return x + 1


@flow(name="trivial-3-tasks")
def trivial() -> int:
    return one(one(one(0)))


if __name__ == "__main__":
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        assert trivial() == 3
    print(f"trivial flow ok in {time.perf_counter() - T0:.2f} s (in-process)")
