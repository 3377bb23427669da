"""The Sphinx extension that makes a lesson page of the course site (``conf.py`` loads it).

- before Sphinx's collectors see a page: the notebooks' "Open in Colab" badge (a picture on
  colab.research.google.com) becomes a local picture, and links that leave the site (the
  exercise, the solution, the README) go to the file on GitHub;
- after all pages are read: which machine each lesson's outputs came from (``machine.py``), and no
  widget state (the sliders the lessons created would need a kernel and scripts from a CDN);
- when a page is written: a header (the smoke banner, the Colab button, the exercise and solution
  links, the budget and machine) and a footer (licences, how to cite) around its body.
"""

from __future__ import annotations

import base64
import html
import posixpath
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.fileutil import copy_asset

from dlcourse.course import BADGE_IMAGE, colab_url, github_url
from dlcourse.site.machine import Machine, load_provenance, save_provenance, this_machine

STATIC = Path(__file__).resolve().parent / "static"
LESSONS = "lessons"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
SMOKE_BANNER = ("Smoke build: every notebook ran with tiny sizes (DLCOURSE_BUDGET=smoke) to check that the site "
                "builds. Its numbers are not meaningful; the real site is built with the full budget.")


def badge_data_uri() -> str:
    """The local "Open in Colab" picture, as a data URI (the page needs no file and no network for it)."""
    return "data:image/svg+xml;base64," + base64.b64encode((STATIC / "colab-badge.svg").read_bytes()).decode()


def lesson_path(docname: str) -> str | None:
    """``lessons/NN_name.ipynb`` for a lesson page, None for any other page."""
    return f"{docname}.ipynb" if docname.startswith(f"{LESSONS}/") else None


# --------------------------------------------------------------------------- reading a page


def localize(app: Sphinx, doctree: nodes.document) -> None:
    """Badge pictures made local, and links to files outside the site pointed at GitHub."""
    docname = app.env.docname
    for image in doctree.findall(nodes.image):
        if image.get("uri") == BADGE_IMAGE:
            image["uri"] = badge_data_uri()
            image["candidates"] = {"?": image["uri"]}
    root = Path(app.config.dlcourse_root)
    for xref in list(doctree.findall(addnodes.pending_xref)):
        if xref.get("reftype") != "myst" or xref.get("refdomain"):
            continue  # a page of the site, or another kind of reference: Sphinx resolves it
        target, _, anchor = str(xref["reftarget"]).partition("#")
        path = posixpath.normpath(posixpath.join(posixpath.dirname(docname), target))
        if path.startswith("..") or not (root / path).is_file():
            continue  # not a file of the course: left to Sphinx, which warns about it
        link = nodes.reference("", "", *xref.children, refuri=github_url(path) + (f"#{anchor}" if anchor else ""),
                               internal=False)
        xref.replace_self(link)


# --------------------------------------------------------------------------- after reading


def record_machines(app: Sphinx, env: Any) -> None:
    """Which machine ran each lesson: this one if this build executed it, else the one recorded with the cache."""
    import nbformat
    from jupyter_cache import get_cache
    from myst_nb.sphinx_ import NbMetadataCollector

    cache_dir = Path(app.config.nb_execution_cache_path)
    machines = load_provenance(cache_dir)
    cache = get_cache(str(cache_dir))
    started = float(app.config.dlcourse_started)
    app.dlcourse_machines = {}  # type: ignore[attr-defined]
    for docname in sorted(env.found_docs):
        if lesson_path(docname) is None:
            continue
        try:
            record = cache.match_cache_notebook(nbformat.read(env.doc2path(docname), as_version=4))
        except KeyError:
            continue  # not executed (a failed build stops before this)
        ran = NbMetadataCollector.get_exec_data(env, docname) or {}
        if record.hashkey not in machines and float(ran.get("mtime") or 0) >= started:
            machines[record.hashkey] = this_machine(app.config.dlcourse_budget,
                                                    datetime.fromtimestamp(ran["mtime"], timezone.utc))
        app.dlcourse_machines[docname] = machines.get(record.hashkey)  # type: ignore[attr-defined]
    save_provenance(cache_dir, machines)


