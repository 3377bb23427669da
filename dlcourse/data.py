"""CIFAR-10, loaded like ``keras.datasets.cifar10.load_data()`` but verified and offline-friendly.

Where :func:`load_cifar10` looks, in order:

1. the ``data_dir`` argument;
2. the folder named by the environment variable ``DLCOURSE_DATA``;
3. the course cache (``$DLCOURSE_CACHE`` if set, else ``datasets/cache/`` in a checkout, else ``~/.cache/dlcourse``);
4. the official "CIFAR-10 python version" archive, downloaded once into the cache,
   its checksum verified.

Every batch file is checked against known MD5 sums before it is unpickled. A folder
you named (1 or 2) that is missing, partial or damaged is an error, never a silent
fallback. Only in the ``smoke`` budget, and only when no real data is found anywhere,
does a synthetic stand-in take its place, with a loud banner.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlcourse.budget import is_smoke
from dlcourse.course import repo_root

DATA_ENV = "DLCOURSE_DATA"
CACHE_ENV = "DLCOURSE_CACHE"
BATCH_FOLDER = "cifar-10-batches-py"
ARCHIVE_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
ARCHIVE_NAME = "cifar-10-python.tar.gz"
ARCHIVE_MD5 = "c58f30108f718f92721af3b95e74349a"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
META_FILE = "batches.meta"
ALL_FILES = (META_FILE, *TRAIN_FILES, TEST_FILE)

CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)

# MD5 of every file of the two real variants we accept.
KNOWN_MD5 = {
    "official CIFAR-10": {
        "batches.meta": "5ff9c542aee3614f3951f8cda6e48888",
        "data_batch_1": "c99cafc152244af753f735de768cd75f",
        "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
        "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
        "data_batch_4": "634d18415352ddfa80567beed471001a",
        "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
        "test_batch": "40351d587109b95175f43aff81a1287e",
    },
    "offline subset of real CIFAR-10 images": {
        "batches.meta": "5ff9c542aee3614f3951f8cda6e48888",
        "data_batch_1": "3a55cd516cf0b4401880a3b5b43b74d2",
        "data_batch_2": "536b4828bbb40dc3cd88f131441ac5bc",
        "data_batch_3": "dc722e17ad4c8be363325aa9260c0776",
        "data_batch_4": "2db28d979de1df9ed8b97e19cebc4642",
        "data_batch_5": "5afd5c3ce7167ddd21d5574b4b11d4c0",
        "test_batch": "3444cc9212727b90d321e6cdefbc03b3",
    },
}

Split = tuple[np.ndarray, np.ndarray]


class DataUnavailableError(RuntimeError):
    """No usable CIFAR-10: missing, partial or damaged; the message says what to fix."""


class DataNotFoundError(DataUnavailableError):
    """No CIFAR-10 anywhere (nothing named, empty cache, no download): the only case in
    which the smoke budget may fall back to synthetic images."""


@dataclass(frozen=True)
class Cifar10Source:
    """Where the data comes from: a verified folder of batches, or nothing yet."""

    batch_dir: Path
    variant: str  # a key of KNOWN_MD5


# --------------------------------------------------------------------------- places


def default_cache_dir() -> Path:
    """``$DLCOURSE_CACHE``, else ``datasets/cache`` of the checkout, else ``~/.cache/dlcourse``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    root = repo_root()
    if root is not None:
        return root / "datasets" / "cache"
    return Path.home() / ".cache" / "dlcourse"


def _batch_dir(folder: Path) -> Path:
    """Accept a folder that contains ``cifar-10-batches-py/`` or is that folder."""
    folder = Path(folder).expanduser()
    return folder if folder.name == BATCH_FOLDER else folder / BATCH_FOLDER


def md5_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_folder(folder: Path) -> Cifar10Source:
    """Check every batch file in ``folder``; return the verified source or raise.

    Raises ``DataUnavailableError`` naming each missing or damaged file.
    """
    batch_dir = _batch_dir(folder)
    if not batch_dir.is_dir():
        raise DataUnavailableError(f"{batch_dir} does not exist")
    missing = [name for name in ALL_FILES if not (batch_dir / name).is_file()]
    if missing:
        raise DataUnavailableError(
            f"{batch_dir} is incomplete: missing {', '.join(missing)}"
        )
    sums = {name: md5_of(batch_dir / name) for name in ALL_FILES}
    for variant, expected in KNOWN_MD5.items():
        if sums == expected:
            return Cifar10Source(batch_dir, variant)
    # Not an exact match of either variant: say which files are wrong.
    closest = max(KNOWN_MD5.values(), key=lambda exp: sum(sums[n] == exp[n] for n in ALL_FILES))
    bad = [name for name in ALL_FILES if sums[name] != closest[name]]
    raise DataUnavailableError(
        f"{batch_dir}: {', '.join(bad)} failed the checksum test (damaged, truncated, "
        "or not CIFAR-10)"
    )


