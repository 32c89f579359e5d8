"""The validation report: every problem with file, row, field, value and a plain reason
(Catalan, with English beside it). Private values are never copied into it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

MAX_VALUE_CHARS = 80
DETAIL_LIMIT = 1000  # per rule and field; counts stay exact beyond it
FIRST_ROWS = 5  # rows named on the one line of a repeated problem


@dataclass(frozen=True)
class Finding:
    file: str
    row: int | None
    field: str | None
    value: str | None
    code: str
    severity: str
    message_ca: str
    message_en: str

    def line(self) -> str:
        where = self.file + (f", fila {self.row}" if self.row is not None else "") + (f", camp '{self.field}'" if self.field else "")
        value = f" [valor: {self.value!r}]" if self.value is not None else ""
        return f"{self.severity.upper()} {where}: {self.message_ca} / {self.message_en}{value} ({self.code})"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    counts: dict[tuple[str, str, str, str], int] = field(default_factory=dict)  # (file, code, field, severity)
    files: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, finding: Finding, total: int = 1) -> None:
        self.findings.append(finding)
        key = (finding.file, finding.code, finding.field or "", finding.severity)
        self.counts[key] = max(self.counts.get(key, 0), total)

    def _count(self, severity: str) -> int:
        return sum(n for (_, _, _, s), n in self.counts.items() if s == severity)

    @property
    def error_count(self) -> int:
        return self._count("error")

    @property
    def warning_count(self) -> int:
        return self._count("warning")

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def truncated(self) -> bool:
        return len(self.findings) < sum(self.counts.values())

    def sorted(self) -> list[Finding]:
        order = {"error": 0, "warning": 1}
        return sorted(self.findings, key=lambda f: (order.get(f.severity, 2), f.file, f.row or 0, f.field or "", f.code))

    def groups(self) -> list[tuple[Finding, int, list[int]]]:
        """A repeated problem (same file, rule and field) as one entry: its first finding, how
        many rows have it, and the first rows. A systematic mistake (a whole column in the wrong
        format) then takes one line, and the other problems stay in sight."""
        grouped: dict[tuple, list[Finding]] = {}
        for f in self.sorted():
            grouped.setdefault((f.severity, f.file, f.code, f.field or ""), []).append(f)
        out = []
        for (severity, file, code, fld), found in grouped.items():
            total = max(self.counts.get((file, code, fld, severity), 0), len(found))
            out.append((found[0], total, [f.row for f in found if f.row is not None][:FIRST_ROWS]))
        return out

    def to_json(self) -> str:
        return json.dumps({
            "valid": self.ok,
            "errors": self.error_count,
            "warnings": self.warning_count,
            "partial": self.truncated,
            "files": self.files,
            "notes": self.notes,
            "counts": [{"file": f, "code": c, "field": fl, "severity": s, "count": n} for (f, c, fl, s), n in sorted(self.counts.items())],
            "findings": [asdict(f) for f in self.sorted()],
        }, ensure_ascii=False, indent=2)

    def summary_line(self) -> str:
        state = "VÀLID / VALID" if self.ok else "NO VÀLID / INVALID"
        return f"{state}: {self.error_count} errors, {self.warning_count} avisos / warnings"

    def to_text(self, limit: int | None = 200) -> str:
        lines = [self.summary_line()]
        rows = self.groups()
        for f, total, first in rows[:limit]:
            lines.append("  " + f.line() + repeated(total, first))
        if limit is not None and len(rows) > limit:
            lines.append(f"  ... i {len(rows) - limit} més / and {len(rows) - limit} more (vegeu l'informe complet / see the full report)")
        if self.truncated:
            lines.append(f"  Informe parcial: es mostren com a màxim {DETAIL_LIMIT} casos per regla i camp / "
                         f"partial report: at most {DETAIL_LIMIT} cases per rule and field are listed")
        for note in self.notes:
            lines.append(f"  NOTA / NOTE: {note}")
        return "\n".join(lines)

    def to_markdown(self, limit: int = 200) -> str:
        out = [f"## Informe de validació / Validation report\n\n**{self.summary_line()}**\n"]
        if self.findings:
            out.append("| gravetat | fitxer | fila | camp | valor | motiu / reason | regla |\n|---|---|---|---|---|---|---|")
            for f, total, first in self.groups()[:limit]:
                value = "" if f.value is None else f.value.replace("|", "\\|")
                out.append(f"| {f.severity} | {f.file} | {f.row or ''} | {f.field or ''} | {value} | {f.message_ca} / {f.message_en}"
                           f"{repeated(total, first)} | {f.code} |")
        for note in self.notes:
            out.append(f"\n- {note}")
        return "\n".join(out)


def repeated(total: int, first: list[int]) -> str:
    """ (x1.234 files/rows; primeres/first: 2, 3, 4, 5, 6)" for a problem found more than once."""
    if total <= 1:
        return ""
    rows = f"; primeres/first: {', '.join(str(r) for r in first)}" if first else ""
    return f" (x{total:,} files/rows{rows})".replace(",", ".", total_commas(total))


def total_commas(total: int) -> int:
    return f"{total:,}".count(",")


def clip(value) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"
