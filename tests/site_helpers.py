"""Helpers of the site, catalogue and XLSX tests: one publication of the bundled sample per
test session (shared by test_xlsx, test_catalog, test_site and test_browser), and readers of
what it published."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

from localret import paths

AS_OF = dt.date(2026, 11, 27)
BASE_URL = "https://dades.localret.cat/"
SHARED = Path(paths.ROOT).parent / "shared"
SHAPES_DIR = SHARED / "standards" / "dcat-ap-es-shacl-1.0.0"
_published: dict[str, Path] = {}


# A configured publisher, as an operator sets it in datasets/publisher.yaml (the repository
# holds a placeholder code until the real one is known): a well-formed DIR3 code made up for
# the tests, and a generic mailbox of the organisation.
TEST_DIR3 = "L0TEST001"
TEST_CONTACT_EMAIL = "dades.obertes@localret.cat"


def configured_project(dest: Path, dir3: str | None = TEST_DIR3, email: str | None = TEST_CONTACT_EMAIL) -> Path:
    """A copy of the project's declarations (datasets/, schemas/) whose publisher.yaml holds
    `dir3` and `email` (None: the key is left out)."""
    import yaml

    for part in ("datasets", "schemas"):
        shutil.copytree(Path(paths.ROOT) / part, dest / part, ignore=shutil.ignore_patterns("sample"))
    config = dest / "datasets" / "publisher.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["dir3"] = dir3
    data["contact"]["email"] = email
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dest


def published_sample(tmp_path_factory) -> Path:
    """<out> of `pipeline.publish` of the bundled sample at AS_OF, without Prefect, with a
    configured publisher (configured_project); published once per session, whichever test
    module asks first. Read-only: copy it to change it."""
    if "out" not in _published:
        from localret.pipeline import Options, publish

        base = tmp_path_factory.mktemp("site-sample")
        out, state = base / "out", base / "state"
        project = configured_project(base / "project")
        publish(Options(Path(paths.SAMPLE_SOURCES), out, state, AS_OF, BASE_URL, project=project))
        _published["out"] = out
    return _published["out"]


def copy_out(out: Path, dest: Path) -> Path:
    shutil.copytree(out, dest)
    return dest


def datasets(out: Path) -> list[str]:
    return sorted(p.parent.name for p in out.glob("*/versions.json"))


def package(out: Path, name: str, version: str = "latest") -> dict:
    return json.loads((out / name / version / "datapackage.json").read_text(encoding="utf-8"))


def release_files(out: Path, name: str, version: str = "latest") -> list[str]:
    """Every file of a release as its datapackage lists it, plus the datapackage itself."""
    dp = package(out, name, version)
    return ([r["path"] for r in dp["resources"]] + [f["path"] for f in dp.get("localret:files", [])]
            + ["datapackage.json"])


def versions(out: Path, name: str) -> list[dict]:
    return json.loads((out / name / "versions.json").read_text(encoding="utf-8"))["versions"]


def html_pages(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.html") if not p.name.startswith("."))


def sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def tree_bytes(root: Path, suffixes: tuple[str, ...]) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.suffix in suffixes}


# Debian's Chromium, headless, with no background traffic (this machine's network is closed):
# the browser tests' one launch (conftest.browser).
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
