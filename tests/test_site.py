"""`dlcourse site`: a small site (lessons 00 and 01, smoke budget) built twice, and its pages read.

The first build executes both lessons; the second, with the same execution cache, must execute
nothing and show the same outputs and the same machine; a third, with a new cache but the lessons
as the test suite writes them (CI), must execute nothing either. The browser checks (pages load, figures
load, links work, search finds a lesson) are in tests/test_site_browser.py.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

import dlcourse
from dlcourse.course import colab_url, github_url, release_pip_source
from dlcourse.pytest_plugin import EXECUTED_ENV
from dlcourse.site.build import SiteReport, _prepare_out, build_site, choose_lessons, stage, take_executed
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
def site_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small site's working folder (its execution cache)."""
    return tmp_path_factory.mktemp("site-work")


@pytest.fixture(scope="module")
def built(real_data: Path, site_work: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[SiteReport, SiteReport]:
    """The small site built twice with one execution cache: (first build, second build)."""
    work = site_work
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


def _export(work: Path, folder: Path, budget: str = "smoke") -> None:
    """The lessons a build executed, out of its cache, as the test suite writes them (DLCOURSE_EXECUTED_DIR)."""
    from jupyter_cache import get_cache

    import nbformat

    cache = get_cache(str(work / "jupyter_cache"))
    folder.mkdir(parents=True, exist_ok=True)
    for staged in sorted((work / "src" / "lessons").glob("*.ipynb")):
        record = cache.match_cache_notebook(nbformat.read(staged, as_version=4))
        notebook = cache.get_cache_bundle(record.pk).nb
        notebook.metadata["dlcourse_executed"] = {"budget": budget}
        nbformat.write(notebook, folder / staged.name)


def test_lessons_the_suite_executed_are_rendered_without_running_again(built, site_work, tmp_path: Path) -> None:
    executed = tmp_path / "executed"
    _export(site_work, executed)
    report = build_site(ROOT, "smoke", tmp_path / "site", only=["00", "01"], work=tmp_path / "work", executed=executed)
    assert report.executed == [], "a lesson the suite had executed was executed again"
    for name in LESSONS:
        one, three = (read_page(out / "lessons" / f"{name}.html") for out in (built[0].out, report.out))
        assert three.all("div", "cell_output") and one.text == three.text, f"{name}: the pages differ"


def test_an_executed_copy_with_other_code_or_another_budget_is_not_taken(built, site_work, tmp_path: Path) -> None:
    import nbformat

    other_code, other_budget = tmp_path / "code", tmp_path / "budget"
    _export(site_work, other_code)
    _export(site_work, other_budget, budget="full")
    changed = nbformat.read(other_code / f"{LESSONS[0]}.ipynb", as_version=4)
    next(c for c in changed.cells if c.cell_type == "code").source += "\nprint('edited since')"
    nbformat.write(changed, other_code / f"{LESSONS[0]}.ipynb")
    staged = stage(choose_lessons(ROOT, ["00"]), tmp_path / "src")
    assert take_executed(staged, other_code, tmp_path / "cache1", "smoke") == []
    assert take_executed(staged, other_budget, tmp_path / "cache2", "smoke") == []
    assert take_executed(staged, other_budget, tmp_path / "cache3", "full") == [LESSONS[0]]


def test_the_suite_writes_a_lesson_it_passed_as_the_site_runs_it_and_not_one_it_failed(pytester, monkeypatch) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    lessons = pytester.mkdir("lessons")
    good = new_notebook(cells=[new_markdown_cell("# A lesson"), new_code_cell("import os\nprint(os.environ.get("
                                                                              "'DLCOURSE_STATIC_EXPLORERS'))"),
                               new_code_cell("from IPython.display import Markdown\nMarkdown('**two**')"),
                               new_code_cell("1 + 1")])
    bad = new_notebook(cells=[new_code_cell("print('before')"), new_code_cell("raise ValueError('broken')")])
    nbformat.write(good, lessons / "01_good.ipynb")
    nbformat.write(bad, lessons / "02_bad.ipynb")
    out = pytester.path / "executed"
    monkeypatch.setenv(EXECUTED_ENV, str(out))
    monkeypatch.delenv("DLCOURSE_STATIC_EXPLORERS", raising=False)
    result = pytester.runpytest_subprocess("--nbval-lax", "--nbval-current-env", "-p", "dlcourse.pytest_plugin",
                                           "-p", "no:cacheprovider", "-p", "no:xdist", "lessons")
    result.assert_outcomes(passed=4, failed=1)
    assert sorted(p.name for p in out.iterdir()) == ["01_good.ipynb"], "a lesson with a failed cell was written"
    written = nbformat.read(out / "01_good.ipynb", as_version=4)
    nbformat.validate(written)
    code = [c for c in written.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2, 3]
    assert code[0].outputs[0].text == "1\n", "the lesson's kernel did not run as the site runs it"
    assert code[1].outputs[0].data["text/markdown"] == "**two**"
    assert code[2].outputs[0].data["text/plain"] == "2" and code[2].outputs[0].execution_count == 3
    assert written.metadata["dlcourse_executed"] == {"budget": "smoke"}
    assert "DLCOURSE_STATIC_EXPLORERS" not in os.environ


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
    limited = Machine("Some CPU", True, 2, "2026-12-07", declared, "full", "AVX2")
    assert "(2 cores, with AVX-512, oneDNN limited to AVX2 (ONEDNN_MAX_CPU_ISA) as on a CPU without it)" \
        in limited.describe()


def test_the_command_names_a_lesson_that_does_not_exist(capsys) -> None:
    from dlcourse.cli import main

    assert main(["site", "--only", "99", "--out", "unused"]) == 2
    assert "no lesson starts with 99; the lessons are 00_start_here" in capsys.readouterr().out
