import pytest

from dlcourse.budget import BudgetError, budget, is_smoke


def test_default_is_full(monkeypatch):
    monkeypatch.delenv("DLCOURSE_BUDGET", raising=False)
    assert budget() == "full" and not is_smoke()


@pytest.mark.parametrize("raw", ["smoke", " SMOKE ", "Smoke"])
def test_smoke_is_read_leniently(monkeypatch, raw):
    monkeypatch.setenv("DLCOURSE_BUDGET", raw)
    assert budget() == "smoke" and is_smoke()


def test_the_test_suite_runs_in_smoke():
    assert is_smoke()  # set by the root conftest.py for every test and notebook


@pytest.mark.parametrize("raw", ["smok", "fast", "0"])
def test_a_typo_is_an_error_that_says_what_to_use(monkeypatch, raw):
    monkeypatch.setenv("DLCOURSE_BUDGET", raw)
    with pytest.raises(BudgetError, match="DLCOURSE_BUDGET=smoke") as info:
        budget()
    assert repr(raw) in str(info.value)
