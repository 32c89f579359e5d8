"""The site in a real browser: Debian's headless Chromium, driven by Playwright, over a real
HTTP server on 127.0.0.1. Pages load with no console error and no request leaving loopback,
download links answer 200, the language switch and the member search work, keyboard users
get the skip link. Screenshots of every page go to the test's tmp folder; the home page's
replaces docs/screenshots/index.png only when LOCALRET_UPDATE_SCREENSHOTS=1 is set (a test run
never rewrites a tracked file)."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from localret import paths
from localret.site.build import SECTIONS, load_sections, page_name
from site_helpers import CHROMIUM, datasets, published_sample

SCREENSHOTS = Path(paths.ROOT) / "docs" / "screenshots"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    out = published_sample(tmp_path_factory)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", out
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


class Watch:
    """Console errors, page errors, failed requests and any request that leaves loopback."""

    def __init__(self, page, origin: str):
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.origin = origin
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.route("**/*", self._route)

    def _request_failed(self, request) -> None:
        # The browser fetches the icon on its own and drops the request when the page navigates
        # or closes first (net::ERR_ABORTED, seen on a loaded machine): not a failure of the page.
        if request.url.endswith("/favicon.svg") and "ERR_ABORTED" in (request.failure or ""):
            return
        self.failed.append(request.url)

    def _route(self, route):
        url = route.request.url
        host = urlsplit(url).hostname
        if url.startswith("data:") or host == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def check(self, where: str):
        assert not self.errors, (where, self.errors)
        assert not self.outside, (where, self.outside)
        assert not self.failed, (where, self.failed)


@pytest.fixture
def page(browser, server):
    base, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ca-ES", service_workers="block")
    pg = context.new_page()
    watch = Watch(pg, base)
    yield pg, watch, base
    context.close()


def all_pages(out: Path) -> list[str]:
    from localret.site.build import SECTIONS, load_sections, page_name

    pages = ["index.html", "index.es.html", "index.en.html"]
    for name in datasets(out):
        pages += [f"{name}/index.html", f"{name}/index.es.html", f"{name}/index.en.html"]
    load_sections()  # the map, explorer and SQL pages (each section's, in the three languages)
    pages += [f"{p.folder}/{page_name(lang, p.stem)}" for fn in SECTIONS for p in fn.pages for lang in ("ca", "es", "en")]
    return pages


def test_pages_load_cleanly_with_screenshots(page, server, tmp_path):
    pg, watch, base = page
    _, out = server
    shots = tmp_path / "screenshots"
    shots.mkdir()
    for rel in all_pages(out):
        response = pg.goto(base + rel, wait_until="load")
        assert response.status == 200, rel
        pg.wait_for_load_state("networkidle")
        assert pg.locator("h1").count() == 1
        pg.wait_for_function("Array.from(document.images).every(i => i.complete)")
        broken = pg.evaluate("Array.from(document.images).filter(i => i.naturalWidth === 0).map(i => i.src)")
        assert broken == [], (rel, broken)
        watch.check(rel)
        name = rel.replace("/", "_").replace(".html", ".png")
        pg.screenshot(path=str(shots / name), full_page=rel == "index.html")
        assert (shots / name).stat().st_size > 10_000
    if os.environ.get("LOCALRET_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shots / "index.png", SCREENSHOTS / "index.png")


AXE = Path(paths.ROOT) / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS_ENOUGH = {"moderate", "serious", "critical"}


def axe_violations(pg) -> list[dict]:
    """axe-core (pinned in package.json, installed by make setup) run inside the page: the
    violations of moderate impact or above, and how many rules passed (it did run)."""
    # The member search lists ~1,000 rows of one template: axe takes 10 s a page over them, so
    # it judges the first 50 (vnu and the strict parse of test_site check every row).
    pg.evaluate("document.querySelectorAll('#ens-table tbody tr:nth-child(n+51)').forEach(r => r.remove())")
    pg.add_script_tag(path=str(AXE))
    result = pg.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert len(result["passes"]) > 10
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"] if v["impact"] in SERIOUS_ENOUGH]


def test_axe_finds_no_violation_on_any_page(page, server):
    """Every page kind (the home page and each dataset's page) in the three languages."""
    if not AXE.is_file():
        pytest.skip(f"{AXE} is missing: `make setup` installs it (npm ci)")
    pg, watch, base = page
    _, out = server
    found = {}
    for rel in all_pages(out):
        pg.goto(base + rel, wait_until="load")
        violations = axe_violations(pg)
        if violations:
            found[rel] = violations
    assert found == {}
    # and it sees what it must: a second landmark with the name of the language switch
    pg.evaluate("document.querySelector('footer').insertAdjacentHTML('beforeend', "
                "'<nav aria-label=\"' + document.querySelector('nav.lang-switch').getAttribute('aria-label') + '\"></nav>')")
    assert [v["id"] for v in axe_violations(pg)] == ["landmark-unique"]
    watch.check("axe")


def test_download_links_answer_200(page, server):
    pg, watch, base = page
    _, out = server
    hrefs = set()
    for rel in ["index.html"] + [f"{n}/index.html" for n in datasets(out)]:
        pg.goto(base + rel, wait_until="networkidle")  # the favicon too: leaving earlier aborts its request
        links = pg.eval_on_selector_all("a[download], a.button, main a[href$='.json'], footer a", "els => els.map(e => e.href)")
        hrefs.update(h for h in links if h.startswith(base))
    assert len(hrefs) > 50
    for href in sorted(hrefs):
        response = pg.request.get(href.split("#")[0])
        assert response.status == 200, href
    watch.check("downloads")


def test_language_switch(page):
    pg, watch, base = page
    pg.goto(base + "index.html")
    assert pg.get_attribute("html", "lang") == "ca"
    pg.click("nav.lang-switch a[hreflang='es']")
    pg.wait_for_url("**/index.es.html")
    assert pg.get_attribute("html", "lang") == "es"
    assert "Datos abiertos" in pg.inner_text("h1")
    pg.click("nav.lang-switch a[hreflang='en']")
    pg.wait_for_url("**/index.en.html")
    assert pg.get_attribute("html", "lang") == "en"
    # from a dataset page, the switch stays on that dataset
    pg.click("a[href='ens/index.en.html']")
    pg.wait_for_url("**/ens/index.en.html")
    pg.click("nav.lang-switch a[hreflang='ca']")
    pg.wait_for_url("**/ens/index.html")
    assert pg.get_attribute("html", "lang") == "ca"
    watch.check("language switch")


def test_member_search_finds_manresa(page):
    pg, watch, base = page
    pg.goto(base + "ens/index.html")
    assert pg.is_visible("#ens-filter")  # the script revealed the form
    total = pg.locator("#ens-table tbody tr").count()
    pg.fill("#f-nom", "manresa")
    visible = pg.locator("#ens-table tbody tr:visible")
    assert visible.count() >= 1
    names = visible.locator("th").all_inner_texts()
    assert "Ajuntament de Manresa" in names
    assert all("manresa" in n.lower() for n in names)
    assert pg.inner_text("#ens-count").startswith(f"{visible.count()} de {total}")
    # accents and case do not matter; filters combine
    pg.fill("#f-nom", "")
    pg.select_option("#f-comarca", "Bages")
    bages = pg.locator("#ens-table tbody tr:visible")
    assert bages.count() > 1
    assert set(bages.locator("td:nth-child(3)").all_inner_texts()) == {"Bages"}
    pg.select_option("#f-tipus", "Consell comarcal")
    assert pg.locator("#ens-table tbody tr:visible").count() == 1
    pg.select_option("#f-tipus", "")
    pg.select_option("#f-comarca", "")
    pg.fill("#f-nom", "lleida")
    assert "Ajuntament de Lleida" in pg.locator("#ens-table tbody tr:visible th").all_inner_texts()
    watch.check("search")


def test_keyboard_skip_link(page):
    pg, watch, base = page
    pg.goto(base + "ens/index.html")
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.className") == "skip-link"
    assert pg.evaluate("getComputedStyle(document.activeElement).top") == "0px"  # visible when focused
    pg.keyboard.press("Enter")
    assert pg.evaluate("location.hash") == "#contingut"
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.closest('main') !== null")
    watch.check("keyboard")
