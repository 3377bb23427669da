"""The kernel a submission runs in: ``python -m dlcourse.grading.kernel -f CONNECTION_FILE``.

Before any student code runs it
- installs an audit hook (which cannot be removed) that refuses to open, list or pass
  to a subprocess anything under the folders in ``DLCOURSE_GRADER_FORBIDDEN`` (the
  course's ``solutions/``);
- keeps a copy of the builtins, so that the grader's own cells can undo a student's
  ``print = ...`` or ``builtins.isinstance = ...`` before they check anything;
- caps the kernel's address space when ``DLCOURSE_GRADER_MEMORY_MB`` is set and the OS
  allows it (the grader also watches the kernel's memory from outside).
"""

from __future__ import annotations

import builtins
import os
import sys

BOOT_MODULE = "_dlcourse_grader_boot"
_FORBIDDEN = tuple(os.path.realpath(p) for p in os.environ.get("DLCOURSE_GRADER_FORBIDDEN", "").split(os.pathsep) if p)
_NAMES = tuple(os.path.basename(p) for p in _FORBIDDEN)
_SNAPSHOT = dict(vars(builtins))
_GRADING_MODULES = ("dlcourse.checking", "dlcourse.model_summary", "dlcourse.questions", "dlcourse.grading")


def _is_forbidden(path: object) -> bool:
    if isinstance(path, int) or path is None:
        return False
    try:
        text = os.fsdecode(path)
    except TypeError:
        return False
    real = os.path.realpath(text)
    return any(real == root or real.startswith(root + os.sep) for root in _FORBIDDEN)


def _mentions_forbidden(args: object) -> bool:
    text = repr(args)
    return any(root in text for root in _FORBIDDEN) or any(f"{name}/" in text or f"{name}\\" in text for name in _NAMES)


def _audit(event: str, args: tuple) -> None:
    if not _FORBIDDEN:
        return
    if event in ("open", "os.listdir", "os.scandir", "os.chdir", "shutil.copyfile", "shutil.copytree", "os.rename"):
        if args and _is_forbidden(args[0]):
            raise PermissionError("the grader does not let a submission read the course's solutions")
    elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "pty.spawn"):
        if _mentions_forbidden(args):
            raise PermissionError("the grader does not let a submission read the course's solutions")


def restore() -> None:
    """Undo what student code may have done to the grader's tools (run by the grader's cells)."""
    for name, value in _SNAPSHOT.items():
        if vars(builtins).get(name) is not value:
            setattr(builtins, name, value)
    sys.settrace(None)
    sys.setprofile(None)
    for name in list(sys.modules):
        if name.startswith(_GRADING_MODULES):
            del sys.modules[name]


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
    sys.addaudithook(_audit)
    _limit_memory()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
