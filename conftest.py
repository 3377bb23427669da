"""Test-suite settings shared by the unit tests and the notebook runs (nbval).

Every notebook runs in the smoke budget (tiny sizes): it is set here, before any kernel
starts, so that plain `pytest` is the whole test command. The extra rules for notebook
outputs (solutions pass their checks, exercises stop only at their stubs) are in
dlcourse/pytest_plugin.py.
"""

from __future__ import annotations

import os

from dlcourse.reproducibility import QUIET_TF_ENV  # imports no TensorFlow

os.environ["DLCOURSE_BUDGET"] = "smoke"
for _name, _value in QUIET_TF_ENV.items():  # the setup cells' settings (oneDNN off), for kernels and workers alike
    os.environ.setdefault(_name, _value)

pytest_plugins = ["dlcourse.pytest_plugin", "pytester"]  # pytester: tests/test_site.py runs nbval on a made-up lesson
collect_ignore = ["tests/fixtures"]
