"""The kernel a submission runs in: ``python -m dlcourse.grading.kernel -f CONNECTION_FILE``.

Before any student code runs it
- installs an audit hook (which cannot be removed) that refuses to open, list or pass
  to a subprocess anything under the folders in ``DLCOURSE_GRADER_FORBIDDEN`` (the
  course's ``solutions/``);
- takes a snapshot of the builtins and of every module loaded so far (their functions,
  classes and submodules, and the methods of those classes), and of the import system;
- caps the kernel's address space when ``DLCOURSE_GRADER_MEMORY_MB`` is set and the OS
  allows it (the grader also watches the kernel's memory from outside).

The grader's own cells do not call anything the student could have replaced: each holds
one string constant starting with :data:`MARKER`, and the audit hook, which sees every
code object before ``exec`` runs it, does their work. A ``snapshot`` cell (the grader puts
one right before the first student cell) extends the snapshot to the modules the set-up
cells imported (NumPy, pandas, Keras, ...), remembers the notebook's namespace, and
receives, for each question, the secret file its report goes to and its hidden cases, so
that the later ``probe`` cells, which student code could read before they run, carry
nothing but a question's name; they run as silent executions (no IPython
``pre_run_cell``/``post_run_cell`` callbacks). A ``probe`` cell first restores the snapshot (builtins, functions, classes, ``sys.modules``,
the import system, no trace or profile function), drops every ``dlcourse`` module so that
the course's code is imported fresh from disk, and then writes the probe's report
(:mod:`dlcourse.grading.probe`): plain facts, never a verdict. What remains possible, and
what ``--sandbox`` adds, is in the README ("How it grades").
"""

from __future__ import annotations

import builtins
import json
import os
import sys
import types

BOOT_MODULE = "_dlcourse_grader_boot"
MARKER = "dlcourse-grader-cell:"  # a code object holding a string constant that starts with this is the grader's
_FORBIDDEN = tuple(os.path.realpath(p) for p in os.environ.get("DLCOURSE_GRADER_FORBIDDEN", "").split(os.pathsep) if p)
_NAMES = tuple(os.path.basename(p) for p in _FORBIDDEN)
_SNAPSHOT = dict(vars(builtins))
_KEPT = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.ModuleType, type, property,
         classmethod, staticmethod, types.MethodDescriptorType, types.WrapperDescriptorType,
         types.ClassMethodDescriptorType, types.GetSetDescriptorType, types.MemberDescriptorType)
_MODULES: dict[str, tuple[types.ModuleType, dict[str, object]]] = {}  # name -> (module, its kept attributes)
_CLASSES: dict[int, tuple[type, dict[str, object]]] = {}  # id -> (class, its kept attributes)
_IMPORT_SYSTEM: dict[str, list] = {}
_STATE: dict[str, object] = {"namespace": None, "busy": False}


def _kept(value: object) -> bool:
    """Whether ``value`` is code or a descriptor (what tampering replaces), judged by its type alone."""
    return issubclass(type(value), _KEPT)


def snapshot() -> None:
    """Remember every module loaded now (those already remembered stay as first seen)."""
    for name, module in list(sys.modules.items()):
        if name in _MODULES or type(module) is not types.ModuleType:
            continue
        attributes = {k: v for k, v in dict(module.__dict__).items() if _kept(v)}
        _MODULES[name] = (module, attributes)
        for value in attributes.values():
            if type(value) is type and id(value) not in _CLASSES:
                _CLASSES[id(value)] = (value, {k: v for k, v in dict(value.__dict__).items() if _kept(v)})
    if not _IMPORT_SYSTEM:
        _IMPORT_SYSTEM.update(path=list(sys.path), meta_path=list(sys.meta_path), path_hooks=list(sys.path_hooks))


def restore() -> None:
    """Undo what student code may have done to the builtins, the remembered modules and classes,
    ``sys.modules`` and the import system; then forget every ``dlcourse`` module, so that the next
    import of the course's code reads it fresh from disk."""
    for name, value in _SNAPSHOT.items():
        if vars(builtins).get(name) is not value:
            setattr(builtins, name, value)
    sys.settrace(None)
    sys.setprofile(None)
    for name, (module, attributes) in _MODULES.items():
        if sys.modules.get(name) is not module:
            sys.modules[name] = module
        current = module.__dict__
        for key, value in attributes.items():
            if current.get(key) is not value:
                current[key] = value
    for cls, attributes in _CLASSES.values():
        current = cls.__dict__
        changed = [k for k, v in attributes.items() if current.get(k) is not v]
        added = [k for k, v in current.items() if k not in attributes and _kept(v)]
        for key in changed + added:
            try:
                if key in attributes:
                    type.__setattr__(cls, key, attributes[key])
                else:
                    type.__delattr__(cls, key)
            except (TypeError, AttributeError):  # a built-in type: nobody could change it either
                pass
    sys.path[:] = _IMPORT_SYSTEM["path"]
    sys.meta_path[:] = _IMPORT_SYSTEM["meta_path"]
    sys.path_hooks[:] = _IMPORT_SYSTEM["path_hooks"]
    sys.path_importer_cache.clear()
    for name in list(sys.modules):
        if name == "dlcourse" or name.startswith("dlcourse."):
            del sys.modules[name]


