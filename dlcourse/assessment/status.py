"""The statuses of a judged answer, in one place."""

from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    """What became of one answer. The values are what grades.csv and the reports show."""

    PASSED = "passed"    # every case right (or, with partial credit, the share that was)
    FAILED = "failed"    # ran, gave a wrong answer
    ERROR = "error"      # the student's code raised, or could not be run
    TIMEOUT = "timeout"  # the student's code ran past its time limit (grading only)
    MISSING = "missing"  # not answered yet: no cell, no definition, or the stub still raises
    MANUAL = "manual"    # a written answer, waiting for a person to mark it (0 points until then)
    MARKED = "marked"    # a written answer that a person has marked (the points from manual.csv)
    NOT_GRADED = "not graded"  # the machine failed, not the code (a kernel that never started): no points
    #                            recorded; grade the submission again (dlcourse grade --student)

    def __str__(self) -> str:
        return self.value

    @property
    def mark(self) -> str:
        """The sign ``check`` prints before the question id."""
        return {Status.PASSED: "✓", Status.MANUAL: "✎", Status.MARKED: "✎"}.get(self, "✗")
