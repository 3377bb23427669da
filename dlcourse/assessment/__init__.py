"""The one assessment core that ``check`` and ``dlcourse grade`` share.

- :mod:`~dlcourse.assessment.questions`: the question model (what a student answers, its
  cases, points and scoring) and where each notebook's questions live;
- :mod:`~dlcourse.assessment.status`: the statuses an answer can have;
- :mod:`~dlcourse.assessment.compare`: how a found value differs from an expected one;
- :mod:`~dlcourse.assessment.facts`: readers of a student's objects as plain data, for a
  value question's facts;
- :mod:`~dlcourse.assessment.evaluate`: run a question's cases against the student's
  namespace, in whatever process holds it, and say what came back (plain JSON: a function's
  outputs, a value question's facts; never a verdict);
- :mod:`~dlcourse.assessment.judge`: decide, comparing that with the expected values (and,
  for a value question, with the set-up's given facts), and write every message a student
  or an instructor reads.

``check("<id>")`` evaluates and judges in the student's kernel on the public cases; the
grader evaluates in a guarded kernel on public and hidden cases and judges outside it, with
expected values and set-up facts from the solution's run.
Both read the same words from :func:`~dlcourse.assessment.judge.judge`.
"""
