"""Sphinx configuration of the course site (read by ``dlcourse site``; ``build.py`` sets the rest).

Everything a page needs is served by the site itself: the theme (sphinx-book-theme bundles its
styles, scripts and icon fonts), MathJax (from the sphinx-mathjax-offline package, SVG output, so no
web fonts), the search index, and the Colab badge (a local picture). Widgets would need scripts
from a CDN: none are loaded, and the lessons' explorers are drawn as pictures instead.
"""

from pathlib import Path

from dlcourse import __version__
from dlcourse.checking import CHECK_MIME
from dlcourse.course import BRANCH, REPOSITORY

project = "Model Evaluation and Hyperparameter Tuning"
author = "the dlcourse authors"
copyright = "the dlcourse authors: text and figures CC BY 4.0, code MIT"  # noqa: A001 - Sphinx's name
version = release = __version__
language = "en"

extensions = ["myst_nb", "dlcourse.site.extension"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["**/tuner_runs/**", "**/logs/**", "**/.ipynb_checkpoints/**", "jupyter_execute/**"]
myst_enable_extensions = ["dollarmath", "amsmath"]
suppress_warnings = ["myst.header",  # lessons start their sections at ##, under the notebook's # title
                    "mystnb.unknown_mime_type"]  # check()'s record (CHECK_MIME), which is never shown

# execution: each notebook once, cached by jupyter-cache in a folder build.py chooses per budget
nb_execution_mode = "cache"
nb_execution_raise_on_error = True  # a lesson that fails stops the build
nb_execution_show_tb = True
nb_execution_in_temp = False  # in the staged lessons folder, as a student runs them (files they write stay there)
nb_ipywidgets_js: dict = {}  # no widget scripts from a CDN (the site works offline)
# A widget's view (e.g. a progress bar) cannot be drawn without a kernel: never rendered.
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None),
                              ("html", "application/vnd.jupyter.widget-state+json", None),
                              ("html", CHECK_MIME, None)]  # check()'s record for the tests; its text is shown
nb_merge_streams = True

# MathJax 3 from the sphinx-mathjax-offline package, copied into _static/mathjax/ by extension.py
mathjax_path = "mathjax/tex-svg.js"

html_theme = "sphinx_book_theme"
html_title = "dlcourse: model evaluation and hyperparameter tuning"
html_static_path = [str(Path(__file__).parent / "static")]
html_css_files = ["dlcourse-site.css"]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
# light pages (the figures have white backgrounds); an empty mode makes the theme's script log an error
html_context = {"default_mode": "light"}
html_theme_options = {
    "repository_url": f"https://github.com/{REPOSITORY}",
    "repository_branch": BRANCH,
    "use_repository_button": True,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "navigation_with_keys": False,
}
