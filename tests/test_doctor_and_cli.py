"""`dlcourse doctor`, `dlcourse exercises` and `dlcourse lint`."""

import re
import subprocess
import sys
from pathlib import Path

from dlcourse import doctor
from dlcourse.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_doctor_knows_every_requirement_and_its_bound():
    listed = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)>=([0-9.]+)$", line.strip())
        if match:
            listed[match[1]] = match[2]
    assert listed == doctor.REQUIRED


def test_doctor_passes_on_this_machine(capsys, real_data):
    lines = doctor.report(devices=False)
    assert all(line.ok for line in lines), [str(line) for line in lines if not line.ok]
    out = capsys.readouterr().out
    assert "✓ budget: smoke" in out and "✓ CIFAR-10 data" in out and "All" in out


def test_doctor_flags_a_bad_budget_and_bad_data_with_a_fix(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DLCOURSE_BUDGET", "fast")
    monkeypatch.setenv("DLCOURSE_DATA", str(tmp_path))
    lines = {line.label: line for line in doctor.report(devices=False)}
    assert not lines["budget"].ok and "DLCOURSE_BUDGET" in lines["budget"].fix
    assert not lines["CIFAR-10 data"].ok and "DLCOURSE_DATA" in lines["CIFAR-10 data"].fix
    assert "need attention" in capsys.readouterr().out


def test_doctor_flags_a_missing_or_old_package(monkeypatch):
    monkeypatch.setitem(doctor.REQUIRED, "no-such-package-xyz", "1.0")
    assert not doctor.check_package("no-such-package-xyz", "1.0").ok
    assert not doctor.check_package("numpy", "999").ok
    assert "pip install -r requirements.txt" in str(doctor.check_package("numpy", "999"))


def test_doctor_command_runs_and_reports_devices(real_data):
    done = subprocess.run([sys.executable, "-m", "dlcourse", "doctor"], capture_output=True, text=True, timeout=300)
    assert "TensorFlow devices" in done.stdout and done.returncode == 0, done.stdout + done.stderr


def test_exercises_check_and_lint_pass_on_the_repository(capsys):
    assert main(["exercises", "--check"]) == 0
    assert "0 exercise notebook(s) out of date" in capsys.readouterr().out
    assert main(["lint"]) == 0


def test_cli_outside_the_repository_says_so(tmp_path):
    done = subprocess.run([sys.executable, "-m", "dlcourse", "exercises", "--root", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode != 0 and "inside the course repository" in done.stderr


def test_colab_installs_replace_the_course_package_by_the_checkout_whatever_is_installed(monkeypatch):
    """CI's Colab step installs what the setup cells install, the course from the checkout: this must not depend on
    the version the running interpreter can see (in CI's Colab venv the course is not installed yet: "0+unknown")."""
    import dlcourse
    from dlcourse.colab import setup_cell_installs

    root = Path(__file__).resolve().parents[1]
    for version in ("0+unknown", dlcourse.__version__):
        monkeypatch.setattr(dlcourse, "__version__", version)
        installs = setup_cell_installs(root, source=".")
        assert "." in installs and not any("github.com" in word for word in installs), installs
