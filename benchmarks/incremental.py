"""(d) Incremental publishing: after a full publish, change only convenis.csv and show that
only `convenis` (and `resums`, which depends on every source and on the reference date) are
built; the others are skipped. Checked twice: on the CLI's output ("skipped, inputs
unchanged" lines) and on pipeline.Outcome.skipped (in a fresh process).

    python -m benchmarks.incremental [--rows 8480]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import sys
from pathlib import Path

from benchmarks.common import AS_OF, BIN, PYTHON, Target, fresh_dir, run, synth_sources

EXPECTED_BUILT = {"convenis", "resums"}
EXPECTED_SKIPPED = {"contractacio-agregada", "ens", "membres"}


def touch_convenis(folder: Path, n: int) -> None:
    """An edit a person would make: a corrected title of one agreement."""
    path = folder / "convenis.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    title = rows[0].index("titol")
    rows[1 + n][title] = rows[1 + n][title].rstrip(".") + f" (text revisat {n})"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def cli(sources: Path, base: Path) -> tuple[float, str]:
    m = run([str(BIN / "localret"), "publish", "--no-prefect", "--sources", str(sources), "--out", str(base / "public"),
             "--state", str(base / "state"), "--as-of", AS_OF], cwd=base, timeout=1800)
    if m.returncode:
        raise RuntimeError(f"publish failed ({m.returncode}): {(m.stderr or m.stdout)[-1500:]}")
    return m.wall, m.stdout


def parse(stdout: str) -> tuple[set[str], set[str]]:
    """(built, skipped) from the CLI summary: a built dataset is either published or, when its
    tables came out identical (resums after an edit that does not move a figure), unchanged."""
    published = set(re.findall(r"PUBLISHED (\S+) ", stdout))
    unchanged = set(re.findall(r"sense canvis / unchanged (\S+) ", stdout))
    skipped = set(re.findall(r"skipped, inputs unchanged: (\S+) ", stdout))
    return published | unchanged, skipped


def child(sources: Path, base: Path) -> None:
    import datetime as dt

    from localret import pipeline

    opts = pipeline.Options(sources, base / "public", base / "state", dt.date.fromisoformat(AS_OF))
    outcome = pipeline.publish(opts)
    print(json.dumps({"skipped": outcome.skipped, "published": [r.dataset for r in outcome.published],
                      "built": [r.dataset for r in outcome.results if r.dataset not in outcome.skipped]}))


def main(argv: list[str] | None = None) -> list[Target]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.incremental", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=84_800, help="adhesion rows of the synthetic sources (default 100x)")
    parser.add_argument("--quick", action="store_true", help="use 10x (8,480 rows)")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return []
    rows = 8_480 if args.quick else args.rows
    base = fresh_dir("incremental")
    sources = base / "sources"
    shutil.copytree(synth_sources(rows), sources)
    print(f"incremental: {rows:,} adhesion rows")
    full, out1 = cli(sources, base)
    pub1, _ = parse(out1)
    print(f"  full publish                 : {full:6.1f} s, built {sorted(pub1)}")
    touch_convenis(sources, 1)
    inc, out2 = cli(sources, base)
    pub2, skip2 = parse(out2)
    print(f"  convenis.csv changed (CLI)   : {inc:6.1f} s = {inc / full:.2f}x the full run")
    published2 = sorted(set(re.findall(r"PUBLISHED (\S+) ", out2)))
    print(f"    built: {sorted(pub2)} (published: {published2}); skipped: {sorted(skip2)}")
    for line in out2.splitlines():
        if "skipped, inputs unchanged" in line:
            print("    |" + line)
    touch_convenis(sources, 2)
    m = run([PYTHON, "-m", "benchmarks.incremental", "--child", str(sources), str(base)], timeout=1800)
    if m.returncode:
        raise RuntimeError(m.stderr[-1500:])
    outcome = json.loads(m.stdout.strip().splitlines()[-1])
    print(f"  convenis.csv changed again (pipeline.Outcome): skipped={sorted(outcome['skipped'])} "
          f"built={sorted(outcome['built'])} published={sorted(outcome['published'])}")
    ok = (pub2 == EXPECTED_BUILT and skip2 == EXPECTED_SKIPPED and set(outcome["skipped"]) == EXPECTED_SKIPPED
          and set(outcome["built"]) == EXPECTED_BUILT and "convenis" in outcome["published"])
    return [Target("d. incremental: change convenis.csv", "only convenis + resums built; others skipped",
                   f"built {sorted(pub2)}, skipped {sorted(skip2)}; {inc:.1f} s vs full {full:.1f} s ({inc / full:.2f}x)", ok)]


if __name__ == "__main__":
    sys.exit(0 if all(t.met for t in main()) else 1)