# --------------------------------------------------------------------------- reading


def _read_batch(path: Path) -> Split:
    """Read one verified batch into ``(images (n,32,32,3) uint8, labels (n,1) uint8)``."""
    with open(path, "rb") as handle:
        batch = pickle.load(handle, encoding="bytes")  # md5-verified before this call
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    labels = np.asarray(batch[b"labels"], dtype=np.uint8).reshape(-1, 1)
    if data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise DataUnavailableError(f"{path} does not hold CIFAR-10 images")
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def read_cifar10(source: Cifar10Source) -> tuple[Split, Split]:
    """Read all batches of a verified folder."""
    parts = [_read_batch(source.batch_dir / name) for name in TRAIN_FILES]
    x_train = np.concatenate([x for x, _ in parts])
    y_train = np.concatenate([y for _, y in parts])
    x_test, y_test = _read_batch(source.batch_dir / TEST_FILE)
    with open(source.batch_dir / META_FILE, "rb") as handle:
        names = tuple(n.decode() for n in pickle.load(handle, encoding="bytes")[b"label_names"])
    if names != CIFAR10_CLASSES:
        raise DataUnavailableError(f"{source.batch_dir}: unexpected class names {names}")
    return (x_train, y_train), (x_test, y_test)


# --------------------------------------------------------------------------- download


def download_cifar10(cache_dir: Path, *, url: str = ARCHIVE_URL, timeout: float = 30.0) -> Path:
    """Download the official archive into ``cache_dir``, verify it, unpack the batches.

    The archive is written to a temporary file first, so an interrupted download
    never leaves a half-written data set behind. Returns the folder of batches.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    archive = cache_dir / ARCHIVE_NAME
    if not archive.is_file() or md5_of(archive) != ARCHIVE_MD5:
        _fetch(url, archive, timeout=timeout)
    digest = md5_of(archive)
    if digest != ARCHIVE_MD5:
        archive.unlink()
        raise DataUnavailableError(
            f"the downloaded archive has MD5 {digest}, expected {ARCHIVE_MD5} (download damaged)"
        )
    target = cache_dir / BATCH_FOLDER
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        staged = Path(tmp) / BATCH_FOLDER
        staged.mkdir()
        with tarfile.open(archive, "r:gz") as tar:
            for name in ALL_FILES:  # extract only the files we know, never arbitrary paths
                member = tar.extractfile(f"{BATCH_FOLDER}/{name}")
                if member is None:
                    raise DataUnavailableError(f"{archive} lacks {BATCH_FOLDER}/{name}")
                with open(staged / name, "wb") as out:
                    shutil.copyfileobj(member, out)
        if target.exists():
            shutil.rmtree(target)
        staged.rename(target)
    return target


def _fetch(url: str, destination: Path, *, timeout: float) -> None:
    from tqdm.auto import tqdm

    partial = destination.with_suffix(destination.suffix + ".part")
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (fixed https URL)
        total = int(response.headers.get("Content-Length") or 0) or None
        with open(partial, "wb") as out, tqdm(
            total=total, unit="B", unit_scale=True, desc="Downloading CIFAR-10"
        ) as bar:
            while block := response.read(1 << 20):
                out.write(block)
                bar.update(len(block))
    partial.replace(destination)


# --------------------------------------------------------------------------- synthetic


SYNTHETIC_BANNER = """
################################################################################
#  SYNTHETIC STAND-IN DATA - THIS IS NOT CIFAR-10                               #
#  No real CIFAR-10 was found and the budget is 'smoke', so random images with  #
#  CIFAR-10's shapes are used to let the notebook run. Every accuracy, loss and #
#  figure computed from them is MEANINGLESS. For real data set DLCOURSE_DATA or #
#  run with DLCOURSE_BUDGET=full on a machine that can download CIFAR-10.       #
################################################################################
"""


def synthetic_cifar10(n_train: int = 500, n_test: int = 100, seed: int = 0) -> tuple[Split, Split]:
    """Random images with CIFAR-10's shapes and dtypes (each class a tinted noise)."""
    rng = np.random.default_rng(seed)
    tints = rng.integers(40, 216, size=(10, 3))

    def make(n: int) -> Split:
        labels = np.arange(n) % 10
        rng.shuffle(labels)
        noise = rng.normal(0, 40, size=(n, 32, 32, 3))
        images = np.clip(tints[labels][:, None, None, :] + noise, 0, 255).astype(np.uint8)
        return images, labels.astype(np.uint8).reshape(-1, 1)

    return make(n_train), make(n_test)


