"""Static SVG charts of the figures in the `resums` dataset, drawn at publish time with
matplotlib's SVG backend (no pyplot, no global state), in each language.

Reproducible: a fixed svg.hashsalt (the ids of clip paths), no date in the metadata, text as
<text> elements (small, selectable, read by screen readers if inlined). Each chart comes with
a text alternative: a short alt text and the table of the numbers it draws."""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from importlib.metadata import version
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

from localret import memo

from localret.site import i18n
from localret.site.published import Dataset

RC = {
    "svg.hashsalt": "localret",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 10,
    "axes.edgecolor": "#444444",
    "axes.labelcolor": "#1a1a1a",
    "xtick.color": "#1a1a1a",
    "ytick.color": "#1a1a1a",
    "text.color": "#1a1a1a",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "path.simplify": False,
}
# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"]
MAIN = "#0B5A8A"
MUTED = "#C9D6E2"
WIDTH_IN = 7.5
# Bars a chart of a table that grows with the data draws (adhesions per lot): the chart and its
# page keep their size, and the note under the chart's table says where the rest is.
MAX_BARS = 25
PT_TO_PX = 96 / 72


@dataclass
class Chart:
    id: str
    lang: str
    title: str
    alt: str
    svg: bytes
    width: int  # CSS pixels
    height: int
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""

    @property
    def filename(self) -> str:
        return f"{self.id}.{self.lang}.svg"


def _figure(**kw) -> Figure:
    from matplotlib.figure import Figure

    return Figure(**kw)


def _render(fig: Figure, title: str) -> tuple[bytes, int, int]:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Title": title, "Creator": None}, bbox_inches="tight",
                pad_inches=0.12)
    svg = buf.getvalue()
    m = re.search(rb'<svg[^>]*\swidth="([\d.]+)pt"[^>]*\sheight="([\d.]+)pt"', svg)
    width, height = (round(float(m.group(1)) * PT_TO_PX), round(float(m.group(2)) * PT_TO_PX)) if m else (720, 360)
    return svg, width, height


def _hbar(labels: list[str], values: list[float], lang: str, xlabel: str, *, background: list[float] | None = None,
          background_label: str | None = None, value_label: str | None = None) -> Figure:
    """Horizontal bars, first label on top, each bar with its value written beside it."""
    n = len(labels)
    fig = _figure(figsize=(WIDTH_IN, max(1.6, 0.28 * n + 0.9)))
    ax = fig.subplots()
    ys = list(range(n))[::-1]
    if background is not None:
        ax.barh(ys, background, color=MUTED, height=0.72, label=background_label)
    ax.barh(ys, values, color=MAIN, height=0.72 if background is None else 0.5, label=value_label)
    top = max(list(values) + list(background or [0]) + [1])
    for y, v, b in zip(ys, values, background or [None] * n):
        text = i18n.number(v, lang) if b is None else f"{i18n.number(v, lang)} / {i18n.number(b, lang)}"
        ax.text((b if b is not None else v) + top * 0.01, y, text, va="center", fontsize=9)
    ax.set_yticks(ys, labels)
    ax.set_xlim(0, top * 1.18)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlabel(xlabel)
    ax.tick_params(axis="y", length=0)
    if background is not None:
        ax.legend(loc="lower right")
    return fig


def members_by_type(resums: Dataset, lang: str) -> Chart | None:
    rows = resums.read_rows("membres-per-tipus")
    if not rows:
        return None
    rows = sorted(rows, key=lambda r: -int(r["membres_actius"] or 0))
    labels = [i18n.code_label("tipus_ens", r["tipus_ens"], lang) for r in rows]
    values = [int(r["membres_actius"] or 0) for r in rows]
    title = i18n.CHARTS["members-by-type"][lang]
    fig = _hbar(labels, values, lang, i18n.AXES["members"][lang])
    alt = f"{title}: " + "; ".join(f"{lab}: {i18n.number(v, lang)}" for lab, v in zip(labels, values)) + "."
    return _chart("members-by-type", lang, title, alt, fig, [i18n.S["type"][lang], i18n.AXES["members"][lang]],
                  [[lab, i18n.number(v, lang)] for lab, v in zip(labels, values)])


