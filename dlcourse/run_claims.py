"""Find a run's numbers written into a notebook's prose, where a rerun can make them false.

A markdown cell's *run numbers* are, outside inline code, fenced code, HTML comments and
URLs:

- a decimal with three or more significant digits (``0.788``, ``3.72``, ``12.5``; not
  ``0.5``, ``1e-3`` or ``0.01``; a version such as ``0.10.2`` is not a decimal);
- ``t =`` or ``p =`` followed by a number;
- a percentage: a number followed by ``%``, `` %`` or `` percent``.

A cell with run numbers is accepted only if

(a) it says visibly that it is one run's result: the phrase "one run's result"
    (any case) and the word "seed" in the same cell; or
(b) each number it flags is listed, as written in the cell, in the cell's metadata
    ``cell.metadata["dlcourse"]["fixed_numbers"]`` (for facts that are not a run's
    result: a critical value of a t distribution, a 20 % split). For ``t = 2.78`` or
    ``20 %`` either the whole text or the number alone (``2.78``, ``20``) may be listed.

Otherwise the sentence belongs in a code cell that prints it from the run's variables.
``problems(notebook)`` returns one message per offending cell.
"""

from __future__ import annotations

import re

import nbformat

FIXED_KEY = "fixed_numbers"
_SPACE = "[ \u00a0\u202f]"
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
DECIMAL_RE = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+(?!\.?\d)(?![.,]\d)")
STATISTIC_RE = re.compile(rf"(?<![\w\\])[tp]{_SPACE}*={_SPACE}*-?(?:{_NUMBER})")
PERCENT_RE = re.compile(rf"(?<![\w.,])(?:{_NUMBER})(?:{_SPACE}?%|{_SPACE}+percent\b)")
_NUMBER_IN_MATCH = re.compile(rf"-?(?:{_NUMBER})")

FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
INLINE_CODE_RE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
HIDDEN_RE = re.compile(
    r"<!--.*?-->"  # HTML comments
    r"|\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"  # link targets: [text](target "title")
    r"|<?(?:https?://|www\.)[^\s)>\]]+>?",  # bare or <angle-bracketed> URLs
    re.S,
)
ONE_RUN_RE = re.compile(r"one run['\u2019]s result", re.I)
SEED_RE = re.compile(r"\bseed(?:s|ed)?\b", re.I)


def prose(markdown: str) -> str:
    """``markdown`` with fenced code, inline code, HTML comments and URLs blanked out."""
    lines, fence = [], None
    for line in markdown.split("\n"):
        opening = FENCE_RE.match(line)
        if fence is None and opening:
            fence = opening.group(1)[0] * len(opening.group(1))
            lines.append("")
        elif fence is not None:
            if line.strip().startswith(fence):
                fence = None
            lines.append("")
        else:
            lines.append(line)
    text = "\n".join(lines)
    for pattern in (HIDDEN_RE, INLINE_CODE_RE):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _significant_digits(decimal: str) -> int:
    return len(decimal.replace(",", "").replace(".", "").lstrip("0"))


def run_numbers(markdown: str) -> list[str]:
    """The run numbers in ``markdown``'s prose, as written, in order (overlaps reported once)."""
    text = prose(markdown)
    spans = [m.span() for m in STATISTIC_RE.finditer(text)]
    spans += [m.span() for m in PERCENT_RE.finditer(text)]
    spans += [m.span() for m in DECIMAL_RE.finditer(text) if _significant_digits(m.group(0)) >= 3]
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if kept and start < kept[-1][1]:  # inside a longer match already kept (12.5 in "12.5 %")
            kept[-1] = (kept[-1][0], max(end, kept[-1][1]))
            continue
        kept.append((start, end))
    return [text[start:end] for start, end in kept]


def says_one_runs_result(markdown: str) -> bool:
    """Whether the cell marks itself as one run's result: the phrase plus the word "seed"."""
    return bool(ONE_RUN_RE.search(markdown) and SEED_RE.search(markdown))


def fixed_numbers(cell) -> list[str]:
    """The numbers the cell's metadata declares as facts rather than a run's results."""
    listed = cell.get("metadata", {}).get("dlcourse", {}).get(FIXED_KEY, [])
    return [str(item) for item in listed] if isinstance(listed, (list, tuple)) else []


def _is_listed(found: str, listed: list[str]) -> bool:
    number = _NUMBER_IN_MATCH.search(found)
    return found in listed or (number is not None and number.group(0) in listed)


def unmarked(cell) -> list[str]:
    """The run numbers of a markdown cell that neither exemption covers."""
    if cell.get("cell_type") != "markdown" or says_one_runs_result(cell.source):
        return []
    listed = fixed_numbers(cell)
    return [found for found in run_numbers(cell.source) if not _is_listed(found, listed)]


def problems(notebook: nbformat.NotebookNode) -> list[str]:
    """One message per markdown cell that writes a run's numbers without saying so."""
    found = []
    for number, cell in enumerate(notebook.cells, start=1):
        numbers = unmarked(cell)
        if numbers:
            quoted = ", ".join(f"'{n}'" for n in numbers)
            found.append(
                f"cell {number}: markdown states run number(s) {quoted}, which a rerun can change. "
                "Print the sentence from the run's variables in a code cell (an f-string), or "
                "(a) mark the cell as one run's result: the words \"one run's result\" and the seed; or "
                f"(b) if a number is a fact, not a run's result, list it as written in the cell's metadata "
                f'"dlcourse": {{"{FIXED_KEY}": [...]}}'
            )
    return found
