"""Extension points of the publication, used by the project's own outputs exactly as any
new output would use them:

- RELEASE_WRITERS: files written into each release folder beside the tables (XLSX, README...).
  Signature: writer(con, dataset, folder, *, version, changes, illustrative) -> list of file
  names written (relative to folder). They are listed, with sha256, in datapackage.json.
- SITE_WRITERS: what is built over the whole <out> after the releases (feeds, catalogue,
  pages). Signature: writer(out: Path, base_url: str) -> None. They read only what is
  published under <out>, never the sources.
"""

from __future__ import annotations

RELEASE_WRITERS: list = []
SITE_WRITERS: list = []


def release_writer(fn):
    RELEASE_WRITERS.append(fn)
    return fn


def site_writer(fn):
    SITE_WRITERS.append(fn)
    return fn


def load_defaults() -> None:
    """Import the project's own writers (each registers itself)."""
    from localret import feed  # noqa: F401
    from localret import xlsx, readme  # noqa: F401  (release writers: XLSX, then README)
    from localret import catalog  # noqa: F401  (site writers: DCAT-AP-ES catalogue, then the pages)
    from localret.site import build as site_build  # noqa: F401
