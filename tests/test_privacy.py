"""Personal data never published (DOMAIN.md §7): no value of any private source field, and no
e-mail address, appears in any file of the published tree, whatever its format."""

from __future__ import annotations

import hashlib
import html
import json
import re
import zipfile
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import AS_OF
from localret import schema
from localret.reader import read_table

pytestmark = pytest.mark.timeout(300)
MIN_CHARS = 5
TEXT_SUFFIXES = {".csv", ".json", ".md", ".html", ".htm", ".xml", ".rdf", ".ttl", ".jsonld", ".atom", ".txt",
                 ".svg", ".js", ".css", ".yaml", ".yml", ".tsv", ".nt", ".n3"}
# An e-mail address as written plainly (the policy's own detector, with its obfuscations, is
# tested in test_personal_policy.py and test_privacy_properties.py).
EMAIL_RE = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
PRIVATE_COLUMNS = {f.name for n in schema.SOURCE_NAMES for f in schema.source_schema(n).private_fields}


def source_file(folder: Path, name: str) -> Path:
    found = [folder / f"{name}{s}" for s in (".csv", ".xlsx") if (folder / f"{name}{s}").exists()]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def private_values(sample_dir) -> dict[str, str]:
    """value -> 'source.field' for every non-empty private value of the sample (>= 5 chars)."""
    values = {}
    for name in schema.SOURCE_NAMES:
        private = schema.source_schema(name).private_fields
        frame = read_table(source_file(sample_dir, name)).frame
        for f in private:
            for v in frame[f.name].dropna():
                v = str(v).strip()
                if len(v) >= MIN_CHARS:
                    values.setdefault(v, f"{name}.{f.name}")
    return values


def test_the_sample_has_private_values_of_every_kind(private_values):
    """Guard against a vacuous scan: every private field of the contract contributes values."""
    origins = set(private_values.values())
    expected = {f"{n}.{f.name}" for n in schema.SOURCE_NAMES for f in schema.source_schema(n).private_fields}
    assert origins == expected
    assert len(private_values) > 1000
    assert any("@" in v for v in private_values)


