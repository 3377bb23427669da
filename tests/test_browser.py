"""The explorers as a student uses them: JupyterLab in a real browser (Chromium via Playwright).

For each lesson with an explorer, a copy of the lesson up to its explorer's cell (the rest
of the lesson is nbval's: it does not touch the explorer) is opened in JupyterLab (started
here on a free local port with a token, in a temporary folder) and run with "Run All
Cells" in the smoke budget. One extra cell at the end (the probe) computes, in the same
kernel and with the very arguments the lesson passed to the explorer, the plain
function's numbers for every slider position. Then each slider is moved twice (with the
keyboard, and by typing into its readout) and the numbers the explorer shows on the page
must be the plain function's for the value the slider shows, and the figure must change.
A screenshot of each explorer is saved under ``artifacts/browser/``.

Marked ``browser``: ``pytest -m browser`` runs only these, ``pytest -m "not browser"``
skips them. Without Chromium or Playwright they are skipped with the command to install them.
"""

from __future__ import annotations

import ast
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest

from tests.chromium import launched_chromium, require_chromium

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "browser"
PROBE_MARK = "BROWSER-PROBE "
RUN_ALL_TIMEOUT = 600  # seconds for "Run All Cells" of one lesson in the smoke budget (about 20 s on an idle machine)


@dataclass(frozen=True)
class Lesson:
    notebook: str
    explorer: str  # the explorer function the lesson calls
    probe: str  # code computing {slider position: the plain function's numbers}, from `_a` (the call's args)


LESSONS = [
    Lesson("01_classification_metrics", "threshold_explorer",
           "from dlcourse.explorers import threshold_metrics as _f\n"
           "_values = {f'{t:.2f}': _f(_a[0], _a[1], float(f'{t:.2f}')) for t in np.arange(0, 1.0001, 0.01)}"),
    Lesson("02_regression_metrics", "outlier_explorer",
           "from dlcourse.explorers import outlier_metrics as _f\n"
           "_max = _k.get('max_size') or float(10 * np.std(np.asarray(_a[0], dtype=float))) or 1.0\n"
           "_values = {str(i): _f(_a[0], _a[1], i * _max / 100) for i in range(101)}\n"
           "_values['step'] = _max / 100"),
    Lesson("05_bayesian_optimization", "gp_step_explorer",
           "_r = _a[0]\n_first = len(_r.x_iters) - len(_r.models) + 1\n"
           "_values = {str(s): {'seen': _first + s, 'best': float(min(_r.func_vals[:_first + s])),\n"
           "                    'next': (float(_r.x_iters[_first + s][0]) if _first + s < len(_r.x_iters) else None)}\n"
           "           for s in range(len(_r.models))}"),
]


# --------------------------------------------------------------------------- preparing a lesson


def explorer_call_arguments(notebook: nbformat.NotebookNode, explorer: str) -> str:
    """The source text of the arguments of the lesson's ``explorer(...)`` call."""
    for cell in notebook.cells:
        if cell.cell_type != "code" or f"{explorer}(" not in cell.source:
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == explorer:
                parts = [ast.get_source_segment(cell.source, a) for a in node.args]
                parts += [f"{k.arg}={ast.get_source_segment(cell.source, k.value)}" for k in node.keywords]
                return ", ".join(parts)
    raise AssertionError(f"the lesson no longer calls {explorer}(...): update tests/test_browser.py")


def lesson_with_probe(lesson: Lesson, folder: Path) -> Path:
    """A copy of the lesson in ``folder``, up to the cell that calls its explorer, with the probe cell after it."""
    notebook = nbformat.read(ROOT / "lessons" / f"{lesson.notebook}.ipynb", as_version=4)
    arguments = explorer_call_arguments(notebook, lesson.explorer)
    last = max(i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and f"{lesson.explorer}(" in c.source)
    notebook.cells = notebook.cells[: last + 1]
    probe = ("import json as _json\nimport numpy as np\n"
             f"def _capture(*args, **kwargs):\n    return args, kwargs\n_a, _k = _capture({arguments})\n"
             f"{lesson.probe}\nprint({PROBE_MARK!r} + _json.dumps(_values))")
    notebook.cells.append(nbformat.v4.new_code_cell(probe))
    path = folder / f"{lesson.notebook}.ipynb"
    nbformat.write(notebook, path)
    return path