def members_by_province(resums: Dataset, lang: str) -> Chart | None:
    rows = resums.read_rows("membres-per-provincia")
    if not rows:
        return None
    rows = sorted(rows, key=lambda r: -int(r["membres_actius"] or 0))
    labels = [r["provincia_nom"] or r["provincia_codi"] for r in rows]
    values = [int(r["membres_actius"] or 0) for r in rows]
    title = i18n.CHARTS["members-by-province"][lang]
    fig = _hbar(labels, values, lang, i18n.AXES["members"][lang])
    alt = f"{title}: " + "; ".join(f"{lab}: {i18n.number(v, lang)}" for lab, v in zip(labels, values)) + "."
    headers = [i18n.S["province"][lang], i18n.AXES["members"][lang], i18n.AXES["councils"][lang], i18n.AXES["municipalities"][lang]]
    table = [[lab, i18n.number(v, lang), i18n.number(r["ajuntaments_membres"], lang), i18n.number(r["municipis"], lang)]
             for lab, v, r in zip(labels, values, rows)]
    return _chart("members-by-province", lang, title, alt, fig, headers, table)


def members_by_comarca(resums: Dataset, lang: str) -> Chart | None:
    rows = resums.read_rows("membres-per-comarca")
    if not rows:
        return None
    rows = sorted(rows, key=lambda r: (-int(r["ajuntaments_membres"] or 0), r["comarca_nom"] or ""))
    labels = [r["comarca_nom"] or r["comarca_codi"] for r in rows]
    values = [int(r["ajuntaments_membres"] or 0) for r in rows]
    totals = [int(r["municipis"] or 0) for r in rows]
    title = i18n.CHARTS["members-by-comarca"][lang]
    fig = _hbar(labels, values, lang, i18n.AXES["councils"][lang], background=totals,
                background_label=i18n.AXES["municipalities"][lang], value_label=i18n.AXES["councils"][lang])
    alt = {
        "ca": f"{title}, de més a menys, de {len(rows)} comarques: la primera és {labels[0]} ({values[0]} de {totals[0]} municipis) "
              f"i l'última {labels[-1]} ({values[-1]} de {totals[-1]}). Les xifres de totes són a la taula de dades del gràfic.",
        "es": f"{title}, de más a menos, de {len(rows)} comarcas: la primera es {labels[0]} ({values[0]} de {totals[0]} municipios) "
              f"y la última {labels[-1]} ({values[-1]} de {totals[-1]}). Las cifras de todas están en la tabla de datos del gráfico.",
        "en": f"{title}, from most to fewest, for {len(rows)} comarques: first {labels[0]} ({values[0]} of {totals[0]} municipalities), "
              f"last {labels[-1]} ({values[-1]} of {totals[-1]}). Every figure is in the chart's data table.",
    }[lang]
    headers = [i18n.AXES["comarca"][lang], i18n.AXES["councils"][lang], i18n.AXES["municipalities"][lang], "%"]
    table = [[lab, i18n.number(v, lang), i18n.number(tot, lang), i18n.number(r["percentatge_municipis"], lang, 1)]
             for lab, v, tot, r in zip(labels, values, totals, rows)]
    return _chart("members-by-comarca", lang, title, alt, fig, headers, table)