# --------------------------------------------------------------------------- entry point


def find_cifar10(data_dir: str | os.PathLike | None = None, *, download: bool = True) -> Cifar10Source:
    """Find (or download) verified CIFAR-10; raise ``DataUnavailableError`` explaining what was tried."""
    if data_dir is not None:
        return _named_folder(Path(data_dir), "the data_dir argument")
    if os.environ.get(DATA_ENV):
        return _named_folder(Path(os.environ[DATA_ENV]), f"the {DATA_ENV} environment variable")

    cache = default_cache_dir()
    tried: list[str] = []
    if _batch_dir(cache).exists():
        try:
            return verify_folder(cache)
        except DataUnavailableError as problem:
            raise DataUnavailableError(
                f"The CIFAR-10 cache is damaged: {problem}.\n"
                f"Fix: delete the folder {_batch_dir(cache)} and run again to download it afresh."
            ) from None
    tried.append(f"cache {cache}: empty")
    if not download:
        tried.append("download: not allowed (download=False)")
        raise DataNotFoundError(_advice(tried, cache))
    try:
        print(f"CIFAR-10 not found locally; downloading the official archive (163 MB) into {cache}")
        return verify_folder(download_cifar10(cache))
    except (urllib.error.URLError, OSError, TimeoutError) as problem:
        tried.append(f"download from {ARCHIVE_URL}: failed ({_reason(problem)})")
    except DataUnavailableError as problem:  # a damaged download is an error, not "not found"
        tried.append(f"download from {ARCHIVE_URL}: {problem}")
        raise DataUnavailableError(_advice(tried, cache)) from None
    raise DataNotFoundError(_advice(tried, cache))


def _named_folder(folder: Path, how: str) -> Cifar10Source:
    try:
        return verify_folder(folder)
    except DataUnavailableError as problem:
        raise DataUnavailableError(
            f"CIFAR-10 could not be loaded from {folder} (given by {how}): {problem}.\n"
            f"Fix: point it at a folder that contains {BATCH_FOLDER}/ with all seven files "
            f"({', '.join(ALL_FILES)}), e.g. the unpacked official archive {ARCHIVE_URL}; "
            f"or unset it to use the cache and download."
        ) from None


def _reason(problem: BaseException) -> str:
    reason = getattr(problem, "reason", None)
    return str(reason or problem) or type(problem).__name__


def _advice(tried: list[str], cache: Path) -> str:
    steps = "\n".join(f"  - {line}" for line in tried)
    return (
        "No CIFAR-10 data set could be found or downloaded. Tried:\n"
        f"  - {DATA_ENV}: not set\n{steps}\n"
        "Fix one of these:\n"
        f"  - set {DATA_ENV} to a folder that contains {BATCH_FOLDER}/ "
        f"(e.g. export {DATA_ENV}=$HOME/data);\n"
        f"  - or download {ARCHIVE_URL} by hand and save it as {cache / ARCHIVE_NAME}, "
        "then run again (it is checked and unpacked for you);\n"
        "  - or connect to the internet and run again."
    )


def load_cifar10(
    data_dir: str | os.PathLike | None = None, *, download: bool = True, verbose: bool = True
) -> tuple[Split, Split]:
    """Load CIFAR-10 as ``(x_train, y_train), (x_test, y_test)``, like Keras does.

    Images are ``uint8`` of shape ``(n, 32, 32, 3)``, labels ``uint8`` of shape ``(n, 1)``;
    class names are ``CIFAR10_CLASSES``. See the module docstring for where it looks.
    """
    try:
        source = find_cifar10(data_dir, download=download)
    except DataNotFoundError as problem:
        if not is_smoke():
            raise
        print(SYNTHETIC_BANNER, file=sys.stderr)
        print(SYNTHETIC_BANNER)
        warnings.warn(f"Using SYNTHETIC stand-in data, not CIFAR-10. Reason: {problem}", stacklevel=2)
        return synthetic_cifar10()
    (x_train, y_train), (x_test, y_test) = read_cifar10(source)
    if verbose:
        print(
            f"CIFAR-10: {len(x_train):,} training and {len(x_test):,} test images "
            f"({source.variant}) from {source.batch_dir}"
        )
    return (x_train, y_train), (x_test, y_test)