# --------------------------------------------------------------------------- JupyterLab


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """Stop the server and every process it started (kernels included)."""
    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    for p in [process, *family]:
        try:
            p.terminate()
        except (psutil.NoSuchProcess, ProcessLookupError):
            pass
    _, alive = psutil.wait_procs([psutil.Process(p.pid) for p in family if p.is_running()], timeout=10)
    for p in alive:
        p.kill()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Lab:
    url: str
    token: str
    folder: Path
    log: Path


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_chromium()
    folder = tmp_path_factory.mktemp("lab")
    home = tmp_path_factory.mktemp("lab-home")
    # JupyterLab's own settings for the test: every cell attached to the page (its default windowing
    # detaches or hides cells out of view, so the explorer could not be read), and no news pop-up.
    settings = home / "config" / "lab" / "user-settings" / "@jupyterlab"
    for name, values in (("notebook-extension/tracker", {"windowingMode": "none"}),
                         ("apputils-extension/notification", {"fetchNews": "false"})):
        (settings / f"{name}.jupyterlab-settings").parent.mkdir(parents=True, exist_ok=True)
        (settings / f"{name}.jupyterlab-settings").write_text(json.dumps(values))
    port, token = _free_port(), os.urandom(16).hex()
    env = {**os.environ, "DLCOURSE_BUDGET": "smoke", "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
           "JUPYTER_DATA_DIR_EXTRA": "", "TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}
    log = home / "jupyterlab.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}", "--allow-root",
             "--ServerApp.port_retries=0", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
             "jupyterlab.NeverCheckForUpdate"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=folder, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"JupyterLab did not start:\n{log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.5)
        yield Lab(url, token, folder, log)
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def browser(lab: Lab):
    with launched_chromium() as chromium:
        yield chromium


# --------------------------------------------------------------------------- driving a notebook


def run_all(page, lab: Lab, path: Path) -> dict:
    """Open the notebook, run all its cells, and return the probe's numbers (or fail with the error)."""
    # a workspace of its own, reset: only this notebook open, whatever the earlier lessons left open
    page.goto(f"{lab.url}/lab/workspaces/{path.stem}/tree/{path.name}?reset&token={lab.token}",
              wait_until="domcontentloaded", timeout=120_000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="attached", timeout=120_000)
    deadline = time.monotonic() + 180
    while "Idle" not in page.locator(".jp-StatusBar-Widget", has_text="Python").first.inner_text():
        choose = page.get_by_role("button", name="Select", exact=True)
        if choose.count():  # JupyterLab asks which kernel when it starts slowly: the notebook's own
            choose.first.click()
        assert time.monotonic() < deadline, f"{path.name}: the kernel did not start"
        time.sleep(0.5)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    deadline = time.monotonic() + RUN_ALL_TIMEOUT
    probe = page.locator(".jp-OutputArea-output", has_text=PROBE_MARK)
    while time.monotonic() < deadline:
        if probe.count():
            text = probe.first.inner_text()
            return json.loads(text[text.index(PROBE_MARK) + len(PROBE_MARK):].strip().splitlines()[0])
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
                              has_text="Traceback")
        if errors.count():
            raise AssertionError(f"{path.name}: a cell failed:\n{errors.first.inner_text()[-3000:]}")
        time.sleep(1)
    raise AssertionError(f"{path.name}: Run All did not reach the last cell in {RUN_ALL_TIMEOUT} s")


def explorer_widget(page):
    """The explorer's box: the widget area that holds the line of numbers."""
    readout = page.locator("pre.dlcourse-readout")
    readout.first.wait_for(timeout=30_000)
    assert readout.count() == 1, f"expected one explorer in the lesson, found {readout.count()}"
    return page.locator(".widget-vbox", has=readout).last


def shown_numbers(box) -> tuple[str, str]:
    """The explorer's line of numbers and its figure (the image's data) as they are now."""
    return box.locator("pre.dlcourse-readout").inner_text(), box.locator("img").last.get_attribute("src") or ""


