"""Publishing to object storage through a real S3 API on loopback (moto's server, started
here): same layout, safe upload order, verify reading the bucket's own bytes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(600)
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    port = free_port()
    proc = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    import boto3

    deadline = time.time() + 30
    while True:
        try:
            boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id="test",
                         aws_secret_access_key="test", region_name="us-east-1").create_bucket(Bucket="dades")
            break
        except Exception:
            if time.time() > deadline:
                proc.kill()
                raise
            time.sleep(0.3)
    yield env
    proc.terminate()
    proc.wait(timeout=10)


def cli(env, *args):
    return subprocess.run([str(BIN / "localret"), *args], capture_output=True, text=True, env=env, timeout=300)


def objects(env) -> dict[str, bytes]:
    import boto3

    c = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id="test",
                     aws_secret_access_key="test", region_name="us-east-1")
    keys = [o["Key"] for page in c.get_paginator("list_objects_v2").paginate(Bucket="dades", Prefix="obert/")
            for o in page.get("Contents", [])]
    return {k: c.get_object(Bucket="dades", Key=k)["Body"].read() for k in keys}


def test_publish_to_s3_then_verify_the_bucket(s3, tmp_path):
    state = tmp_path / "state"
    done = cli(s3, "publish", "--no-prefect", "--out", "s3://dades/obert", "--state", str(state), "--as-of", "2026-11-27")
    assert done.returncode == 0, done.stdout + done.stderr
    stored = objects(s3)
    for name in ("membres", "ens", "convenis", "contractacio-agregada", "resums"):
        assert f"obert/{name}/versions.json" in stored
        assert f"obert/{name}/1.0.0/datapackage.json" in stored
        assert f"obert/{name}/latest/datapackage.json" in stored
        assert stored[f"obert/{name}/1.0.0/datapackage.json"] == stored[f"obert/{name}/latest/datapackage.json"]
    assert not [k for k in stored if "/." in k]  # no staging, lock or temporary object
    ok = cli(s3, "verify", "--out", "s3://dades/obert")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # A second run with nothing new uploads nothing.
    again = cli(s3, "publish", "--no-prefect", "--out", "s3://dades/obert", "--state", str(state), "--as-of", "2026-11-27")
    assert again.returncode == 0 and objects(s3) == stored


def test_verify_reads_the_real_bytes(s3, tmp_path):
    import boto3

    cli(s3, "publish", "--no-prefect", "--out", "s3://dades/obert", "--state", str(tmp_path / "st"), "--as-of", "2026-11-27")
    c = boto3.client("s3", endpoint_url=s3["AWS_ENDPOINT_URL"], aws_access_key_id="test",
                     aws_secret_access_key="test", region_name="us-east-1")
    key = "obert/membres/1.0.0/membres.csv"
    body = bytearray(c.get_object(Bucket="dades", Key=key)["Body"].read())
    body[100] ^= 1
    c.put_object(Bucket="dades", Key=key, Body=bytes(body))
    bad = cli(s3, "verify", "--out", "s3://dades/obert")
    assert bad.returncode == 6 and "membres/1.0.0/membres.csv" in bad.stdout
    body[100] ^= 1
    c.put_object(Bucket="dades", Key=key, Body=bytes(body))
