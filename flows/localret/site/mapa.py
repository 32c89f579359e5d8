"""The map section (<out>/mapa/): Catalonia's 947 municipalities coloured by membership, and
the 43 comarques coloured by the share of member municipalities, on the reference date or on
any day chosen with the date control (?data=YYYY-MM-DD).

The maps are SVG written into the page (they need no JavaScript); each municipality is a
focusable <path> with its INE code (data-codi-ine), its membership (data-membre="1|0"), a
<title> and an aria-label. Membership is derived from the published episodes exactly as the
resums tables count it: a municipality is a member on a day when its AJUNTAMENT has an episode
with data_alta <= day < data_baixa (or no data_baixa). The episodes ship inside the page as a
small JSON (each municipality's intervals), which site/js/mapa.js reads to recolour both maps,
the count and the tables for another day. Geometry: site/geo/catalunya.json (docs/map.md).
"""

from __future__ import annotations

import json
from importlib import resources

from markupsafe import Markup

from localret.duck import published_csv, scratch
from localret.site import geo, i18n, jsbundle
from localret.site.build import Page, Site, page_name, published_sort_key, section
from localret.site.published import LANGS

FOLDER = "mapa"
SCRIPT = "mapa.js"
STYLE = "mapa.css"
# Upper bounds (exclusive, in %) of the comarca colour classes; the last class is 100 %.
SHARE_CLASSES = (50, 75, 90, 100)