def settle(box, values: dict, check, before: tuple[str, str] | None = None, timeout: float = 120) -> tuple[str, str]:
    """Wait until the explorer shows the numbers for the value its slider shows (each key press
    redraws in turn), then check them and that the numbers and the figure changed from ``before``
    (``None``: the first drawing, which must show a figure)."""
    deadline = time.monotonic() + timeout
    while True:
        now = shown_numbers(box)
        try:
            assert now[1], "the explorer shows no figure"
            if before is not None:
                assert now[0] != before[0], "the numbers did not change"
                assert now[1] != before[1], "the figure did not change"
            check(box, values)
            return now
        except (AssertionError, KeyError, ValueError):  # not drawn yet, or a half-updated readout
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def move_by_keys(box, presses: int) -> None:
    handle = box.locator(".noUi-handle, .ui-slider-handle").first
    handle.click()
    for _ in range(presses):
        handle.press("ArrowRight")


def type_value(box, value: str) -> None:
    """Type a value into the slider's editable readout (ipywidgets 8), as a student may."""
    readout = box.locator(".widget-readout").first
    readout.click()
    readout.press("Control+a")
    readout.type(value)
    readout.press("Enter")


def slider_value(box) -> str:
    value = box.locator(".widget-readout").first.inner_text().strip()
    assert value, "the slider's readout is not drawn yet"
    return value


def _number(text: str, name: str) -> float:
    match = re.search(rf"{re.escape(name)} (-?[\d.]+(?:e[+-]?\d+)?)", text)
    assert match, f"{name!r} not found in the explorer's numbers: {text!r}"
    return float(match.group(1))


# --------------------------------------------------------------------------- the checks per explorer


def check_threshold(box, values: dict) -> None:
    text, _ = shown_numbers(box)
    threshold = slider_value(box)
    expected = values[threshold]
    assert _number(text, "threshold") == float(threshold)
    for name, key in (("precision", "precision"), ("recall", "recall"), ("F1", "f1"), ("false positive rate", "fpr")):
        assert _number(text, name) == pytest.approx(round(expected[key], 3), abs=1e-9), (name, text, expected)
    for name in ("TP", "FP", "FN", "TN"):
        assert int(_number(text, name)) == expected[name.lower()], (name, text)


def check_outlier(box, values: dict) -> None:
    text, _ = shown_numbers(box)
    position = round(float(slider_value(box)) / values["step"])
    expected = values[str(position)]
    for name, key in (("MAE", "mae"), ("MSE", "mse"), ("RMSE", "rmse")):
        assert _number(text, name) == pytest.approx(expected[key], rel=1e-3), (name, text, expected)
    assert _number(text, "R²") == pytest.approx(expected["r2"], abs=1e-4), (text, expected)


def check_gp_step(box, values: dict) -> None:
    text, _ = shown_numbers(box)
    step = slider_value(box)
    expected = values[step]
    assert f"step {step}: after {expected['seen']} evaluations" in text, (text, expected)
    assert _number(text, "best") == pytest.approx(expected["best"], rel=1e-3), (text, expected)
    if expected["next"] is not None:
        assert _number(text, "next point x =") == pytest.approx(expected["next"], rel=1e-3), (text, expected)


CHECKS = {"threshold_explorer": (check_threshold, 7, "0.80"),
          "outlier_explorer": (check_outlier, 5, None),
          "gp_step_explorer": (check_gp_step, 1, None)}


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.notebook)
def test_explorer_in_jupyterlab(lesson: Lesson, lab: Lab, browser) -> None:
    path = lesson_with_probe(lesson, lab.folder)
    check, presses, typed = CHECKS[lesson.explorer]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)  # a loaded 2-core machine renders slowly; the checks below wait for content
    try:
        values = run_all(page, lab, path)
        box = explorer_widget(page)
        box.scroll_into_view_if_needed()
        start = settle(box, values, check)  # the first drawing: the lesson's own setting

        move_by_keys(box, presses)  # position 2: the keyboard
        after_keys = settle(box, values, check, start)

        if typed is None:  # position 3: the largest value, typed into the readout
            typed = (f"{100 * values['step']:.2f}" if lesson.explorer == "outlier_explorer"
                     else str(len(values) - 1))  # gp_step_explorer: its last step
        type_value(box, typed)
        settle(box, values, check, after_keys)

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        box.screenshot(path=str(ARTIFACTS / f"{lesson.notebook}.png"))
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{lesson.notebook}-failed.png"), full_page=True)
        raise
    finally:
        page.close()
