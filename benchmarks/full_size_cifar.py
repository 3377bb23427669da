"""Time lessons 08 and 09 in the full budget as if the loader had found all 50,000 CIFAR-10 images.

    DLCOURSE_DATA=/path/to/datasets python benchmarks/full_size_cifar.py
    DLCOURSE_DATA=/path/to/datasets python benchmarks/full_size_cifar.py lessons/09_cifar10_project.ipynb

Without a GPU the lessons train on 5,000 images whatever the loader finds, but with the whole data
set they load, convert and evaluate more (10,000 test images, not 1,017). This script makes a data
set of the official sizes (5 training batches of 10,000 images and a test batch of 10,000) by
repeating the real images of ``$DLCOURSE_DATA`` (the offline subset: its accuracy means nothing
here, only its time), registers its checksums in the kernel (a ``sitecustomize`` on the kernel's
``PYTHONPATH`` adds them to ``dlcourse.data.KNOWN_MD5``: the package itself accepts only the two
real variants), runs each notebook in the full budget with ``benchmarks/notebook_times.py``'s
runner, and prints its wall time beside the time the notebook printed for its trainings
("Expected on this machine: about ..."). Run it alone on the machine; report the CPU model.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebook_times import ROOT, run  # noqa: E402

from dlcourse.data import ALL_FILES, CIFAR10_CLASSES, META_FILE, TEST_FILE, TRAIN_FILES, find_cifar10, md5_of, \
    read_cifar10  # noqa: E402

VARIANT = "real images repeated to the official sizes (benchmarks/full_size_cifar.py: times only)"
HOOK = '''\
import importlib.abc, importlib.machinery, json, sys

class _AddVariant(importlib.abc.MetaPathFinder):
    """When dlcourse.data is imported, add the repeated data set's checksums to its KNOWN_MD5."""
    def find_spec(self, name, path, target=None):
        if name != "dlcourse.data":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        loader = spec.loader
        original = loader.exec_module
        def exec_module(module):
            original(module)
            module.KNOWN_MD5[{variant!r}] = json.loads({sums!r})
        loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, _AddVariant())
'''


def write_full_size(folder: Path) -> dict[str, str]:
    """CIFAR-10's files at the official sizes in ``folder/cifar-10-batches-py``, from the real images found."""
    (x_train, y_train), (x_test, y_test) = read_cifar10(find_cifar10(download=False))
    batches = folder / "cifar-10-batches-py"
    batches.mkdir(parents=True, exist_ok=True)

    def write(name: str, images: np.ndarray, labels: np.ndarray, start: int, n: int) -> None:
        index = np.arange(start, start + n) % len(images)
        data = images[index].transpose(0, 3, 1, 2).reshape(n, 3072)
        with open(batches / name, "wb") as handle:
            pickle.dump({b"data": data, b"labels": labels[index].ravel().tolist()}, handle)

    for i, name in enumerate(TRAIN_FILES):
        write(name, x_train, y_train, i * 10_000, 10_000)
    write(TEST_FILE, x_test, y_test, 0, 10_000)
    with open(batches / META_FILE, "wb") as handle:
        pickle.dump({b"label_names": [c.encode() for c in CIFAR10_CLASSES]}, handle)
    return {name: md5_of(batches / name) for name in ALL_FILES}


def printed_estimate(notebook_outputs: list[str]) -> str:
    found = [m.group(0) for text in notebook_outputs for m in re.finditer(r"Expected on this machine: about [^(\n]*", text)]
    return found[-1].strip() if found else "(no estimate printed)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, default=[
        ROOT / "lessons/08_augmentation_schedules_early_stopping.ipynb", ROOT / "lessons/09_cifar10_project.ipynb"])
    parser.add_argument("--timeout", type=int, default=3600, help="per cell, seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cifar50k-") as tmp:
        data, hook = Path(tmp) / "data", Path(tmp) / "hook"
        sums = write_full_size(data)
        hook.mkdir()
        (hook / "sitecustomize.py").write_text(HOOK.format(variant=VARIANT, sums=json.dumps(sums)))
        os.environ.update(DLCOURSE_BUDGET="full", DLCOURSE_DATA=str(data),
                          PYTHONPATH=os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")])))
        from dlcourse.site.machine import cpu_line

        print(f"{cpu_line()}; data: 50,000 + 10,000 images ({VARIANT})", flush=True)
        for path in args.notebooks:
            load = os.getloadavg()[0]
            seconds, errors, texts = run(path.resolve(), args.timeout, with_text=True)
            print(f"{seconds / 60:6.1f} minutes end to end, errors={errors}, load average {load:.1f} -> "
                  f"{os.getloadavg()[0]:.1f}; the notebook printed: {printed_estimate(texts)}  "
                  f"{path.resolve().relative_to(ROOT)}", flush=True)
            loaded = [line for t in texts for line in t.splitlines() if line.startswith("CIFAR-10: ")]
            print("    the notebook loaded:", loaded[0] if loaded else "(it printed no 'CIFAR-10: ...' line)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
