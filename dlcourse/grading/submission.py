"""Read a student's notebook and take from it only the answers, by question id.

Nothing else of the submission is trusted: the grader rebuilds the notebook from the
pristine exercise and puts the student's EXERCISE cells (and written answers) into it.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from dlcourse.assessment.questions import Question, WrittenQuestion
from dlcourse.exercises import EXERCISE_RE, answer_id, exercise_id

MAX_BYTES = 20 * 2**20  # a notebook larger than this is refused, not parsed
MAX_CELL_CHARS = 200_000


class SubmissionError(ValueError):
    """The file cannot be graded at all; the message says why, for the student."""


@dataclass
class Answers:
    """What a submission answers: code by question id, written text by question id."""

    code: dict[str, str] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The submission as a notebook, or :class:`SubmissionError` saying what is wrong with it."""
    try:
        size = path.stat().st_size
    except OSError as problem:
        raise SubmissionError(f"the file cannot be read ({problem.strerror})") from None
    if size > MAX_BYTES:
        raise SubmissionError(f"the file is {size / 2**20:.0f} MB: too large for a notebook (clear its outputs?)")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise SubmissionError("the file is not text: upload the .ipynb notebook itself") from None
    except json.JSONDecodeError as problem:
        raise SubmissionError(f"the file is not a notebook (not valid JSON: {problem.msg} at line {problem.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise SubmissionError("the file is JSON but not a Jupyter notebook (it has no list of cells)")
    try:
        with warnings.catch_warnings():  # duplicate cell ids are "corrected" with a warning; we match by marker
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as problem:  # nbformat raises several kinds for malformed notebooks
        raise SubmissionError(f"the notebook cannot be read ({type(problem).__name__}: {problem})") from None
    return notebook


def _source(cell) -> str | None:
    source = cell.get("source") if isinstance(cell, dict) else None
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        source = "".join(source)
    return source if isinstance(source, str) else None


def _usable(cell) -> bool:
    return isinstance(cell, dict) and cell.get("cell_type") in ("code", "markdown") and _source(cell) is not None


def extract_answers(submission: nbformat.NotebookNode, pristine: nbformat.NotebookNode,
                    questions: dict[str, Question]) -> Answers:
    """Find each question's cell in ``submission``: by its marker line, else by its cell id."""
    answers = Answers()
    cells = [c for c in submission.cells if _usable(c)]
    by_marker: dict[str, list] = {}
    for cell in cells:
        cell.source = _source(cell)
        qid = exercise_id(cell) or answer_id(cell)
        if qid is not None:
            by_marker.setdefault(qid, []).append(cell)
    pristine_ids = {exercise_id(c) or answer_id(c): c.get("id") for c in pristine.cells}
    by_cell_id: dict[str, list] = {}
    for cell in cells:
        by_cell_id.setdefault(str(cell.get("id")), []).append(cell)

    for qid, question in questions.items():
        found = by_marker.get(qid, [])
        kind = "markdown" if isinstance(question, WrittenQuestion) else "code"
        found = [c for c in found if c.cell_type == kind]
        if len(found) > 1:
            answers.notes.append(f"{qid}: {len(found)} cells are marked as this question; the last one was graded")
        if not found:
            same_id = [c for c in by_cell_id.get(str(pristine_ids.get(qid)), []) if c.cell_type == kind]
            if len(same_id) == 1:
                found = same_id
                answers.notes.append(f"{qid}: the cell's first line was changed; it was found by its cell id")
        if not found:
            continue
        source = found[-1].source
        if len(source) > MAX_CELL_CHARS:
            answers.notes.append(f"{qid}: the cell has {len(source):,} characters; only cells under {MAX_CELL_CHARS:,} are graded")
            continue
        if kind == "code":
            lines = source.split("\n")
            if not EXERCISE_RE.match(lines[0].strip()):
                lines.insert(0, f"# EXERCISE {qid}")
            answers.code[qid] = "\n".join(lines)
        else:
            answers.written[qid] = source.split("\n", 1)[1].strip() if "\n" in source else ""

    if not answers.code and not answers.written:
        others = sorted(set(by_marker) - set(questions))
        if others:
            answers.notes.append(f"this notebook answers other questions ({', '.join(others[:5])}): "
                                 "is it another assignment's notebook?")
    return answers


# --------------------------------------------------------------------------- code to read by hand

# The dlcourse modules the course's notebooks import (a test checks every notebook against this
# list): a student may import them too. The package's other modules (the assessment core, the
# questions, the grader, ...) are the course's internals.
STUDENT_MODULES = frozenset({
    "budget", "checking", "cifar_project", "data", "doctor", "explorers", "keras_sklearn", "model_summary",
    "plotting", "reproducibility", "servers", "tune_worker", "tuning",
})
# Names most set-up cells bind to modules; the grader adds the exercise's own imports (imported_names).
COMMON_MODULES = frozenset({"np", "numpy", "pd", "pandas", "plt", "matplotlib", "tf", "tensorflow", "keras", "sklearn",
                            "json", "sys", "os", "math", "random", "builtins", "scipy", "optuna", "skopt", "dlcourse"})
TEXT_RULES = {  # read as text: they also find what a string given to exec() hides from the parser
    r"\bbuiltins\b|__builtins__": "changes Python's builtins",
    r"\bimportlib\b|__import__\(": "imports modules by name",
    r"\b_dlcourse": "touches the grader's own names",
    r"get_ipython\(\)\.(events|register|input_transformers|ast_)|set_hook": "hooks into the kernel",
    r"\bctypes\b|os\._exit|os\.kill|\bsignal\.": "controls the process",
    r"sys\.(settrace|setprofile|addaudithook)|\bgc\.get_": "inspects the interpreter",
    r"solutions": "mentions the solutions",
    r"\bthreading\b|\b_thread\b|\bmultiprocessing\b|concurrent\.futures": "starts threads or processes",
    r"\bsubprocess\b|os\.(system|popen|exec|spawn|posix_spawn)|\bpty\.": "runs other programs",
    r"sys\.modules": "touches sys.modules",
    # found by a helper attacking the grader (an aliased name, a computed name, a shell line hide from the rules above)
    r"\bget_ipython\b|\.(events|input_transformers\w*|ast_transformers|set_custom_exc|set_hook)\b": "reaches into the "
    "kernel's shell (its hooks run around the grader's own cells)",
    r"_getframe|\bf_(back|globals|locals|code)\b|\bco_consts\b|__closure__|__globals__|__code__|\binspect\.": "inspects "
    "the interpreter's frames or code",
    r"addaudithook|\bgc\b": "inspects the interpreter",
    r"\bgrader\b|\bpayload|_dl[\"']|[\"']_dl": "mentions the grader's own names",
    r"\bfork\b|\bsetsid\b|\bexecv|\bexecl|\bexecve\b|\bspawn|\bnohup\b|\bdisown\b": "starts processes that may outlive it",
    r"/proc\b|\bptrace\b|\bgdb\b": "reaches into other processes",
    r"(?m)^\s*[!%]": "runs a shell command or an IPython magic",
    r"\bdir_fd\b|\bopener\s*=": "opens files relative to a folder descriptor",
    r"\bglobals\(\)|\bvars\(\)": "changes names through globals() or vars()",
}


# Special methods by which an object decides how it compares, converts or looks to NumPy: a class
# of an answer cell that defines one may be built to fool a comparison.
LYING_METHODS = frozenset({
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__bool__", "__float__", "__int__",
    "__index__", "__complex__", "__round__", "__abs__", "__len__", "__iter__", "__contains__", "__getattr__",
    "__getattribute__", "__array__", "__array_interface__", "__array_ufunc__", "__array_function__",
    "__array_priority__", "__class__", "__instancecheck__", "__subclasscheck__", "__reduce__", "__reduce_ex__",
    "__getstate__", "__setstate__", "__copy__", "__deepcopy__", "__del__", "__set_name__", "__init_subclass__",
})


def suspicious(code: dict[str, str], imported: set[str] | frozenset[str] = COMMON_MODULES) -> list[str]:
    """Lines an instructor may want to read by hand, each as ``"<question>, line <n> (`<code>`): <why>"``.

    ``imported`` are the names the notebook's set-up binds to modules (:func:`imported_names`).
    Listed: an assignment (or ``del``) to an attribute of an imported module or class, or to a
    special attribute of anything (``np.mean = ...``, ``pd.DataFrame.equals = ...``,
    ``SomeClass.__eq__ = ...``), ``setattr``/``delattr`` on one, a change through ``__dict__`` or
    ``vars()``, ``sys.modules``, an import of the course's internals (any ``dlcourse`` module but
    :data:`STUDENT_MODULES`), code run from a string (``exec``, ``eval``, ``compile``), a class
    that defines how its objects compare or convert (:data:`LYING_METHODS`), and the text
    patterns of :data:`TEXT_RULES`.
    """
    found: list[str] = []
    for qid, source in code.items():
        lines = source.split("\n")
        reasons: list[tuple[int, str]] = []
        tree = _parse(source)
        if tree is not None:
            reasons += _tampering(tree, set(imported) | imported_names([source]))
        for pattern, meaning in TEXT_RULES.items():
            reasons += [(source.count("\n", 0, match.start()) + 1, meaning) for match in re.finditer(pattern, source)]
        seen: set[tuple[int, str]] = set()
        for line, meaning in sorted(reasons):
            if (line, meaning) in seen:
                continue
            seen.add((line, meaning))
            text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            text = text if len(text) <= 80 else text[:77] + "..."
            found.append(f"{qid}, line {line} (`{text}`): the code {meaning}; read it by hand")
    return found


def imported_names(sources) -> set[str]:
    """The names that ``import`` statements in ``sources`` (code cells) bind: a set-up's ``np``, ``KerasClassifier``."""
    names: set[str] = set()
    for source in sources:
        tree = _parse(source)
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names |= {a.asname or a.name.split(".")[0] for a in node.names if a.name != "*"}
    return names


def _parse(source: str) -> ast.Module | None:
    """A cell as Python (IPython's ``%magic`` and ``!command`` lines made into calls first); None if it does not parse."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)
    except Exception:  # IPython missing, or the cell confuses it: parse the text as it is
        pass
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _dotted(node: ast.AST) -> str:
    """``pd.DataFrame.equals`` for an attribute chain (``...`` for a part that is not a plain name)."""
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return f"{node.func.id}({', '.join(_dotted(a) for a in node.args)})"
    return node.id if isinstance(node, ast.Name) else "..."


def _root(node: ast.AST) -> str | None:
    """The name an expression starts from: ``pd`` for ``pd.DataFrame.equals`` or ``pd.x()[0].y``."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _internal(dotted: str) -> str | None:
    """``dlcourse.<module>`` if ``dotted`` reaches one of the course's internal modules."""
    parts = dotted.split(".")
    if parts[0] == "dlcourse" and len(parts) > 1 and parts[1] in _dlcourse_modules() - STUDENT_MODULES:
        return f"dlcourse.{parts[1]}"
    return None


def _dlcourse_modules() -> set[str]:
    import pkgutil

    import dlcourse

    return {m.name for m in pkgutil.iter_modules(dlcourse.__path__)}


def _dunder(name: object) -> bool:
    return isinstance(name, str) and len(name) > 4 and name.startswith("__") and name.endswith("__")


def _targets(node: ast.AST):
    """Every place an assignment or ``del`` writes to, tuples and lists unpacked."""
    if isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            yield from _targets(element)
    elif isinstance(node, ast.Starred):
        yield from _targets(node.value)
    else:
        yield node


def _written(target: ast.AST, imported: set[str]) -> str | None:
    """Why writing to ``target`` is tampering (None: it is not)."""
    if isinstance(target, ast.Attribute):
        if _root(target) in imported:
            return f"changes {_dotted(target)}, an attribute of an imported module or class"
        if _dunder(target.attr):
            return f"changes {_dotted(target)}, a special attribute (how objects compare, convert or behave)"
    elif isinstance(target, ast.Subscript):
        inner = target.value
        if isinstance(inner, ast.Attribute) and inner.attr == "__dict__":
            return f"changes {_dotted(inner)}"
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == "vars":
            return "changes an object's attributes through vars()"
    return None


def _tampering(tree: ast.Module, imported: set[str]) -> list[tuple[int, str]]:
    """(line, why) for each change an answer cell makes to what it did not create (see :func:`suspicious`)."""
    sys_names = {"sys"} | {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.Import)
                           for a in n.names if a.name == "sys"}
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        targets: list[ast.AST] = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = [part for target in node.targets for part in _targets(target)]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        found += [(line, why) for target in targets if (why := _written(target, imported))]
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in ("setattr", "delattr", "__setattr__", "__delattr__") and node.args:
                subject, attribute = node.args[0], (node.args[1] if len(node.args) > 1 else None)
                if (_root(subject) in imported or isinstance(node.func, ast.Attribute)
                        or (isinstance(attribute, ast.Constant) and _dunder(attribute.value))):
                    found.append((line, f"calls {name} on {_dotted(subject)}"))
            elif isinstance(node.func, ast.Name) and name in ("exec", "eval", "compile"):
                found.append((line, f"runs code given as a string ({name})"))
            elif (isinstance(node.func, ast.Name) and name in ("getattr", "hasattr") and len(node.args) > 1
                  and not isinstance(node.args[1], ast.Constant)):
                found.append((line, f"gets an attribute by a computed name ({name})"))
            elif isinstance(node.func, ast.Attribute) and (_written(ast.Subscript(node.func.value), imported)
                                                           and name in ("update", "setdefault", "pop", "__setitem__")):
                found.append((line, f"changes {_dotted(node.func.value)} with {name}()"))
        elif isinstance(node, ast.ClassDef):
            defined = [n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
            defined += [t.id for n in node.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)]
            lying = sorted(set(defined) & LYING_METHODS)
            if lying:
                found.append((line, f"defines a class {node.name} whose objects decide how they compare or convert "
                                    f"({', '.join(lying)})"))
        elif isinstance(node, ast.Attribute):
            if node.attr == "modules" and _root(node) in sys_names:
                found.append((line, "touches sys.modules"))
            if (module := _internal(_dotted(node))) is not None:
                found.append((line, f"uses {module}, the course's internals"))
        elif isinstance(node, ast.Import):
            found += [(line, f"imports {module}, the course's internals") for a in node.names
                      if (module := _internal(a.name)) is not None]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "sys" and any(a.name == "modules" for a in node.names):
                found.append((line, "touches sys.modules"))
            for alias in node.names:
                module = _internal(node.module) or (_internal(f"dlcourse.{alias.name}") if node.module == "dlcourse" else None)
                if module is not None:
                    found.append((line, f"imports {module}, the course's internals"))
                elif node.module.split(".")[0] == "dlcourse" and alias.name.startswith("_"):
                    found.append((line, f"imports {node.module}.{alias.name}, a private name of the course"))
    return found
