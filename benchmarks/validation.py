"""(a) Validation throughput: our validation (ingest + validate, not the whole publish) vs
frictionless-py's validate, on the same synthetic sources: a 1M-row adhesions table with its
primary key, foreign key to the lots, code lists and (ours only) control digits. Each run is a
fresh process; the ratio compares the in-process time of the work itself (imports excluded)
and, beside it, the whole process wall time.

    python -m benchmarks.validation [--rows 1000000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks.common import PYTHON, Target, run, rows_per_s, synth_sources

TARGET_RATIO = 30


def child_ours(folder: Path) -> dict:
    from localret import stages

    t0 = time.perf_counter()
    sources = stages.read_sources(folder)
    t1 = time.perf_counter()
    report = stages.check(sources)
    t2 = time.perf_counter()
    return {"ingest": t1 - t0, "validate": t2 - t1, "seconds": t2 - t0, "errors": report.error_count,
            "warnings": report.warning_count, "rows": {n: f.rows for n, f in sources.files.items()}}


def frictionless_package(folder: Path):
    """The sources' Table Schemas (project-only properties removed) as a Data Package of
    contractes and adhesions, so that the foreign key to the lots is checked."""
    import frictionless

    from localret import schema

    resources = []
    for name in ("contractes", "adhesions"):
        descriptor = schema.source_schema(name).frictionless()
        descriptor["fieldsMatch"] = "equal"
        resources.append({"name": name, "path": f"{name}.csv", "format": "csv", "encoding": "utf-8", "schema": descriptor})
    return frictionless.Package({"name": "localret-sources", "resources": resources}, basepath=str(folder))


def child_frictionless(folder: Path) -> dict:
    t0 = time.perf_counter()
    report = frictionless_package(folder).validate(limit_errors=1_000_000)
    t1 = time.perf_counter()
    return {"seconds": t1 - t0, "valid": report.valid, "errors": sum(len(t.errors) for t in report.tasks),
            "rows": {t.name: t.stats.get("rows") for t in report.tasks}}


# Ours takes about 1.5 s, and a burst of some other process on a shared 2-core machine moves it
# by 10 % or more; frictionless's minute averages such bursts out. So ours is the median of
# five runs, each in a fresh process (all five are printed), and frictionless runs once.
OUR_RUNS = 5


def child(side: str, folder: Path) -> dict:
    m = run([PYTHON, "-m", "benchmarks.validation", "--child", side, str(folder)])
    if m.returncode != 0:
        raise RuntimeError(f"{side} failed: {m.stderr[-2000:]}")
    data = json.loads(m.stdout.strip().splitlines()[-1])
    data["wall"], data["rss_mib"] = m.wall, m.rss_mib
    return data


def measure(rows: int) -> tuple[list[Target], dict]:
    folder = synth_sources(rows)
    runs = sorted((child("ours", folder) for _ in range(OUR_RUNS)), key=lambda d: d["seconds"])
    ours = runs[len(runs) // 2]
    theirs = child("frictionless", folder)
    results = {"ours": ours, "ours_runs": [r["seconds"] for r in runs], "frictionless": theirs}
    ratio = theirs["seconds"] / ours["seconds"]
    wall_ratio = theirs["wall"] / ours["wall"]
    print(f"validation of {rows:,} adhesion rows ({folder.name})")
    print(f"  ours        : {OUR_RUNS} runs: {', '.join(f'{r:.2f}' for r in results['ours_runs'])} s; the median:")
    print(f"                ingest {ours['ingest']:.2f} s + validate {ours['validate']:.2f} s = {ours['seconds']:.2f} s "
          f"({rows_per_s(rows, ours['seconds'])}); process {ours['wall']:.1f} s, peak RSS {ours['rss_mib']:.0f} MiB; "
          f"{ours['errors']} errors, {ours['warnings']} warnings")
    print(f"  frictionless: {theirs['seconds']:.2f} s ({rows_per_s(rows, theirs['seconds'])}); process {theirs['wall']:.1f} s, "
          f"peak RSS {theirs['rss_mib']:.0f} MiB; valid={theirs['valid']}, {theirs['errors']} errors")
    print(f"  ratio frictionless/ours: {ratio:.1f}x (work only), {wall_ratio:.1f}x (whole process)")
    targets = [Target(f"a. validation throughput ({rows:,} rows)", f">= {TARGET_RATIO}x frictionless",
                      f"{ratio:.1f}x ({rows_per_s(rows, ours['seconds'])} vs {rows_per_s(rows, theirs['seconds'])})",
                      ratio >= TARGET_RATIO)]
    return targets, results


def main(argv: list[str] | None = None) -> list[Target]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.validation", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="adhesion rows (default 1,000,000; --quick 200,000)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", choices=["ours", "frictionless"], help=argparse.SUPPRESS)
    parser.add_argument("folder", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child_ours(args.folder) if args.child == "ours" else child_frictionless(args.folder)))
        sys.stdout.flush()
        return []
    rows = args.rows or (200_000 if args.quick else 1_000_000)
    targets, _ = measure(rows)
    return targets


if __name__ == "__main__":
    main()
