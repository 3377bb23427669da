"""The course site in a real browser (Chromium via Playwright), served from this machine with no network.

The site is ``$DLCOURSE_SITE`` if set (CI: the smoke build of every lesson, ``dlcourse site --budget
smoke``), else a small one built here (lessons 00-02, from the execution cache when it has them).
Every page must load without a console error and without asking for anything outside the site;
every image on it must have loaded; every link inside the site must lead to a page (and anchor)
that exists; the search page must find a lesson by a word from its text; each lesson's Colab
button must open that lesson's notebook. Screenshots of three pages go to ``artifacts/site/``.

Marked ``browser``: ``pytest -m browser -n 0 tests/test_site_browser.py``; skipped without
Chromium or Playwright, with the command to install them.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from dlcourse.course import colab_url
from tests.chromium import launched_chromium, require_chromium

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "site"
SITE_ENV = "DLCOURSE_SITE"
# a word of each lesson's own text, and the lesson the search must list for it
SEARCHES = {"01_classification_metrics": "precision", "02_regression_metrics": "residuals"}
SCREENSHOTS = {"index.html": "home", "lessons/01_classification_metrics.html": "lesson-01",
               "lessons/02_regression_metrics.html": "lesson-02"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_chromium()
    named = os.environ.get(SITE_ENV)
    if named:
        path = Path(named)
        assert (path / "index.html").is_file(), f"{SITE_ENV}={named} holds no built site: run dlcourse site first"
        return path
    if not os.environ.get("DLCOURSE_DATA"):
        pytest.skip("DLCOURSE_DATA is not set: point it at a folder containing cifar-10-batches-py/")
    from dlcourse.site import build_site

    return build_site(ROOT, "smoke", tmp_path_factory.mktemp("site"), only=["00", "01", "02"]).out


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The site on a free local port, as a static host serves it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(served: str):
    with launched_chromium() as chromium:
        yield chromium


def pages_of(site: Path) -> list[str]:
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html") if not p.relative_to(site).parts[0].startswith("_"))


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(v for k, v in attrs if k in ("id", "name") and v)


def anchors(path: Path) -> set[str]:
    reader = _Ids()
    reader.feed(path.read_text(encoding="utf-8"))
    return reader.ids


def open_page(browser, base: str, page_path: str):
    """The page loaded, its images decoded; and what went wrong on the way (console errors, outside requests)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def only_local(route) -> None:
        if route.request.url.startswith(base) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            problems.append(f"asked for {route.request.url} (the site must work offline)")
            route.abort()

    page.route("**/*", only_local)
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(base + page_path, wait_until="networkidle", timeout=120_000)
    # images below the fold may be lazy: load them all, then wait until each has decoded (or failed)
    page.evaluate("""() => Promise.all([...document.images].map(img => {
        img.loading = 'eager'; return img.decode().catch(() => null); }))""")
    return page, problems


@pytest.fixture(scope="module")
def visited(site: Path, served: str, browser) -> dict[str, dict]:
    """Every page opened once: what went wrong, its images, its links and, on a lesson page, its Colab links. The
    tests below read from this one visit (each page had been loaded once per test, three times for a lesson)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    visits = {}
    for page_path in pages_of(site):
        page, problems = open_page(browser, served, page_path)
        try:
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.getAttribute('src').slice(0, 80), e.complete && e.naturalWidth > 0])")
            maths = page.locator(".math").count()
            if maths:  # typeset by the site's own MathJax, not left as TeX source
                try:
                    page.wait_for_function(f"() => document.querySelectorAll('mjx-container').length >= {maths}",
                                           timeout=60_000)
                except Exception:  # noqa: BLE001 - reported with the page's other problems
                    problems.append(f"MathJax did not typeset the page's {maths} formulas")
            visit = {"problems": problems, "images": images,
                     "links": page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")}
            if page_path.startswith("lessons/"):
                button = page.locator("a.dlcourse-colab")
                badge = page.locator("img[alt='Open In Colab']")  # the notebook's own badge, a local picture
                visit["colab"] = {
                    "buttons": button.count(), "visible": button.count() == 1 and button.is_visible(),
                    "button": button.get_attribute("href") if button.count() == 1 else None, "badges": badge.count(),
                    "badge": badge.locator("xpath=ancestor::a[1]").get_attribute("href") if badge.count() == 1 else None}
            if page_path in SCREENSHOTS:
                page.screenshot(path=str(ARTIFACTS / f"{SCREENSHOTS[page_path]}.png"))
        finally:
            page.close()
        visits[page_path] = visit
    return visits


def test_every_page_loads_offline_without_errors_and_its_images_load(visited: dict[str, dict]) -> None:
    failures = {}
    for page_path, visit in visited.items():
        problems = [f"image did not load: {src}" for src, ok in visit["images"] if not ok] + visit["problems"]
        if page_path.startswith("lessons/"):
            assert visit["images"], f"{page_path}: no image at all"
        if problems:
            failures[page_path] = problems
    assert not failures, failures


def test_no_link_inside_the_site_is_broken(site: Path, served: str, visited: dict[str, dict]) -> None:
    broken = []
    for page_path, visit in visited.items():
        for link in set(visit["links"]):
            if not link.startswith(served):
                continue
            target, fragment = urldefrag(link)
            path = site / urlparse(target).path.removeprefix("/")
            if path.is_dir():
                path = path / "index.html"
            if not path.is_file():
                broken.append(f"{page_path} -> {link}: no such page")
            elif fragment and path.suffix == ".html" and fragment not in anchors(path):
                broken.append(f"{page_path} -> {link}: no anchor {fragment!r} there")
    assert not broken, broken


@pytest.mark.parametrize("lesson", sorted(SEARCHES))
def test_search_finds_a_lesson_by_a_word_of_its_text(site: Path, served: str, browser, lesson: str) -> None:
    if not (site / "lessons" / f"{lesson}.html").exists():
        pytest.skip(f"{lesson} is not in this site")
    page, problems = open_page(browser, served, f"search.html?q={SEARCHES[lesson]}")
    try:
        results = page.locator("#search-results ul.search li a")
        results.first.wait_for(timeout=60_000)
        found = [urljoin(served, href) for href in results.evaluate_all("els => els.map(e => e.getAttribute('href'))")]
    finally:
        page.close()
    assert any(f"lessons/{lesson}.html" in f for f in found), (SEARCHES[lesson], found)
    assert not problems, problems


def test_each_lessons_colab_button_opens_its_own_notebook(site: Path, visited: dict[str, dict]) -> None:
    lessons = sorted(p.stem for p in (site / "lessons").glob("*.html"))
    assert lessons, "the site has no lesson pages"
    for lesson in lessons:
        colab = visited[f"lessons/{lesson}.html"]["colab"]
        assert colab["buttons"] == 1 and colab["visible"], f"{lesson}: no visible Colab button"
        assert colab["button"] == colab_url(f"lessons/{lesson}.ipynb")
        assert colab["badges"] == 1, f"{lesson}: the notebook's Colab badge is missing"
        assert colab["badge"] == colab_url(f"lessons/{lesson}.ipynb")