WORDS = {
    "nav_map": {"ca": "Mapa", "es": "Mapa", "en": "Map"},
    "map_title": {"ca": "Mapa dels municipis membres", "es": "Mapa de los municipios miembros",
                  "en": "Map of member municipalities"},
    "map_description": {
        "ca": "Els 947 municipis de Catalunya segons si el seu ajuntament és membre del Consorci Localret, i les comarques "
              "segons la proporció de municipis membres, en qualsevol data.",
        "es": "Los 947 municipios de Cataluña según si su ayuntamiento es miembro del Consorci Localret, y las comarcas "
              "según la proporción de municipios miembros, en cualquier fecha.",
        "en": "Catalonia's 947 municipalities by whether their council is a member of Consorci Localret, and the comarques "
              "(counties) by the share of member municipalities, on any date."},
    "map_intro": {
        "ca": "Un municipi és membre en una data si el seu ajuntament hi té un episodi de pertinença: alta en aquella data "
              "o abans, i sense baixa o amb la baixa posterior (qui es dona de baixa aquell dia ja no compta). Els mapes "
              "mostren la data de referència de les dades, {date}; el control de data els torna a pintar per a qualsevol dia.",
        "es": "Un municipio es miembro en una fecha si su ayuntamiento tiene un episodio de pertenencia: alta en esa fecha "
              "o antes, y sin baja o con la baja posterior (quien se da de baja ese día ya no cuenta). Los mapas muestran "
              "la fecha de referencia de los datos, {date}; el control de fecha los vuelve a pintar para cualquier día.",
        "en": "A municipality is a member on a date if its council has a membership episode that started on or before "
              "that date and has not ended (a council that leaves on that day no longer counts). The maps show the "
              "data's reference date, {date}; the date control redraws them for any day."},
    "map_date": {"ca": "Data", "es": "Fecha", "en": "Date"},
    "map_show": {"ca": "Mostra", "es": "Mostrar", "en": "Show"},
    "map_count": {"ca": "{n} de {total} municipis membres", "es": "{n} de {total} municipios miembros",
                  "en": "{n} of {total} municipalities are members"},
    "map_municipalities": {"ca": "Municipis", "es": "Municipios", "en": "Municipalities"},
    "map_comarques": {"ca": "Comarques", "es": "Comarcas", "en": "Comarques (counties)"},
    "map_municipalities_label": {"ca": "Mapa dels municipis de Catalunya per pertinença",
                                 "es": "Mapa de los municipios de Cataluña por pertenencia",
                                 "en": "Map of Catalonia's municipalities by membership"},
    "map_comarques_label": {"ca": "Mapa de les comarques per percentatge de municipis membres",
                            "es": "Mapa de las comarcas por porcentaje de municipios miembros",
                            "en": "Map of the comarques by percentage of member municipalities"},
    "map_member": {"ca": "membre", "es": "miembro", "en": "member"},
    "map_not_member": {"ca": "no membre", "es": "no miembro", "en": "not a member"},
    "map_comarca_share": {"ca": "{n} de {total} municipis membres ({pct})", "es": "{n} de {total} municipios miembros ({pct})",
                          "en": "{n} of {total} municipalities are members ({pct})"},
    "map_legend": {"ca": "Llegenda", "es": "Leyenda", "en": "Legend"},
    "map_share_legend": {"ca": "Percentatge de municipis membres", "es": "Porcentaje de municipios miembros",
                         "en": "Percentage of member municipalities"},
    "map_skip": {"ca": "Salta els mapes fins a les taules", "es": "Saltar los mapas hasta las tablas",
                 "en": "Skip the maps to the tables"},
    "map_hint": {"ca": "Passeu el ratolí o el focus per un municipi o una comarca per veure'n el nom.",
                 "es": "Pase el ratón o el foco por un municipio o una comarca para ver su nombre.",
                 "en": "Hover over or focus a municipality or a comarca to see its name."},
    "map_tables": {"ca": "Les dades dels mapes en taules", "es": "Los datos de los mapas en tablas",
                   "en": "The maps' data as tables"},
    "map_table_municipalities": {"ca": "Tots els municipis ({n})", "es": "Todos los municipios ({n})",
                                 "en": "Every municipality ({n})"},
    "map_table_comarques": {"ca": "Totes les comarques ({n})", "es": "Todas las comarcas ({n})",
                            "en": "Every comarca ({n})"},
    "map_municipality": {"ca": "Municipi", "es": "Municipio", "en": "Municipality"},
    "map_n_municipalities": {"ca": "Municipis", "es": "Municipios", "en": "Municipalities"},
    "map_n_members": {"ca": "Municipis membres", "es": "Municipios miembros", "en": "Member municipalities"},
    "map_share": {"ca": "Percentatge", "es": "Porcentaje", "en": "Percentage"},
    "map_no_data": {"ca": "No hi ha dades de membres publicades: cap municipi no hi apareix com a membre.",
                    "es": "No hay datos de miembros publicados: ningún municipio aparece como miembro.",
                    "en": "No membership data is published: no municipality is shown as a member."},
    "map_credits": {"ca": "Fonts i crèdits", "es": "Fuentes y créditos", "en": "Sources and credits"},
    "map_credit_geometry": {
        "ca": "Límits municipals: © Instituto Geográfico Nacional (IGN), llicència CC BY 4.0, tal com els empaqueta "
              "es-atlas {version} (llicència MIT); comarques dissoltes a partir dels codis del registre d'Idescat.",
        "es": "Límites municipales: © Instituto Geográfico Nacional (IGN), licencia CC BY 4.0, tal como los empaqueta "
              "es-atlas {version} (licencia MIT); comarcas disueltas a partir de los códigos del registro de Idescat.",
        "en": "Municipal boundaries: © Instituto Geográfico Nacional (IGN), licence CC BY 4.0, as packaged by es-atlas "
              "{version} (MIT licence); comarques dissolved from the codes of Idescat's register."},
    "map_credit_tools": {
        "ca": "Projecció i simplificació (UTM 31N, topologia conservada) amb d3-geo i topojson (llicència ISC).",
        "es": "Proyección y simplificación (UTM 31N, topología conservada) con d3-geo y topojson (licencia ISC).",
        "en": "Projection and simplification (UTM 31N, topology preserved) with d3-geo and topojson (ISC licence)."},
    "map_credit_data": {
        "ca": "Pertinença: conjunt de dades «{title}» del Consorci Localret, llicència",
        "es": "Pertenencia: conjunto de datos «{title}» del Consorci Localret, licencia",
        "en": "Membership: Consorci Localret's dataset “{title}”, licence"},
}
i18n.register(WORDS)


@section(Page(FOLDER, "index", "nav_map"))
def mapa(site: Site) -> None:
    data = membership(site)
    site.write(f"{FOLDER}/{SCRIPT}", jsbundle.bundle(SCRIPT))
    site.write(f"{FOLDER}/{STYLE}", (resources.files("localret.site") / "static" / STYLE).read_bytes())
    for lang in LANGS:
        site.write(f"{FOLDER}/{page_name(lang)}", render(site, data, lang))


def membership(site: Site) -> dict:
    """Each municipality's membership intervals [data_alta, data_baixa or None] from the published
    membres episodes of AJUNTAMENT bodies, matched to their INE code through the ens table; and
    the reference date. DuckDB reads the CSVs, so that Python holds only the councils' episodes
    whatever the size of the tables."""
    membres, ens = site.by_name.get("membres"), site.by_name.get("ens")
    membres_csv = membres.table_path("membres") if membres is not None else None
    ens_csv = ens.table_path("ens") if ens is not None else None
    if membres_csv is None or ens_csv is None:
        return {"date": None, "intervals": {}}
    known = geo.load()["municipis"]
    con = scratch()
    try:
        rows = con.execute(
            f"SELECT e.codi_ine, m.data_alta, NULLIF(m.data_baixa, '') FROM {published_csv(membres_csv)} m "
            f"JOIN {published_csv(ens_csv)} e USING (ens_id) "
            "WHERE m.tipus_ens = 'AJUNTAMENT' AND e.tipus_ens = 'AJUNTAMENT' AND NULLIF(e.codi_ine, '') IS NOT NULL "
            "AND NULLIF(m.data_alta, '') IS NOT NULL ORDER BY 1, 2, 3 NULLS LAST").fetchall()
    finally:
        con.close()
    intervals: dict[str, list[list]] = {}
    for code, alta, baixa in rows:
        if code in known:
            intervals.setdefault(code, []).append([alta, baixa])
    return {"date": membres.reference_date, "intervals": intervals}


