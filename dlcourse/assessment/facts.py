"""Readers for a value question's ``facts`` and ``given_facts``: a student's objects as plain data.

They run where the student's variables are (see :class:`dlcourse.assessment.questions.ValueQuestion`)
and read without trusting the object: exact types only, contents read with the library's
own functions (which the grading kernel restores before it reads). What they return is
plain data for :func:`dlcourse.assessment.encoding.to_jsonable`; what cannot be read
raises an error that says what was expected, and the judge turns it into the student's
message. They never decide.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from dlcourse.assessment.encoding import _TYPE_NAME, from_jsonable, to_jsonable


def plain(value: Any) -> Any:
    """``value`` as the judge will see it: plain numbers, strings, lists, dicts and arrays;
    anything else an :class:`~dlcourse.assessment.encoding.Opaque` stand-in."""
    return from_jsonable(to_jsonable(value))


def is_dataframe(value: Any) -> bool:
    """Whether ``value`` is exactly a pandas DataFrame (not a subclass that may redefine its methods)."""
    import pandas as pd

    return type(value) is pd.DataFrame


def table_rows(table: Any, columns: Sequence[str], name: str) -> list[dict[str, Any]]:
    """The rows of a DataFrame (or a list of dicts) ``name``, restricted to ``columns``, as plain dicts."""
    import pandas as pd

    if is_dataframe(table):
        rows = pd.DataFrame.to_dict(table, "records")
    elif type(table) is list and all(type(row) is dict for row in table):
        rows = list(table)
    else:
        raise TypeError(f"`{name}` should be a pandas DataFrame, found a {type(table).__name__}")
    missing = [c for c in columns if not rows or c not in rows[0]]
    if missing:
        raise KeyError(f"`{name}` needs the columns {', '.join(columns)}; missing: {', '.join(missing)}")
    return [{c: plain(row[c]) for c in columns} for row in rows]


def array(value: Any, name: str) -> np.ndarray:
    """A plain copy of the NumPy array (or list of numbers) ``name``."""
    found = plain(value)
    if isinstance(found, list):
        found = np.asarray(found)
    if not isinstance(found, np.ndarray) or found.dtype == object:
        raise TypeError(f"`{name}` should be an array of numbers, found a {type(value).__name__}")
    return found


def fingerprint(value: Any) -> str | None:
    """A short digest of an array's shape, type and bytes: equal digests, equal data. None if it is no array."""
    if not issubclass(type(value), np.ndarray):
        return None
    data = np.ascontiguousarray(np.ndarray.view(value, np.ndarray))
    digest = hashlib.sha256(f"{data.shape}|{data.dtype.str}|".encode())
    digest.update(memoryview(data).cast("B"))
    return digest.hexdigest()[:32]


def type_name(value: Any) -> str:
    """The name of ``value``'s class as the class itself holds it (never a name its metaclass makes up)."""
    return _TYPE_NAME.__get__(type(value), type)


def class_path(value: Any) -> str:
    """``module.QualifiedName`` of ``value``'s class, read with ``type``'s own descriptors. It names a class
    across a fresh import of its module (the grading kernel re-imports the course's modules, so the class
    object of a student's object may no longer be the one an import gives)."""
    cls = type(value)
    return f"{type.__dict__['__module__'].__get__(cls, type)}.{type.__dict__['__qualname__'].__get__(cls, type)}"


def is_keras_model(value: Any) -> bool:
    """Whether ``value`` is exactly a Keras ``Sequential`` or functional model (not a subclass that may redefine
    ``layers``, ``evaluate`` or ``predict``)."""
    import keras
    from keras.src.models.functional import Functional

    return type(value) is keras.Sequential or type(value) is Functional
