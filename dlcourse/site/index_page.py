"""The site's home page: what the course is, the lessons with their exercises and solutions, licences."""

from __future__ import annotations

from pathlib import Path

import nbformat

from dlcourse.course import colab_url, github_url


def lesson_title(path: Path) -> str:
    """The notebook's title: the first line of its first cell, without the ``#``."""
    notebook = nbformat.read(path, as_version=4)
    first = notebook.cells[0].source.strip().splitlines()[0] if notebook.cells else ""
    if not first.startswith("# "):
        raise ValueError(f"{path}: the first cell must start with the title ('# NN · ...'), found {first[:60]!r}")
    return first[2:].strip()


def _both(path: str) -> str:
    return f"[Colab]({colab_url(path)}) · [GitHub]({github_url(path)})"


def index_page(lessons: list[Path]) -> str:
    """MyST markdown of the home page for the staged ``lessons`` (``lessons/NN_name.ipynb``)."""
    rows = "\n".join(
        f"| [{lesson_title(p)}](lessons/{p.name}) | {_both(f'exercises/{p.name}')} | {_both(f'solutions/{p.name}')} |"
        for p in lessons)
    toc = "\n".join(f"lessons/{p.stem}" for p in lessons)
    return f"""# Model evaluation and hyperparameter tuning

*Deep Learning Fundamentals, Lesson 3*: an open course in Jupyter notebooks. How to **measure** a
model (classification and regression metrics), how to **choose hyperparameters** (validation, grid,
random and Bayesian search, Hyperband, Optuna), how to **improve** a network (regularization,
augmentation, learning-rate schedules, early stopping), and a **CIFAR-10 project** that puts it
all together.

Every lesson below is shown as it ran, with its printed results and figures. Each has an
**exercise** (`check("<id>")` gives instant feedback on each answer) and a **solution**: read the
lesson, do the exercise, open the solution only after you tried. The top of each lesson says which
budget and machine its numbers came from; the sliders of the interactive explorers move only in a
running notebook (open it in Colab).

| lesson | exercise | solution |
| --- | --- | --- |
{rows}

## Licences and citing

The course text and figures are under [CC BY 4.0](https://creativecommons.org/licenses/by/4.0/)
([LICENSE-CONTENT]({github_url("LICENSE-CONTENT")})): copy, adapt and teach with them, naming the course. The code
(the `dlcourse` package and the notebooks' code) is under the MIT licence ([LICENSE]({github_url("LICENSE")})).
To cite the course, use [CITATION.cff]({github_url("CITATION.cff")}); each release is listed in
[CHANGELOG.md]({github_url("CHANGELOG.md")}).

```{{toctree}}
:hidden:
:maxdepth: 1
:caption: Lessons

{toc}
```
"""