def _grader_cell(code: object) -> dict | None:
    """The instructions of a grader's cell, if ``code`` is one."""
    if type(code) is not types.CodeType:
        return None
    for constant in code.co_consts:
        if type(constant) is str and constant.startswith(MARKER):
            try:
                return json.loads(constant[len(MARKER):])
            except ValueError:
                return None
    return None


def _preload(notebook: str) -> None:
    """Import, before the snapshot, the libraries the notebook's questions read facts with (its question
    module's ``SNAPSHOT_MODULES``), so that they are restored too, even if the notebook imports them later."""
    import importlib

    try:
        from dlcourse.questions import module_for

        module = importlib.import_module(module_for(notebook))
        for name in getattr(module, "SNAPSHOT_MODULES", ()):
            importlib.import_module(name)
    except Exception:  # noqa: BLE001 - a library missing here is missing for the student too; the probe reports it
        pass


def _run_grader_cell(task: dict) -> None:
    """Do a grader's cell's work (called by the audit hook, never by a student's code)."""
    if task.get("action") == "snapshot":
        if _STATE.get("snapshot_taken"):  # only the grader's first one, before any student code, counts
            return
        _STATE["snapshot_taken"] = True
        _STATE["notebook"] = str(task.get("notebook", ""))
        _STATE["probes"] = dict(task.get("probes") or {})
        _preload(_STATE["notebook"])
        from IPython import get_ipython

        shell = get_ipython()
        _STATE["namespace"] = shell.user_ns if shell is not None else None
        snapshot()
        return
    if task.get("action") != "probe":
        return
    probes = _STATE.get("probes") or {}
    probe = probes.get(str(task.get("question")))
    if probe is None or task.get("nonce") != probe["nonce"]:  # not the grader's cell: nothing written
        return
    del probes[str(task["question"])]  # each question reported once
    restore()
    from dlcourse.grading.probe import report

    report(probe["payload"], _STATE["notebook"], str(task["question"]), probe["cases"], _STATE["namespace"])


def _is_forbidden(path: object) -> bool:
    if isinstance(path, int) or path is None:
        return False
    try:
        text = os.fsdecode(path)
    except TypeError:
        return False
    real = os.path.realpath(text)
    if any(real == root or real.startswith(root + os.sep) for root in _FORBIDDEN):
        return True
    # A relative path may be opened relative to a folder descriptor (``dir_fd``), which the audit event does not
    # carry: refuse any relative path that names a forbidden folder.
    return not os.path.isabs(text) and any(part in _NAMES for part in text.replace("\\", "/").split("/"))


def _mentions_forbidden(args: object) -> bool:
    text = repr(args)
    return any(root in text for root in _FORBIDDEN) or any(f"{name}/" in text or f"{name}\\" in text for name in _NAMES)


def _audit(event: str, args: tuple) -> None:
    if event == "exec" and args and not _STATE["busy"]:
        task = _grader_cell(args[0])
        if task is not None:
            _STATE["busy"] = True
            try:
                _run_grader_cell(task)
            except BaseException:  # noqa: BLE001 - never break the cell; a missing report says enough
                pass
            finally:
                _STATE["busy"] = False
            return
    if not _FORBIDDEN:
        return
    if event in ("open", "os.listdir", "os.scandir", "os.chdir", "shutil.copyfile", "shutil.copytree", "os.rename"):
        if args and _is_forbidden(args[0]):
            raise PermissionError("the grader does not let a submission read the course's solutions")
    elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "pty.spawn"):
        if _mentions_forbidden(args):
            raise PermissionError("the grader does not let a submission read the course's solutions")


def _limit_memory() -> None:
    megabytes = os.environ.get("DLCOURSE_GRADER_MEMORY_MB")
    if not megabytes:
        return
    try:
        import resource

        limit = int(megabytes) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ImportError, ValueError, OSError):  # not on this OS: the grader's watchdog still applies
        pass


def main() -> None:
    sys.modules[BOOT_MODULE] = sys.modules[__name__]
    import numpy  # noqa: F401 - loaded before any student code, so that it is in the snapshot
    import pandas  # noqa: F401

    import dlcourse.grading.probe  # noqa: F401 - and everything the probe uses
    snapshot()
    sys.addaudithook(_audit)
    _limit_memory()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
