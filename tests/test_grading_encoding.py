"""What travels from a grading kernel is plain JSON: the round trip keeps what comparing needs."""

import json
import math

import numpy as np
import pytest

from dlcourse.checking import describe_difference
from dlcourse.assessment.encoding import MAX_ITEMS, Opaque, dumps, from_jsonable, loads, to_jsonable


def test_round_trip_keeps_types_shapes_and_special_floats():
    value = {"a": np.arange(6, dtype=np.int16).reshape(2, 3), ("t", 1): (1.5, float("nan")), 3: [True, None, "s"],
             "f": np.float32(0.25), "i": np.int64(7), "inf": -math.inf}
    back = loads(dumps(value))
    assert back["a"].dtype == np.int16 and back["a"].shape == (2, 3) and (back["a"] == value["a"]).all()
    assert back[("t", 1)][0] == 1.5 and math.isnan(back[("t", 1)][1]) and isinstance(back[("t", 1)], tuple)
    assert back[3] == [True, None, "s"] and back["f"] == 0.25 and back["i"] == 7 and back["inf"] == -math.inf
    assert describe_difference(value["a"], back["a"]) is None


def test_other_objects_arrive_as_opaque_and_never_match():
    back = from_jsonable(json.loads(dumps(object())))
    assert isinstance(back, Opaque) and "object" in repr(back)
    assert describe_difference(1.0, back) is not None


def test_a_gigantic_value_is_refused():
    with pytest.raises(ValueError, match="too large"):
        to_jsonable(np.zeros(MAX_ITEMS + 1))
    with pytest.raises(ValueError, match="not an encoded value"):
        from_jsonable({"__evil__": 1})


def test_a_numpy_string_is_a_string_but_a_subclass_of_it_is_not():
    back = loads(dumps({"chosen": np.array(["l2", "none"])[1]}))
    assert back == {"chosen": "none"} and type(back["chosen"]) is str
    liar = type("Liar", (np.str_,), {"__eq__": lambda self, other: True, "__hash__": np.str_.__hash__})
    assert isinstance(from_jsonable(json.loads(dumps(liar("none")))), Opaque)