def drop_widget_state(app: Sphinx, env: Any) -> None:
    """No widget state on any page: without a kernel no widget can be drawn (conf.py loads no widget scripts)."""
    from myst_nb.sphinx_ import NbMetadataCollector

    for data in NbMetadataCollector.get_doc_data(env).values():
        data.get("js_files", {}).pop("ipywidgets_state", None)


# --------------------------------------------------------------------------- writing a page


def _link(href: str, text: str, css: str = "") -> str:
    return f'<a class="{css}" href="{html.escape(href)}">{html.escape(text)}</a>'


def header(app: Sphinx, docname: str) -> str:
    """The smoke banner (smoke builds), then for a lesson its buttons, links and provenance."""
    parts = ['<div class="dlcourse-header">']
    if app.config.dlcourse_budget == "smoke":
        parts.append(f'<div class="dlcourse-smoke-banner" role="note">{html.escape(SMOKE_BANNER)}</div>')
    lesson = lesson_path(docname)
    if lesson is not None:
        name = Path(lesson).name
        exercise, solution = f"exercises/{name}", f"solutions/{name}"
        parts.append(
            '<p class="dlcourse-links">'
            + _link(colab_url(lesson), "Open this lesson in Colab", "dlcourse-colab")
            + " · Exercise: " + _link(github_url(exercise), "notebook", "dlcourse-exercise")
            + " (" + _link(colab_url(exercise), "in Colab", "dlcourse-exercise-colab") + ")"
            + " · Solution: " + _link(github_url(solution), "notebook", "dlcourse-solution")
            + " (" + _link(colab_url(solution), "in Colab", "dlcourse-solution-colab") + ")</p>")
        machine: Machine | None = getattr(app, "dlcourse_machines", {}).get(docname)
        told = machine.describe() if machine else (f"Outputs of the {app.config.dlcourse_budget} budget, "
                                                   "from an execution cache that does not say which machine ran it.")
        parts.append(f'<p class="dlcourse-provenance">{html.escape(told)} Your own run will differ: other '
                     "library versions and another CPU give other numbers, and where a lesson trains for a budget "
                     "in minutes (lessons 08 and 09), a faster or slower machine fits more or fewer epochs.</p>")
    parts.append("</div>")
    return "".join(parts)


def footer(app: Sphinx) -> str:
    """The licences and how to cite, on every page."""
    return ('<div class="dlcourse-licence"><p>'
            "Course text and figures: " + _link(CC_BY, "CC BY 4.0", "dlcourse-cc-by")
            + " (" + _link(github_url("LICENSE-CONTENT"), "LICENSE-CONTENT") + "). Code: MIT ("
            + _link(github_url("LICENSE"), "LICENSE") + "). Cite it with "
            + _link(github_url("CITATION.cff"), "CITATION.cff") + f". dlcourse {html.escape(app.config.release)}."
            "</p></div>")


def decorate(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if "body" in context:
        context["body"] = header(app, pagename) + context["body"] + footer(app)


def keep_outputs_in_work(app: Sphinx) -> None:
    """myst-nb's files of outputs go to WORK/jupyter_execute, not beside ``--out`` (its default)."""
    if app.config.dlcourse_work:
        folder = Path(app.config.dlcourse_work) / "jupyter_execute"
        app.env.mystnb_config = app.env.mystnb_config.copy(output_folder=str(folder))  # type: ignore[attr-defined]


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """MathJax from the sphinx-mathjax-offline package into ``_static/mathjax/`` (the site loads nothing from a CDN)."""
    if exception is not None or app.builder.format != "html":
        return
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        raise RuntimeError("MathJax for offline pages is missing: pip install sphinx-mathjax-offline "
                           '(or pip install -e ".[site]")')
    source = Path(spec.origin).parent / "static" / "mathjax"
    copy_asset(str(source), str(Path(app.outdir) / "_static" / "mathjax"))


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("dlcourse_budget", "full", "html", str)
    app.add_config_value("dlcourse_root", "", "env", str)
    app.add_config_value("dlcourse_started", 0.0, "", float)
    app.add_config_value("dlcourse_work", "", "", str)
    app.connect("builder-inited", keep_outputs_in_work, priority=600)  # after myst-nb's own set-up (500)
    app.connect("doctree-read", localize, priority=400)  # before the image collector (500) records the badge
    app.connect("env-updated", record_machines)
    app.connect("env-updated", drop_widget_state)
    app.connect("html-page-context", decorate)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": False, "parallel_write_safe": True}
