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
        return f"<a {self.type_name}: {self.text}>"


def to_jsonable(value: Any, _budget: list[int] | None = None) -> Any:
    """A JSON-ready form of ``value`` (see :func:`from_jsonable`)."""
    budget = _budget if _budget is not None else [MAX_ITEMS]
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError(f"the value is too large to grade (more than {MAX_ITEMS:,} items)")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else {"__float__": repr(number)}
    if isinstance(value, np.ndarray):
        if value.size > budget[0]:
            raise ValueError(f"the array is too large to grade ({value.size:,} items)")
        budget[0] -= value.size
        if value.dtype.kind in "biuf":
            return {"__ndarray__": [to_jsonable(v, [MAX_ITEMS]) for v in value.ravel().tolist()],
                    "dtype": value.dtype.str, "shape": list(value.shape)}
        return {"__ndarray__": [to_jsonable(v, budget) for v in value.ravel().tolist()], "dtype": "object", "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"__tuple__": [to_jsonable(v, budget) for v in value]}
    if isinstance(value, list):
        return [to_jsonable(v, budget) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[to_jsonable(k, budget), to_jsonable(v, budget)] for k, v in value.items()]}
    return {"__object__": type(value).__name__, "repr": _safe_repr(value)}


def _safe_repr(value: Any, limit: int = 200) -> str:
    try:
        text = " ".join(repr(value).split())
    except Exception:  # a student's object with a broken __repr__
        text = "?"
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
