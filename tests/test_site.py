"""`dlcourse site`: a small site (lessons 00 and 01, smoke budget) built twice, and its pages read.

The first build executes both lessons; the second, with the same execution cache, must execute
nothing and show the same outputs and the same machine. The browser checks (pages load, figures
load, links work, search finds a lesson) are in tests/test_site_browser.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

import dlcourse
from dlcourse.course import colab_url, github_url, release_pip_source
from dlcourse.site.build import SiteReport, _prepare_out, build_site, choose_lessons
from dlcourse.site.machine import Machine, cpu_model

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ["00_start_here", "01_classification_metrics"]


@dataclass
class Page:
    """The parts of a built page the checks read."""

    text: str
    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def all(self, tag: str, css: str | None = None) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and (css is None or css in (a.get("class") or "").split())]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read_page(path: Path) -> Page:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    return Page(" ".join(" ".join(reader.text).split()), reader.tags)


@pytest.fixture(scope="module")
def built(real_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[SiteReport, SiteReport]:
    """The small site built twice with one execution cache: (first build, second build)."""
    work = tmp_path_factory.mktemp("site-work")
    first = build_site(ROOT, "smoke", tmp_path_factory.mktemp("site1"), only=["00", "01"], work=work)
    second = build_site(ROOT, "smoke", tmp_path_factory.mktemp("site2"), only=["00", "01"], work=work)
    return first, second


def test_a_second_build_executes_nothing_and_shows_the_same_outputs(built) -> None:
    first, second = built
    assert first.executed == LESSONS and first.lessons == LESSONS
    assert second.executed == [], "a notebook that did not change was executed again"
    for name in LESSONS:
        one, two = (read_page(r.out / "lessons" / f"{name}.html") for r in built)
        assert one.all("p", "dlcourse-provenance") and one.text == two.text, f"{name}: the pages differ"


@pytest.mark.parametrize("name", LESSONS)
def test_a_lesson_page_has_its_outputs_buttons_provenance_and_licence(built, name: str) -> None:
    site = built[0].out
    page = read_page(site / "lessons" / f"{name}.html")
    assert page.all("div", "cell_output"), f"{name}: no cell outputs on the page"
    figures = [a["src"] for a in page.all("img") if "_images/" in a.get("src", "")]
    assert figures, f"{name}: no figure drawn as an image"
    for src in figures:
        assert (site / "lessons" / src).resolve().is_file(), f"{name}: figure {src} is not in the site"

    def href(css: str) -> str:
        links = page.all("a", css)
        assert len(links) == 1, f"{name}: expected one link of class {css}, found {len(links)}"
        return links[0]["href"]

    assert href("dlcourse-colab") == colab_url(f"lessons/{name}.ipynb")
    assert href("dlcourse-exercise") == github_url(f"exercises/{name}.ipynb")
    assert href("dlcourse-exercise-colab") == colab_url(f"exercises/{name}.ipynb")
    assert href("dlcourse-solution") == github_url(f"solutions/{name}.ipynb")
    assert href("dlcourse-solution-colab") == colab_url(f"solutions/{name}.ipynb")
    assert "numbers are not meaningful" in page.text
    assert re.search(rf"Outputs of the smoke budget, executed on \d{{4}}-\d\d-\d\d on {re.escape(cpu_model())} "
                     rf"\(\d+ cores, with(out)? AVX-512\) with dlcourse {re.escape(dlcourse.__version__)}\.", page.text)
    assert "CC BY 4.0" in page.text and "MIT" in page.text and "CITATION.cff" in page.text
    # the notebook's own badge is a local picture, and the link beside it leaves for GitHub, not a missing page
    assert not [a for a in page.all("img") if a.get("src", "").startswith("http")], "a picture loads from the web"
    assert not [a for a in page.all("a") if ".ipynb" in a.get("href", "") and not a["href"].startswith("https://")]
    # nothing from a CDN: every script and style sheet is the site's own
    web = ("http:", "https:", "//")
    remote = [a["src"] for a in page.all("script") if a.get("src", "").startswith(web)]
    remote += [a["href"] for a in page.all("link") if "stylesheet" in a.get("rel", "") and a["href"].startswith(web)]
    assert not remote, f"{name}: loads {remote}"


def test_an_explorer_is_a_picture_with_a_note_not_a_dead_control(built) -> None:
    page = read_page(built[0].out / "lessons" / "01_classification_metrics.html")
    assert "A picture of the threshold explorer at threshold 0.5: run the notebook to move the slider." in page.text
    assert not [a for t, a in page.tags if t == "script" and "widget" in a.get("type", "")]


def test_the_home_page_lists_the_lessons_and_the_search_index_knows_their_words(built) -> None:
    site = built[0].out
    page = read_page(site / "index.html")
    for name in LESSONS:
        assert any(a.get("href", "").startswith(f"lessons/{name}.html") for a in page.all("a")), name
    assert "numbers are not meaningful" in page.text and "CC BY 4.0" in page.text
    assert (site / "search.html").is_file()
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    assert "confus" in index and "01_classification_metrics" in index  # a lesson's word (stemmed) and page
    assert (site / "_static" / "mathjax" / "tex-svg.js").is_file()


def test_explorer_drawn_once_as_a_picture_when_static(monkeypatch, capsys) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from dlcourse import explorers

    monkeypatch.setenv(explorers.STATIC_ENV, "1")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append(a))
    explorer = explorers.threshold_explorer([0, 1, 1, 0], [0.1, 0.8, 0.4, 0.6], threshold=0.5)
    out = capsys.readouterr().out
    assert not shown, "a widget was displayed"
    assert explorer.text.startswith("threshold 0.50: precision 0.500, recall 0.500")
    assert out.startswith(explorer.text) and "run the notebook to move the slider" in out


def test_lessons_are_chosen_by_number_and_a_wrong_number_is_named() -> None:
    assert [p.stem for p in choose_lessons(ROOT, ["01", "00"])] == LESSONS
    with pytest.raises(ValueError, match="no lesson starts with 99"):
        choose_lessons(ROOT, ["99"])


def test_the_site_never_empties_a_folder_it_did_not_build(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not a site built by `dlcourse site`"):
        _prepare_out(tmp_path)
    assert (tmp_path / "notes.txt").exists()


def test_the_version_is_set_once_and_colab_can_pin_the_release() -> None:
    declared = re.search(r'^version = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.M)[1]
    assert dlcourse.__version__ == declared
    assert release_pip_source() == f"git+https://github.com/dlcourse/dlcourse@v{declared}"
    assert f"## [{declared}]" in (ROOT / "CHANGELOG.md").read_text()
    assert f"\nversion: {declared}\n" in (ROOT / "CITATION.cff").read_text()
    machine = Machine("Some CPU", False, 2, "2026-12-07", declared, "full")
    assert machine.describe() == (f"Outputs of the full budget, executed on 2026-12-07 on Some CPU "
                                  f"(2 cores, without AVX-512) with dlcourse {declared}.")


def test_the_command_names_a_lesson_that_does_not_exist(capsys) -> None:
    from dlcourse.cli import main

    assert main(["site", "--only", "99", "--out", "unused"]) == 2
    assert "no lesson starts with 99; the lessons are 00_start_here" in capsys.readouterr().out