# --- every published file as text -------------------------------------------------------------------
def strings_of(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield str(k)
            yield from strings_of(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings_of(v)


def texts_of(path: Path) -> list[str]:
    """Everything a reader of this file could see, as text."""
    suffix = path.suffix.lower()
    raw = path.read_bytes()
    out = []
    if suffix in TEXT_SUFFIXES:
        text = raw.decode("utf-8")
        out.append(text)
        if suffix in (".json", ".jsonld"):
            out.append("\n".join(strings_of(json.loads(text))))  # \uXXXX escapes decoded
    elif suffix == ".parquet":
        table = pq.read_table(path)
        out.append("\n".join(table.schema.names))
        out.append("\n".join(str(v) for col in table.columns for v in col.to_pylist() if v is not None))
    elif suffix == ".duckdb":
        con = duckdb.connect(str(path), read_only=True)
        try:
            for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
                cols = [r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall()]
                out.append("\n".join(cols))
                rows = con.execute(f'SELECT * FROM "{name}"').fetchall()
                out.append("\n".join(str(v) for r in rows for v in r if v is not None))
            comments = con.execute("SELECT comment FROM duckdb_tables() WHERE comment IS NOT NULL").fetchall()
            out.append("\n".join(str(c) for (c,) in comments))
        finally:
            con.close()
    elif raw.startswith(b"PK\x03\x04"):  # .xlsx and any other zip container: every part
        with zipfile.ZipFile(path) as zf:
            out += [zf.read(info).decode("utf-8", errors="replace") for info in zf.infolist()]
    else:  # an unknown binary format: whatever text it holds
        out.append(raw.decode("utf-8", errors="replace"))
    # entities (&apos; &#39; &amp;) hide nothing from a reader
    out += [u for u in (html.unescape(t) for t in out if "&" in t) if u not in out]
    return out


@pytest.fixture(scope="module")
def published_texts(published) -> dict[str, list[str]]:
    """Relative path -> texts; byte-identical files (latest/ = the release) are read once."""
    files = sorted(p for p in published.rglob("*") if p.is_file())
    assert files
    by_hash: dict[str, list[str]] = {}
    out = {}
    for p in files:
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        if digest not in by_hash:
            by_hash[digest] = texts_of(p)
            out[p.relative_to(published).as_posix()] = by_hash[digest]
    return out


WORD = re.compile(r"\w+")


def index_needles(needles) -> dict[str, list[tuple[str, int]]]:
    """First word of each needle -> (needle, offset of that word in it)."""
    index: dict[str, list[tuple[str, int]]] = {}
    for n in needles:
        m = WORD.search(n)
        assert m, n
        index.setdefault(m.group(0), []).append((n, m.start()))
    return index


def find_any(text: str, index: dict[str, list[tuple[str, int]]]) -> set[str]:
    """The needles that occur in text (aligned on words), in one pass over its words."""
    found = set()
    get = index.get
    for m in WORD.finditer(text):
        candidates = get(m.group(0))
        if candidates:
            for needle, offset in candidates:
                start = m.start() - offset
                if start >= 0 and text.startswith(needle, start):
                    found.add(needle)
    return found


def test_no_private_value_is_published(private_values, published_texts):
    index = index_needles(private_values)
    leaks = {}
    for rel, texts in published_texts.items():
        for text in texts:
            for v in find_any(text, index):
                leaks.setdefault(rel, set()).add(f"{private_values[v]}: {v[:20]}…")
    assert not leaks, f"private values published: {leaks}"


def test_scan_would_see_a_private_value(private_values, tmp_path):
    """The scanner itself works on every format it claims to read (no vacuous pass)."""
    import pyarrow as pa

    secret = next(v for v, origin in private_values.items() if origin == "membres.persona_contacte")
    index = index_needles([secret])
    pq.write_table(pa.table({"x": [secret]}), tmp_path / "t.parquet")
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("CREATE TABLE t AS SELECT ? AS x", [secret])
    con.close()
    with zipfile.ZipFile(tmp_path / "t.xlsx", "w") as zf:
        zf.writestr("xl/sharedStrings.xml", f"<si><t>{html.escape(secret)}</t></si>")
    (tmp_path / "t.html").write_text(f"<p>{html.escape(secret, quote=True)}</p>", encoding="utf-8")
    (tmp_path / "t.json").write_text(json.dumps({"a": secret}), encoding="utf-8")  # ASCII-escaped
    for name in ("t.parquet", "t.duckdb", "t.xlsx", "t.html", "t.json"):
        assert any(find_any(t, index) for t in texts_of(tmp_path / name)), name


def test_no_email_address_is_published(published_texts):
    """Not even a library author's, from a licence notice in third-party code (jsbundle.published_form)."""
    pattern = re.compile(EMAIL_RE)
    found = {rel: sorted({m.group(0) for t in texts for m in pattern.finditer(t)}) for rel, texts in published_texts.items()}
    found = {k: v for k, v in found.items() if v}
    assert not found, f"e-mail addresses in published files: {found}"


def test_no_private_column_is_published(published):
    for path in published.rglob("*.csv"):
        header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
        assert not PRIVATE_COLUMNS & set(header), path
    for path in published.rglob("*.parquet"):
        assert not PRIVATE_COLUMNS & set(pq.read_schema(path).names), path
    con = duckdb.connect(str(published / "localret.duckdb"), read_only=True)
    try:
        cols = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns()").fetchall()}
    finally:
        con.close()
    assert not PRIVATE_COLUMNS & cols
    for path in published.rglob("datapackage.json"):
        dp = json.loads(path.read_text(encoding="utf-8"))
        for res in dp["resources"]:
            assert not PRIVATE_COLUMNS & {f["name"] for f in res["schema"]["fields"]}, path


def test_raw_inputs_are_not_published(published, sample_dir):
    """The raw exports (with their private columns) are archived in --state, never in <out>."""
    raw = {hashlib.sha256(p.read_bytes()).hexdigest() for p in sample_dir.iterdir() if p.suffix in (".csv", ".xlsx")}
    for path in published.rglob("*"):
        if path.is_file():
            assert hashlib.sha256(path.read_bytes()).hexdigest() not in raw, path


def test_personal_data_typed_into_published_free_text_is_never_published(sources, tmp_path):
    """motiu_baixa is published free text: validation stops it (the personal-data rule), and
    no message or report line may repeat the value; nothing becomes visible."""
    from localret.errors import LocalretError
    from localret.pipeline import Options, publish

    secret_mail, secret_phone = "joan.puig.private@gmail.com", "612 345 678"
    t = sources.table("membres")
    row = t.find(data_baixa=None, tipus_ens="AJUNTAMENT")[0]
    t.set(row, "data_baixa", "2024-01-31")
    t.set(row, "motiu_baixa", f"Baixa demanada per Joan Puig ({secret_mail}, {secret_phone})")
    t.save()
    out = tmp_path / "out"
    with pytest.raises(LocalretError) as info:
        publish(Options(sources.folder, out, tmp_path / "state", AS_OF))
    said = str(info.value) + (info.value.report.to_text(limit=None) if hasattr(info.value, "report") else "")
    assert secret_mail not in said and secret_phone not in said
    assert "motiu_baixa" in said
    published_files = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert published_files == []
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name]
