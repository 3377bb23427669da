"""Which machine, budget and release a lesson's outputs came from, kept beside the execution cache.

jupyter-cache stores each executed notebook under the hash of its code; ``provenance.json`` in the
same folder maps that hash to the machine that ran it, so a page built later from the cache still
names the machine its numbers came from, not the one that rendered it.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

PROVENANCE_FILE = "provenance.json"


@dataclass(frozen=True)
class Machine:
    """Where and when a notebook ran."""

    cpu: str
    avx512: bool
    cores: int
    date: str  # UTC, YYYY-MM-DD
    version: str  # dlcourse's release
    budget: str
    isa_limit: str = ""  # ONEDNN_MAX_CPU_ISA when it was set, e.g. "AVX2": a CPU without AVX-512 emulated

    def describe(self) -> str:
        """One sentence for a page: budget, date, CPU, AVX-512 (or oneDNN's limit), cores, release."""
        isa = f"{'with' if self.avx512 else 'without'} AVX-512"
        if self.isa_limit:
            isa += f", oneDNN limited to {self.isa_limit} (ONEDNN_MAX_CPU_ISA) as on a CPU without it"
        return (f"Outputs of the {self.budget} budget, executed on {self.date} on {self.cpu} "
                f"({self.cores} cores, {isa}) with dlcourse {self.version}.")


def cpu_model() -> str:
    """The CPU's model name as the kernel reports it (Linux), else what Python knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "an unknown CPU"


def has_avx512() -> bool:
    """True if the CPU has AVX-512 (the ``avx512f`` flag), which changes TensorFlow's speed and kernels."""
    try:
        return any(line.startswith("flags") and " avx512f" in line
                   for line in Path("/proc/cpuinfo").read_text().splitlines())
    except OSError:
        return False


def isa_limit() -> str:
    """oneDNN's instruction-set limit (``ONEDNN_MAX_CPU_ISA``, e.g. "AVX2": a CPU without AVX-512 emulated), or ""."""
    return os.environ.get("ONEDNN_MAX_CPU_ISA", "").strip().upper()


def cpu_line() -> str:
    """This CPU for a benchmark's first line: model, cores, AVX-512 or not, and oneDNN's limit if set."""
    limit = isa_limit()
    return (f"{cpu_model()}, {os.cpu_count()} cores, {'with' if has_avx512() else 'without'} AVX-512"
            + (f", oneDNN limited to {limit} (ONEDNN_MAX_CPU_ISA)" if limit else ""))


def this_machine(budget: str, when: datetime | None = None) -> Machine:
    """This machine, running the course's installed release in ``budget``."""
    from dlcourse import __version__

    when = when or datetime.now(timezone.utc)
    return Machine(cpu_model(), has_avx512(), os.cpu_count() or 1, when.astimezone(timezone.utc).date().isoformat(),
                   __version__, budget, isa_limit())


def load_provenance(cache: Path) -> dict[str, Machine]:
    """The machines recorded in ``cache``, by the cached notebook's hash (empty if none yet)."""
    path = Path(cache) / PROVENANCE_FILE
    if not path.exists():
        return {}
    try:
        return {key: Machine(**value) for key, value in json.loads(path.read_text()).items()}
    except (ValueError, TypeError) as problem:
        raise ValueError(f"{path} is damaged ({problem}): delete it; the next build records the machines again "
                         "(pages of notebooks already cached will say their machine is unknown)") from None


def save_provenance(cache: Path, machines: dict[str, Machine]) -> None:
    path = Path(cache) / PROVENANCE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({key: asdict(m) for key, m in sorted(machines.items())}, indent=1) + "\n")
