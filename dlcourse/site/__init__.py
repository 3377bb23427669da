"""``dlcourse site``: the course as a static web site, built offline from the executed lessons.

- ``build.py`` stages the lessons, runs Sphinx with myst-nb (each notebook's execution cached by
  jupyter-cache: an unchanged notebook is not run again) and reports what it executed;
- ``conf.py`` is the Sphinx configuration (theme, execution, offline MathJax);
- ``extension.py`` adds each page's header (smoke banner, Colab button, exercise and solution
  links, the budget and machine the outputs came from) and footer (licences, citation);
- ``machine.py`` describes the machine that ran a notebook; ``index_page.py`` writes the home page.
"""

from dlcourse.site.build import SiteReport, build_site

__all__ = ["SiteReport", "build_site"]
