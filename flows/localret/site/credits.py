"""The credits page (<out>/credits/): where the data comes from and every library whose code
the published pages run, with its version and licence.

The list of libraries is not kept by hand: it is esbuild's own list of what it put into each
bundle (jsbundle.bundled_packages), so a library added to a page is credited by the same
build that ships it."""

from __future__ import annotations

from localret.site import i18n, jsbundle
from localret.site.build import Page, page_name, section
from localret.site.published import LANGS

i18n.register({
    "nav_credits": {"ca": "Crèdits i llicències", "es": "Créditos y licencias", "en": "Credits and licences"},
    "credits_intro": {
        "ca": "D'on surten les dades d'aquest lloc i quin programari fan servir les seves pàgines.",
        "es": "De dónde salen los datos de este sitio y qué software usan sus páginas.",
        "en": "Where this site's data comes from and which software its pages run."},
    "credits_data": {"ca": "Fonts de dades", "es": "Fuentes de datos", "en": "Data sources"},
    "credits_code": {"ca": "Programari a les pàgines", "es": "Software en las páginas", "en": "Software in the pages"},
    "credits_code_note": {
        "ca": "Biblioteques de codi obert incloses als fitxers JavaScript del lloc, servides des d'aquest mateix lloc (cap CDN). La llista la genera la mateixa compilació que les inclou.",
        "es": "Bibliotecas de código abierto incluidas en los ficheros JavaScript del sitio, servidas desde este mismo sitio (ningún CDN). La lista la genera la misma compilación que las incluye.",
        "en": "Open-source libraries bundled into the site's JavaScript files, served from this site itself (no CDN). The list is made by the same build that bundles them."},
    "credits_library": {"ca": "Biblioteca", "es": "Biblioteca", "en": "Library"},
    "credits_version": {"ca": "Versió", "es": "Versión", "en": "Version"},
    "credits_licence": {"ca": "Llicència", "es": "Licencia", "en": "Licence"},
    "credits_used_in": {"ca": "Fitxer", "es": "Fichero", "en": "File"},
    "credits_localret": {
        "ca": "Consorci Localret: membres, adhesions a la contractació agregada i convenis (CC BY 4.0).",
        "es": "Consorci Localret: miembros, adhesiones a la contratación agregada y convenios (CC BY 4.0).",
        "en": "Consorci Localret: members, adhesions to the aggregated contracts and agreements (CC BY 4.0)."},
    "credits_idescat": {
        "ca": "Institut d'Estadística de Catalunya (Idescat): codis, noms, comarques i població dels municipis (Font: Idescat).",
        "es": "Institut d'Estadística de Catalunya (Idescat): códigos, nombres, comarcas y población de los municipios (Fuente: Idescat).",
        "en": "Statistical Institute of Catalonia (Idescat): codes, names, comarques and population of the municipalities (Source: Idescat)."},
    "credits_ign": {
        "ca": "Límits municipals: © Instituto Geográfico Nacional (CC BY 4.0), tal com els empaqueta es-atlas (MIT).",
        "es": "Límites municipales: © Instituto Geográfico Nacional (CC BY 4.0), tal como los empaqueta es-atlas (MIT).",
        "en": "Municipal boundaries: © Instituto Geográfico Nacional (CC BY 4.0), as packaged by es-atlas (MIT)."},
})

FOLDER = "credits"


@section(Page(FOLDER, "index", "nav_credits", place="footer"))
def credits_page(site) -> None:
    libraries: dict[str, dict] = {}
    for entry in jsbundle.entries():
        for package in jsbundle.bundled_packages(entry):
            libraries.setdefault(package["name"], {**package, "files": []})["files"].append(entry)
    rows = sorted(libraries.values(), key=lambda p: p["name"])
    for lang in LANGS:
        ctx = site.common(lang, FOLDER, "../", i18n.t("nav_credits", lang), i18n.t("credits_intro", lang))
        ctx.update({"libraries": rows, "sources": [i18n.t(k, lang) for k in ("credits_localret", "credits_idescat", "credits_ign")]})
        site.write(f"{FOLDER}/{page_name(lang)}", site.env.get_template("credits.html").render(ctx))
