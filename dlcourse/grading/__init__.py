"""``dlcourse grade``: grade students' exercise notebooks with hidden cases (see grader.py)."""
