"""One module per notebook, ``nbNN_<name>``, each with a ``QUESTIONS`` list.

These are the only place a notebook's questions are defined: ids, points, public
cases (shown by ``check``) and how hidden cases are drawn for grading.
"""
