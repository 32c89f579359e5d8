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
