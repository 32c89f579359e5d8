"""(b) Scale: `localret publish --no-prefect` end to end on synthetic sources at 1x, 10x,
100x, 1000x and 10000x the sample (850 x f adhesion rows; 10000x = 8.5M), and at exactly
1M and 10M rows with --exact. Each run is a fresh process on a fresh output folder; wall
time, peak RSS of the process tree and time per adhesion row are reported. Targets: peak RSS
< 2 GiB at 10M rows; time/row at 10M <= 1.2 x time/row at 1M (without --exact: 10000x vs 1000x). A run
above --max-rss GiB (default 6) is stopped: the machine is shared.

    python -m benchmarks.scale [--quick] [--scales 1,10,100] [--no-exact] [--max-rss 6] [--timeout 3600]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.common import AS_OF, BIN, WORK, Target, fresh_dir, run, synth_sources

GIB = 2**30
RATIO_TARGET = 1.2


def publish(rows: int, label: str, timeout: float, max_rss: float) -> dict:
    sources = synth_sources(rows)
    base = fresh_dir(f"scale-{label}")
    m = run([str(BIN / "localret"), "publish", "--no-prefect", "--sources", str(sources), "--out", str(base / "public"),
             "--state", str(base / "state"), "--as-of", AS_OF], cwd=base, timeout=timeout,
            max_rss=int(max_rss * GIB))
    ok = m.returncode == 0 and not m.killed
    r = {"label": label, "rows": rows, "wall": m.wall, "rss": m.peak_rss, "ok": ok, "code": m.returncode,
         "per_row_us": m.wall / rows * 1e6, "killed": m.killed}
    status = "ok" if ok else (f"STOPPED: {m.killed}" if m.killed else
                              f"FAILED (exit {m.returncode}): {(m.stderr or m.stdout).strip().splitlines()[-1:]}")
    print(f"  {label:>8} {rows:>11,} rows: {m.wall:8.1f} s  peak RSS {m.rss_mib:8.0f} MiB  {r['per_row_us']:9.2f} µs/row  {status}",
          flush=True)
    (WORK / f"scale-{label}.json").write_text(json.dumps(r))
    return r


def main(argv: list[str] | None = None) -> list[Target]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="stop at 1000x (850,000 rows); no exact 1M/10M")
    parser.add_argument("--scales", default=None, help="comma-separated scale factors (default 1,10,100,1000,10000)")
    parser.add_argument("--exact", action=argparse.BooleanOptionalAction, default=None,
                        help="also run exactly 1M and 10M rows and compare those (default: on, off with --quick)")
    parser.add_argument("--max-rss", type=float, default=6.0, help="GiB: a run above this is stopped (target is 2)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run before it is killed")
    args = parser.parse_args(argv)
    scales = [float(s) for s in args.scales.split(",")] if args.scales else ([1, 10, 100, 1000] if args.quick else [1, 10, 100, 1000, 10000])
    runs = [(round(850 * s), f"{s:g}x") for s in scales]
    if args.exact if args.exact is not None else not args.quick:
        runs += [(1_000_000, "1M"), (10_000_000, "10M")]
    print("scale: localret publish --no-prefect (fresh process, fresh output)")
    results = {label: publish(rows, label, args.timeout, args.max_rss) for rows, label in runs}
    targets = []
    small, large = ("1M", "10M") if "10M" in results else ("1000x", "10000x") if "10000x" in results else (None, None)
    if large and results[large]["ok"] and results[small]["ok"]:
        ratio = results[large]["per_row_us"] / results[small]["per_row_us"]
        print(f"  time/row {large} / {small}: {ratio:.2f}x")
        targets.append(Target(f"b. time/row {large} vs {small}", f"<= {RATIO_TARGET}x",
                              f"{ratio:.2f}x ({results[large]['per_row_us']:.1f} vs {results[small]['per_row_us']:.1f} µs/row)",
                              ratio <= RATIO_TARGET))
    elif large:
        targets.append(Target(f"b. time/row {large} vs {small}", f"<= {RATIO_TARGET}x", "a run failed", False))
    if large:
        r = results[large]
        targets.append(Target(f"b. peak RSS at {large}", "< 2 GiB", f"{r['rss'] / GIB:.2f} GiB" + ("" if r["ok"] else f" ({r['killed'] or 'run failed'})"),
                              r["ok"] and r["rss"] < 2 * GIB))
    else:
        last = results[runs[-1][1]]
        targets.append(Target(f"b. scale up to {runs[-1][1]} (quick)", "runs; 10M targets need the full run",
                              f"{last['wall']:.0f} s, {last['rss'] / GIB:.2f} GiB at {last['rows']:,} rows", None))
    first = results[runs[0][1]]
    if first["ok"]:
        for label, r in results.items():
            if r["ok"] and r["rows"] > first["rows"]:
                marginal = (r["wall"] - first["wall"]) / (r["rows"] - first["rows"]) * 1e6
                print(f"  marginal cost {runs[0][1]} -> {label}: {marginal:.2f} µs per extra row")
    return targets


if __name__ == "__main__":
    main()
