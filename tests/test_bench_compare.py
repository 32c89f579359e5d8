"""benchmarks.compare: each side of the old-against-new benchmark runs its own tree's code."""

from __future__ import annotations

import subprocess

import pytest

from benchmarks import compare


@pytest.fixture
def base_side(tmp_path):
    sha = compare.git("rev-parse", "HEAD")
    tree = compare.add_worktree(sha, tmp_path)
    try:
        yield compare.Side("base", tree, sha[:7])
    finally:
        compare.remove_worktree(tree)
    assert not tree.exists()


def test_each_side_imports_its_own_tree(base_side):
    new = compare.Side("new", compare.ROOT, "")
    for side in (base_side, new):
        for prelude in (False, True):
            assert compare.imported_root(side, prelude) == side.tree.resolve()


def test_a_module_missing_from_the_base_tree_is_not_taken_from_the_other(base_side):
    """`localret` is a namespace package: without the prelude, a module that only the other tree
    (the editable install) holds would be imported from there."""
    (base_side.tree / "flows" / "localret" / "fault.py").unlink()
    code = compare.PRELUDE + "import localret.fault\n"
    r = subprocess.run([compare.PYTHON, "-P", "-c", code, str(base_side.tree)], cwd=base_side.tree,
                       env=base_side.env(), capture_output=True, text=True)
    assert r.returncode != 0 and "No module named 'localret.fault'" in r.stderr


def test_own_sources_each_side_validated_by_frictionless_with_its_own_schemas(base_side, tmp_path, monkeypatch):
    """--own-sources: a side's sources come from its own tree's generator (folder named by its
    synth.py), and frictionless-py validates them with that side's source schemas."""
    monkeypatch.setattr(compare, "WORK", tmp_path / "work")
    synth_py = base_side.tree / "flows" / "localret" / "synth.py"
    synth_py.write_text(synth_py.read_text() + "\n# the base tree's own generator\n")
    folder = compare.synth(900, base_side.tree)
    assert folder != compare.synth(900, compare.ROOT)  # another generator, another folder
    assert sum(1 for _ in (folder / "adhesions.csv").open()) == 901
    c = compare.Compare(base_side, compare.Side("new", compare.ROOT, ""), 1, 900, own_sources=True)
    seconds = c.frictionless_run(base_side, folder)
    assert seconds > 0
    (folder / "adhesions.csv").write_text((folder / "adhesions.csv").read_text().replace(",AJUNTAMENT,", ",AJUNTAMENTS,", 1))
    with pytest.raises(SystemExit, match="frictionless finds"):
        c.frictionless_run(base_side, folder)


def test_the_frictionless_figure_is_compared_the_right_way_round():
    """The figure is frictionless's time over ours: a new tree that is slower than the base in
    seconds but validates more (frictionless takes longer too) may still keep the figure."""
    base, new = compare.Side("base", compare.ROOT, "b"), compare.Side("new", compare.ROOT, "n")
    base.runs["validation"], new.runs["validation"] = [2.0, 2.0, 2.0], [2.2, 2.2, 2.2]
    text, targets = compare.report(base, new, ["validation"], 1000, False, {"base": [40.0], "new": [50.0]})
    figure = [t for t in targets if "frictionless" in t.name]
    assert len(figure) == 1 and figure[0].met  # 22.7x against 20.0x
    assert "| frictionless / ours" in text and "one run each" in figure[0].measured
    text, targets = compare.report(base, new, ["validation"], 1000, False, {"base": [40.0], "new": [40.0]})
    assert not [t for t in targets if "frictionless" in t.name][0].met  # 18.2x against 20.0x
    # several frictionless runs: their medians (one slow run of the base does not decide)
    text, targets = compare.report(base, new, ["validation"], 1000, False,
                                   {"base": [40.0, 90.0, 41.0], "new": [44.0, 43.0, 45.0]})
    figure = [t for t in targets if "frictionless" in t.name][0]
    assert figure.met and "median of 3" in figure.measured and "44.0 s vs 41.0 s" in figure.measured
    assert not [t for t in targets if t.name.endswith("rows new/base")][0].met  # 1.10x > 1.05x


def test_a_base_tree_gets_the_javascript_it_pins(base_side):
    """A worktree has no node_modules: when it pins the same packages as this tree, its
    children are pointed at this tree's (the site's bundles need them); the new tree's own
    children are not redirected."""
    assert not (base_side.tree / "node_modules").exists()
    assert compare.same_javascript(base_side.tree)
    code = compare.PRELUDE + "from localret.site import jsbundle\nprint(jsbundle.node_modules())\n"
    r = subprocess.run([compare.PYTHON, "-P", "-c", code, str(base_side.tree)], cwd=base_side.tree,
                       env=base_side.env(), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(compare.ROOT / "node_modules")
    assert "LOCALRET_NODE_MODULES" not in compare.Side("new", compare.ROOT, "").env()


def test_a_base_tree_gets_the_python_library_this_environment_no_longer_has(base_side):
    """A base tree pinning a library this tree has since replaced (pyahocorasick, before
    issue 11's last change) gets it installed beside its worktree, on its own PYTHONPATH only;
    a library this environment has is shared, whatever version the base pins."""
    project = base_side.tree / "pyproject.toml"
    text = project.read_text(encoding="utf-8")
    project.write_text(text.replace('dependencies = [', 'dependencies = [\n  "pyahocorasick==2.3.1",\n  "duckdb==0.1.0",', 1),
                       encoding="utf-8")
    assert set(compare.install_python(base_side.tree)) == {"pyahocorasick==2.3.1"}
    code = "import ahocorasick; print(ahocorasick.__file__)"
    r = subprocess.run([compare.PYTHON, "-P", "-c", code], cwd=base_side.tree, env=base_side.env(), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith(str(compare.python_packages(base_side.tree)))
    new = compare.Side("new", compare.ROOT, "")
    r = subprocess.run([compare.PYTHON, "-P", "-c", code], cwd=compare.ROOT, env=new.env(), capture_output=True, text=True)
    assert r.returncode != 0 and "No module named 'ahocorasick'" in r.stderr
