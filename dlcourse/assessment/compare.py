"""How a value a student's code returned differs from the expected one, in words."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np


def describe_difference(expected: Any, found: Any, *, rtol: float = 1e-6, atol: float = 1e-9) -> str | None:
    """Say how ``found`` differs from ``expected`` (type, shape, value), or None if it matches."""
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(found, (bool, np.bool_)):
            return f"expected True or False, found {kind_of(found)}"
        return None if bool(found) == bool(expected) else f"expected {bool(expected)}, found {bool(found)}"
    if isinstance(expected, str):
        if not isinstance(found, str):
            return f"expected a string, found {kind_of(found)}"
        return None if found == expected else f"expected {expected!r}, found {found!r}"
    if is_number(expected):
        if isinstance(found, np.ndarray) and found.size == 1:
            found = found.item()
        if not is_number(found):
            return f"expected a number, found {kind_of(found)}"
        if math.isnan(float(found)) and not math.isnan(float(expected)):
            return f"expected {short(expected)}, found nan (a division by zero?)"
        if math.isclose(float(found), float(expected), rel_tol=rtol, abs_tol=atol):
            return None
        return f"expected {short(expected)}, found {short(found)}"
    if isinstance(expected, np.ndarray):
        if not isinstance(found, (np.ndarray, list, tuple)):
            return f"expected an array of shape {expected.shape}, found {kind_of(found)}"
        found_arr = np.asarray(found)
        if found_arr.shape != expected.shape:
            return f"expected an array of shape {expected.shape}, found shape {found_arr.shape}"
        if not np.issubdtype(found_arr.dtype, np.number) and not np.issubdtype(found_arr.dtype, np.bool_):
            return f"expected numbers, found an array of {found_arr.dtype}"
        close = np.isclose(found_arr, expected, rtol=rtol, atol=atol, equal_nan=True)
        if close.all():
            return None
        where = tuple(int(i) for i in np.argwhere(~close)[0])
        return (
            f"{int((~close).sum())} of {close.size} entries differ; first at index {where}: "
            f"expected {short(expected[where])}, found {short(found_arr[where])}"
        )
    if isinstance(expected, (list, tuple)):
        if not isinstance(found, (list, tuple, np.ndarray)):
            return f"expected a {type(expected).__name__} of {len(expected)} items, found {kind_of(found)}"
        if len(found) != len(expected):
            return f"expected {len(expected)} items, found {len(found)}"
        for i, (e, f) in enumerate(zip(expected, found)):
            problem = describe_difference(e, f, rtol=rtol, atol=atol)
            if problem:
                return f"item {i}: {problem}"
        return None
    if isinstance(expected, Mapping):
        if not isinstance(found, Mapping):
            return f"expected a dict, found {kind_of(found)}"
        if set(found) != set(expected):
            return f"expected keys {sorted(map(str, expected))}, found {sorted(map(str, found))}"
        for key in expected:
            problem = describe_difference(expected[key], found[key], rtol=rtol, atol=atol)
            if problem:
                return f"key {key!r}: {problem}"
        return None
    return None if found == expected else f"expected {short(expected)}, found {short(found)}"


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def kind_of(value: Any) -> str:
    if value is None:
        return "None (did you forget to `return` the result?)"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if type(value).__name__ == "Opaque":  # a value the report could not carry: its type's name is all we know
        return f"a {value.type_name}"
    return f"a {type(value).__name__} ({short(value)})"


def short(value: Any, limit: int = 60) -> str:
    if isinstance(value, (float, np.floating)):
        text = f"{float(value):.6g}"
        if text.lstrip("-").isdigit():
            text += ".0"  # 1.0, not 1: a float should look like one
    elif isinstance(value, np.ndarray):
        text = np.array2string(value, precision=4, threshold=8, separator=", ")
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
