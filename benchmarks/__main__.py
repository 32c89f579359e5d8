"""Run every benchmark and print the final table "target | measured | met?".

    python -m benchmarks            # everything (the 10M-row runs take many minutes)
    python -m benchmarks --quick    # a faster subset: 200k-row validation, scale up to 1000x, a 1M-row table in the browser
    python -m benchmarks --only validation,incremental
    python -m benchmarks --only compare --base <commit-ish>   # old against new, one run (not in "everything")
"""

from __future__ import annotations

import argparse
import time
import traceback

from benchmarks import compare, explore, incremental, orchestration, scale, validation
from benchmarks.common import WORK, Target, table

MODULES = {"validation": validation, "scale": scale, "orchestration": orchestration, "incremental": incremental,
           "explore": explore, "compare": compare}
DEFAULT = ["validation", "scale", "orchestration", "incremental", "explore"]  # compare runs only when asked for (--only compare)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="Localret benchmarks")
    parser.add_argument("--quick", action="store_true", help="a faster subset (CI-like)")
    parser.add_argument("--only", default=None, help=f"comma-separated subset of {', '.join(MODULES)}")
    parser.add_argument("--base", default=None, help="compare: the older commit-ish (default HEAD~1)")
    args = parser.parse_args(argv)
    chosen = args.only.split(",") if args.only else DEFAULT
    print(f"benchmark data and outputs under {WORK} (LOCALRET_BENCH_DIR)")
    targets: list[Target] = []
    started = time.perf_counter()
    for name in chosen:
        t0 = time.perf_counter()
        try:
            extra = ["--base", args.base] if name == "compare" and args.base else []
            targets += MODULES[name].main((["--quick"] if args.quick else []) + extra)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            targets.append(Target(name, "runs", f"failed: {type(exc).__name__}: {str(exc)[:120]}", False))
        print(f"[{name}: {time.perf_counter() - t0:.0f} s]\n", flush=True)
    print(table(targets))
    print(f"\n{sum(t.met is True for t in targets)}/{len(targets)} targets met; {time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