def members_per_year(resums: Dataset, lang: str) -> Chart | None:
    rows = resums.read_rows("membres-per-any")
    if not rows:
        return None
    by_type: dict[str, dict[int, int]] = defaultdict(dict)
    for r in rows:
        by_type[r["tipus_ens"]][int(r["any"])] = int(r["membres_actius"] or 0)
    years = sorted({int(r["any"]) for r in rows})
    order = [c for c in i18n.CODES["tipus_ens"] if c in by_type] + sorted(c for c in by_type if c not in i18n.CODES["tipus_ens"])
    order = [c for c in order if any(by_type[c].values())]
    totals = [sum(by_type[c].get(y, 0) for c in by_type) for y in years]
    title = i18n.CHARTS["members-per-year"][lang]
    fig = _figure(figsize=(WIDTH_IN, 3.6))
    ax = fig.subplots()
    ax.stackplot(years, [[by_type[c].get(y, 0) for y in years] for c in order],
                 labels=[i18n.code_label("tipus_ens", c, lang) for c in order], colors=PALETTE[: len(order)], alpha=0.9)
    ax.plot(years, totals, color="#1a1a1a", linewidth=1.2, label=i18n.AXES["total"][lang])
    ax.set_xlim(years[0], years[-1])
    ax.set_ylim(0, max(totals + [1]) * 1.1)
    ax.set_ylabel(i18n.AXES["members"][lang])
    ax.grid(axis="y", color="#e3e3e3", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    first, last = totals[0], totals[-1]
    alt = {
        "ca": f"{title}: de {i18n.number(first, lang)} membres el {years[0]} a {i18n.number(last, lang)} el {years[-1]}, "
              f"amb un màxim de {i18n.number(max(totals), lang)}. La majoria són ajuntaments.",
        "es": f"{title}: de {i18n.number(first, lang)} miembros en {years[0]} a {i18n.number(last, lang)} en {years[-1]}, "
              f"con un máximo de {i18n.number(max(totals), lang)}. La mayoría son ayuntamientos.",
        "en": f"{title}: from {i18n.number(first, lang)} members in {years[0]} to {i18n.number(last, lang)} in {years[-1]}, "
              f"peaking at {i18n.number(max(totals), lang)}. Most are municipal councils.",
    }[lang]
    headers = [i18n.AXES["year"][lang]] + [i18n.code_label("tipus_ens", c, lang) for c in order] + [i18n.AXES["total"][lang]]
    table = [[str(y)] + [i18n.number(by_type[c].get(y, 0), lang) for c in order] + [i18n.number(tot, lang)]
             for y, tot in zip(years, totals)]
    return _chart("members-per-year", lang, title, alt, fig, headers, table)


def joins_and_leavings(resums: Dataset, lang: str) -> Chart | None:
    rows = resums.read_rows("membres-altes-baixes")
    if not rows:
        return None
    joins: dict[int, dict[str, int]] = defaultdict(dict)
    leavings: dict[int, int] = defaultdict(int)
    for r in rows:
        joins[int(r["any"])][r["tipus_ens"]] = int(r["altes"] or 0)
        leavings[int(r["any"])] += int(r["baixes"] or 0)
    years = sorted(joins)
    kinds = [c for c in i18n.CODES["tipus_ens"] if any(joins[y].get(c) for y in years)]
    joined = [sum(joins[y].values()) for y in years]
    left = [leavings[y] for y in years]
    title = i18n.CHARTS["joins-and-leavings"][lang]
    fig = _figure(figsize=(WIDTH_IN, 3.4))
    ax = fig.subplots()
    ax.bar(years, joined, color=MAIN, width=0.8, label=i18n.AXES["joins"][lang])
    drawn = [i for i, v in enumerate(left) if v]  # no empty rectangles in the SVG
    ax.bar([years[i] for i in drawn], [-left[i] for i in drawn], color=PALETTE[3], width=0.8, label=i18n.AXES["leavings"][lang])
    ax.axhline(0, color="#444444", linewidth=0.8)
    ax.set_ylabel(i18n.AXES["joins_leavings"][lang])
    ax.grid(axis="y", color="#e3e3e3", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="upper right", fontsize=8)
    peak = years[max(range(len(years)), key=lambda i: joined[i])]
    alt = {
        "ca": f"{title}: {i18n.number(sum(joined), lang)} altes i {i18n.number(sum(left), lang)} baixes entre {years[0]} i {years[-1]}; "
              f"l'any amb més altes és {peak} ({i18n.number(max(joined), lang)}). Les xifres per any i tipus són a la taula de dades del gràfic.",
        "es": f"{title}: {i18n.number(sum(joined), lang)} altas y {i18n.number(sum(left), lang)} bajas entre {years[0]} y {years[-1]}; "
              f"el año con más altas es {peak} ({i18n.number(max(joined), lang)}). Las cifras por año y tipo están en la tabla de datos del gráfico.",
        "en": f"{title}: {i18n.number(sum(joined), lang)} joins and {i18n.number(sum(left), lang)} leavings between {years[0]} and {years[-1]}; "
              f"the year with most joins is {peak} ({i18n.number(max(joined), lang)}). Figures by year and type are in the chart's data table.",
    }[lang]
    headers = ([i18n.AXES["year"][lang]] + [f"{i18n.AXES['joins'][lang]}: {i18n.code_label('tipus_ens', c, lang)}" for c in kinds]
               + [i18n.AXES["joins"][lang], i18n.AXES["leavings"][lang]])
    table = [[str(y)] + [i18n.number(joins[y].get(c, 0), lang) for c in kinds] + [i18n.number(j, lang), i18n.number(lv, lang)]
             for y, j, lv in zip(years, joined, left) if j or lv]
    return _chart("joins-and-leavings", lang, title, alt, fig, headers, table)


def adhesions_by_lot(resums: Dataset, lang: str) -> Chart | None:
    rows = resums.read_rows("adhesions-per-lot")
    if not rows:
        return None
    total_lots = len(rows)
    if total_lots > MAX_BARS:  # the lots with most adhesions, in the table's order
        keep = sorted(range(total_lots), key=lambda i: -int(rows[i]["adhesions"] or 0))[:MAX_BARS]
        rows = [rows[i] for i in sorted(keep)]
    labels = [f"{r['procediment_id']} · {i18n.AXES['lot'][lang]} {r['lot_numero']} ({i18n.code_label('servei', r['servei'], lang)})"
              for r in rows]
    values = [int(r["adhesions"] or 0) for r in rows]
    in_force = [int(r.get("adhesions_vigents") or 0) for r in rows]
    title = i18n.CHARTS["adhesions-by-lot"][lang]
    fig = _hbar(labels, in_force, lang, i18n.AXES["adhesions"][lang], background=values,
                background_label=i18n.AXES["adhesions"][lang], value_label=i18n.AXES["in_force"][lang])
    top = max(range(len(values)), key=lambda i: values[i])
    alt = {
        "ca": f"{title}: {total_lots} lots; el que té més adhesions és {labels[top]}, amb {i18n.number(values[top], lang)}.",
        "es": f"{title}: {total_lots} lotes; el que tiene más adhesiones es {labels[top]}, con {i18n.number(values[top], lang)}.",
        "en": f"{title}: {total_lots} lots; the one with most adhesions is {labels[top]}, with {i18n.number(values[top], lang)}.",
    }[lang]
    headers = [i18n.AXES["procedure"][lang], i18n.AXES["lot"][lang], i18n.AXES["service"][lang], i18n.AXES["in_force"][lang],
               i18n.AXES["adhesions"][lang]]
    table = [[r["procediment_id"], r["lot_numero"], i18n.code_label("servei", r["servei"], lang), i18n.number(f, lang), i18n.number(v, lang)]
             for r, f, v in zip(rows, in_force, values)]
    note = (i18n.t("chart_capped", lang, n=len(rows), total=i18n.number(total_lots, lang), table="adhesions-per-lot")
            if total_lots > len(rows) else "")
    chart = _chart("adhesions-by-lot", lang, title, alt, fig, headers, table)
    chart.note = note
    return chart


def adhesions_by_operator(resums: Dataset, lang: str) -> Chart | None:
    rows = resums.read_rows("adhesions-per-operador")
    if not rows:
        return None
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        totals[r["operador"] or i18n.AXES["no_operator"][lang]] += int(r["adhesions"] or 0)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    labels, values = [k for k, _ in ranked], [v for _, v in ranked]
    title = i18n.CHARTS["adhesions-by-operator"][lang]
    fig = _hbar(labels, values, lang, i18n.AXES["adhesions"][lang])
    alt = f"{title}: " + "; ".join(f"{lab}: {i18n.number(v, lang)}" for lab, v in ranked) + "."
    return _chart("adhesions-by-operator", lang, title, alt, fig, [i18n.AXES["operator"][lang], i18n.AXES["adhesions"][lang]],
                  [[lab, i18n.number(v, lang)] for lab, v in ranked])


def agreements_per_year(resums: Dataset, lang: str) -> Chart | None:
    rows = resums.read_rows("convenis-per-any")
    if not rows:
        return None
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for r in rows:
        counts[r["tipus"]][int(r["any_signatura"])] = int(r["convenis"] or 0)
    years = list(range(min(int(r["any_signatura"]) for r in rows), max(int(r["any_signatura"]) for r in rows) + 1))
    kinds = [k for k in i18n.CODES["tipus_conveni"] if k in counts] + sorted(k for k in counts if k not in i18n.CODES["tipus_conveni"])
    title = i18n.CHARTS["agreements-per-year"][lang]
    fig = _figure(figsize=(WIDTH_IN, 3.4))
    ax = fig.subplots()
    bottom = [0] * len(years)
    for i, k in enumerate(kinds):
        vals = [counts[k].get(y, 0) for y in years]
        drawn = [j for j, v in enumerate(vals) if v]  # no empty rectangles in the SVG
        ax.bar([years[j] for j in drawn], [vals[j] for j in drawn], bottom=[bottom[j] for j in drawn],
               color=PALETTE[i % len(PALETTE)], width=0.8, label=i18n.code_label("tipus_conveni", k, lang))
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_ylabel(i18n.AXES["agreements"][lang])
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", color="#e3e3e3", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", fontsize=8, ncols=min(3, len(kinds)))
    ax.set_ylim(0, max(bottom + [1]) * 1.35)
    total = sum(bottom)
    peak = years[max(range(len(years)), key=lambda i: bottom[i])]
    alt = {
        "ca": f"{title}: {i18n.number(total, lang)} convenis entre {years[0]} i {years[-1]}; l'any amb més és {peak} ({max(bottom)}).",
        "es": f"{title}: {i18n.number(total, lang)} convenios entre {years[0]} y {years[-1]}; el año con más es {peak} ({max(bottom)}).",
        "en": f"{title}: {i18n.number(total, lang)} agreements between {years[0]} and {years[-1]}; the busiest year is {peak} ({max(bottom)}).",
    }[lang]
    headers = [i18n.AXES["year"][lang]] + [i18n.code_label("tipus_conveni", k, lang) for k in kinds] + [i18n.AXES["total"][lang]]
    table = [[str(y)] + [i18n.number(counts[k].get(y, 0), lang) for k in kinds] + [i18n.number(b, lang)]
             for y, b in zip(years, bottom) if b]
    return _chart("agreements-per-year", lang, title, alt, fig, headers, table)


def _chart(chart_id: str, lang: str, title: str, alt: str, fig: Figure, headers: list[str], rows: list[list[str]]) -> Chart:
    import matplotlib

    with matplotlib.rc_context(RC):
        svg, width, height = _render(fig, title)
    return Chart(chart_id, lang, title, alt, svg, width, height, headers, rows)


BUILDERS = {
    "members-by-type": members_by_type,
    "members-by-province": members_by_province,
    "members-by-comarca": members_by_comarca,
    "members-per-year": members_per_year,
    "joins-and-leavings": joins_and_leavings,
    "adhesions-by-lot": adhesions_by_lot,
    "adhesions-by-operator": adhesions_by_operator,
    "agreements-per-year": agreements_per_year,
}


# The resums table each chart draws: its definition is shown beside the chart.
TABLES = {
    "members-by-type": "membres-per-tipus",
    "members-by-province": "membres-per-provincia",
    "members-by-comarca": "membres-per-comarca",
    "members-per-year": "membres-per-any",
    "joins-and-leavings": "membres-altes-baixes",
    "adhesions-by-lot": "adhesions-per-lot",
    "adhesions-by-operator": "adhesions-per-operador",
    "agreements-per-year": "convenis-per-any",
}


def _inputs_key(resums: Dataset) -> str:
    """Everything a chart is drawn from: the published resums release, its declarations, the
    words and this code, and the drawing library's version."""
    here = Path(__file__).resolve().parent
    files = sorted(p for p in resums.latest_dir.iterdir() if p.is_file()) if resums.latest_dir.is_dir() else []
    tunables = repr((RC, PALETTE, MAIN, MUTED, WIDTH_IN, MAX_BARS, PT_TO_PX))  # module values, as tests may set them
    return memo.key(version("matplotlib"), tunables, *(p.read_bytes() for p in (here / "charts.py", here / "i18n.py")),
                    json.dumps(resums.meta, sort_keys=True, default=str), resums.reference_date or "",
                    *(part for p in files for part in (p.name, p.read_bytes())))


def build_all(resums: Dataset | None) -> dict[tuple[str, str], Chart]:
    """{(chart id, lang): chart} for every chart whose table is published (drawn once per input:
    memo.py)."""
    if resums is None:
        return {}
    digest = _inputs_key(resums)
    cached = memo.load("charts", digest)
    if cached is not None:
        return cached
    out = {}
    import matplotlib  # only when drawing: a publication whose charts are cached never loads it

    with matplotlib.rc_context(RC):  # figures take their style when they are created
        for chart_id, builder in BUILDERS.items():
            for lang in i18n.LANGS:
                chart = builder(resums, lang)
                if chart is not None:
                    out[(chart_id, lang)] = chart
    memo.store("charts", digest, out)
    return out
