"""Values to and from plain JSON, so nothing from a student's kernel is ever unpickled.

Arrays, tuples, dicts with any keys, NaN and infinities survive the round trip; any
other object comes back as an :class:`Opaque` stand-in that names its type, so the
comparison says "expected ..., found <a DataFrame ...>" instead of crashing.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

MAX_ITEMS = 200_000  # a student's function returning a gigantic value fails, it does not stall the grader


class Opaque:
    """A value of a type we do not transport; equal to nothing."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = type_name, text

    def __repr__(self) -> str:
        return f"<a {self.type_name}: {self.text}>" if self.text else f"<a {self.type_name}>"


_NUMPY_INTEGERS = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
                   np.intc, np.uintc, np.longlong, np.ulonglong)
_NUMPY_FLOATS = (np.float16, np.float32, np.float64, np.longdouble)


def to_jsonable(value: Any, _budget: list[int] | None = None) -> Any:
    """A JSON-ready form of ``value`` (see :func:`from_jsonable`).

    It reads a value without running any of its own code: types are matched exactly (a
    subclass of ``float`` whose ``__float__`` or ``__eq__`` lies is not a number), and the
    contents of lists, tuples, dicts and arrays, subclasses included, are read with the
    built-in types' own methods, never with a method the value's class may redefine
    (``__iter__``, ``items``, ``__len__``, ``__array__``). Anything else travels as an
    :class:`Opaque` stand-in that names its type and equals nothing.
    """
    budget = _budget if _budget is not None else [MAX_ITEMS]
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError(f"the value is too large to grade (more than {MAX_ITEMS:,} items)")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is np.bool_:
        return bool(value)
    if kind is np.str_:  # a name taken from an array of names; NumPy's own type, which no student code can change
        return str.__str__(value)
    if kind is int or kind in _NUMPY_INTEGERS:
        return int(value)
    if kind is float or kind in _NUMPY_FLOATS:
        number = float(value)
        return number if math.isfinite(number) else {"__float__": repr(number)}
    if issubclass(kind, np.ndarray):
        array = np.ndarray.view(value, np.ndarray)  # the data as stored, whatever the subclass says
        if array.size > budget[0]:
            raise ValueError(f"the array is too large to grade ({array.size:,} items)")
        budget[0] -= array.size
        if array.dtype.kind in "biuf":
            return {"__ndarray__": [to_jsonable(v, [MAX_ITEMS]) for v in array.ravel().tolist()],
                    "dtype": array.dtype.str, "shape": list(array.shape)}
        if array.dtype.kind in "OU":
            return {"__ndarray__": [to_jsonable(v, budget) for v in array.ravel().tolist()], "dtype": "object",
                    "shape": list(array.shape)}
        return _opaque(value)
    if issubclass(kind, tuple):
        return {"__tuple__": [to_jsonable(v, budget) for v in tuple.__iter__(value)]}
    if issubclass(kind, list):
        return [to_jsonable(v, budget) for v in list.__iter__(value)]
    if issubclass(kind, dict):
        return {"__dict__": [[to_jsonable(k, budget), to_jsonable(v, budget)] for k, v in dict.items(value)]}
    if kind is Opaque:  # a stand-in made by facts.plain: it keeps the name of the type it stands for
        return {"__object__": str.__str__(value.type_name), "repr": ""}
    return _opaque(value)


def _opaque(value: Any) -> dict:
    """A stand-in naming the value's type. Nothing of the value's own code runs (not even its ``repr``)."""
    return {"__object__": _TYPE_NAME.__get__(type(value), type), "repr": ""}


_TYPE_NAME = type.__dict__["__name__"]  # a class's own name, even if its metaclass redefines ``__name__``


def _hashable(key: Any) -> Any:
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


def from_jsonable(data: Any) -> Any:
    """The value that :func:`to_jsonable` encoded (objects of other types as :class:`Opaque`)."""
    if isinstance(data, list):
        return [from_jsonable(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__float__" in data:
        return float(data["__float__"])
    if "__ndarray__" in data:
        items = [from_jsonable(v) for v in data["__ndarray__"]]
        dtype = object if data["dtype"] == "object" else np.dtype(data["dtype"])
        array = np.empty(len(items), dtype=dtype)
        array[:] = items
        return array.reshape(data["shape"])
    if "__tuple__" in data:
        return tuple(from_jsonable(v) for v in data["__tuple__"])
    if "__dict__" in data:
        return {_hashable(from_jsonable(k)): from_jsonable(v) for k, v in data["__dict__"]}
    if "__object__" in data:
        return Opaque(str(data["__object__"]), str(data.get("repr", "")))
    raise ValueError(f"not an encoded value: {sorted(data)}")


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), allow_nan=False)


def loads(text: str) -> Any:
    return from_jsonable(json.loads(text))