def is_member(spans: list[list], day: str) -> bool:
    return any(alta <= day and (baixa is None or day < baixa) for alta, baixa in spans)


def share_class(members: int, total: int) -> int:
    """The colour class of a comarca's percentage of members: i when it is below SHARE_CLASSES[i],
    len(SHARE_CLASSES) when every municipality is a member."""
    pct = 100.0 * members / total if total else 0.0
    return next((i for i, bound in enumerate(SHARE_CLASSES) if pct < bound), len(SHARE_CLASSES))


def render(site: Site, data: dict, lang: str) -> str:
    shape = geo.load()
    day = data["date"] or ""
    spans = data["intervals"]
    yes, no = i18n.t("map_member", lang), i18n.t("map_not_member", lang)
    comarca_names = {c: v["nom"] for c, v in shape["comarques"].items()}
    municipalities = []
    for code, m in sorted(shape["municipis"].items()):
        member = is_member(spans.get(code, []), day)
        municipalities.append({"code": code, "name": m["nom"], "comarca": m["comarca"], "comarca_name": comarca_names[m["comarca"]],
                               "d": m["d"], "member": member, "label": f"{m['nom']} ({comarca_names[m['comarca']]}): {yes if member else no}"})
    comarques = []
    for code, c in sorted(shape["comarques"].items()):
        inside = [m for m in municipalities if m["comarca"] == code]
        n = sum(m["member"] for m in inside)
        pct = 100.0 * n / len(inside)
        share = i18n.t("map_comarca_share", lang, n=i18n.number(n, lang), total=i18n.number(len(inside), lang),
                       pct=i18n.percent(pct, lang))
        comarques.append({"code": code, "name": c["nom"], "d": c["d"], "members": n, "total": len(inside), "pct": pct,
                          "pct_text": i18n.percent(pct, lang), "cls": share_class(n, len(inside)), "label": f"{c['nom']}: {share}"})
    members = sum(m["member"] for m in municipalities)
    bounds = (0,) + SHARE_CLASSES
    legend = [f"{i18n.percent(lo, lang, 0)} – <{i18n.percent(hi, lang, 0)}" for lo, hi in zip(bounds[:-1], bounds[1:])]
    legend.append(i18n.percent(100, lang, 0))
    membres_ds = site.by_name.get("membres")
    first = min((s[0] for v in spans.values() for s in v), default=day)
    client = {"date": data["date"], "min": first, "municipis": spans, "classes": list(SHARE_CLASSES),
              "words": {"member": yes, "not_member": no, "count": i18n.t("map_count", lang),
                        "share": i18n.t("map_comarca_share", lang), "yes": i18n.t("yes", lang), "no": i18n.t("no", lang),
                        "months": i18n.MONTHS[lang]}}
    ctx = site.common(lang, FOLDER, "../", f"{i18n.t('map_title', lang)} · {i18n.t('site_name', lang)}",
                      i18n.t("map_description", lang))
    ctx.update({
        "view_box": shape["viewBox"], "outline": shape["outline"], "has_data": data["date"] is not None,
        "date": day, "min_date": first,
        "municipalities": municipalities,
        "municipalities_sorted": sorted(municipalities, key=lambda m: (published_sort_key(m["name"]), m["code"])),
        "comarques": comarques,
        "comarques_sorted": sorted(comarques, key=lambda c: published_sort_key(c["name"])),
        "members": members, "total": len(municipalities),
        "count_text": i18n.t("map_count", lang, n=i18n.number(members, lang), total=i18n.number(len(municipalities), lang)),
        "legend": legend, "client": compact_json(client), "atlas_version": shape["source"]["geometry"].split()[1],
        "membres_title": membres_ds.title(lang) if membres_ds else "", "membres_href": "../membres/" + page_name(lang) if membres_ds else None,
        "script": SCRIPT, "style": STYLE,
    })
    return site.env.get_template("mapa.html").render(ctx)


def compact_json(data) -> Markup:
    """JSON safe inside <script>, without spaces (the intervals of ~950 municipalities)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
