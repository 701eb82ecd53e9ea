"""Shared test helpers: tiny generated recordings and dataset folders (no network, no shared data).

Also the test session's setup for running in parallel (pytest-xdist, ``-n auto --dist loadscope``
in pyproject's ``addopts``): one BLAS thread per process, the modules with slow tests dealt out
first, and the synthetic dataset generated once per run and shared by the workers.
"""

from __future__ import annotations

import os

# One BLAS thread per test process, set before numpy is imported (and inherited by the notebook
# kernels and command-line subprocesses the tests start). The workers already keep every core
# busy, and OpenBLAS threads that compete for a core spin instead of computing: 2000 gradient
# steps of the notebook's size (16,640 features x 120 clips) took 59 s with two threads and 12 s
# with one on this project's 2-core machine under load. A value already in the environment wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
# Likewise, "every core" (n_jobs=-1, what the synthetic builder uses for 24 clips or more) is one
# for joblib in the test processes: a pool on every core would start two more processes (~2 s of
# CPU each to import) to compete for the cores the workers keep busy. The parallel paths are
# tested with explicit worker counts (n_jobs=2, jobs=2), which this does not change.
os.environ.setdefault("LOKY_MAX_CPU_COUNT", "1")

# nbformat validates with jsonschema, which on import builds ~40 parsers for the optional "iri"
# format checker when rfc3987-syntax is installed (Jupyter's dependencies install it): 1.5-4 s of
# CPU in every test worker at collection. No notebook schema uses that format; the grading worker
# (speechmusic.teaching.grading) does without it for the same reason.
import sys  # noqa: E402

sys.modules.setdefault("rfc3987_syntax", None)

import contextlib  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import soundfile as sf  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Real recordings for optional checks; absent on a user's machine.
REAL_AUDIO = REPO_ROOT.parent / "shared" / "real-audio"

SR = 22050


def blas_threads() -> set:
    """The thread counts of the BLAS libraries numpy uses in this process (threadpoolctl)."""
    from threadpoolctl import threadpool_info

    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


@contextlib.contextmanager
def two_blas_threads():
    """Let BLAS run two threads inside (the test processes run one, above); skip where it cannot.

    For tests that check code keeping BLAS to one thread where it matters, and lifting that after.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=2, user_api="blas"):
        if blas_threads() != {2}:
            pytest.skip(f"BLAS here cannot run two threads (threadpoolctl sees {blas_threads()})")
        yield


def blas_threads_seen(monkeypatch, owner, name: str) -> list:
    """The :func:`blas_threads` of every call of method ``owner.name`` from now on (monkeypatched)."""
    seen: list = []
    original = getattr(owner, name)

    def recording(self, *args, **kwargs):
        seen.append(blas_threads())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return seen


def tone(freq: float = 1000.0, seconds: float = 3.0, sr: int = SR, amplitude: float = 0.5) -> np.ndarray:
    """A sine tone as float32."""
    t = np.arange(int(round(seconds * sr))) / sr
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def noise(seconds: float = 3.0, sr: int = SR, amplitude: float = 0.3, seed: int = 0) -> np.ndarray:
    """White noise as float32."""
    return (amplitude * np.random.default_rng(seed).standard_normal(int(round(seconds * sr)))).astype(np.float32)


def write_audio(path: Path, y: np.ndarray, sr: int = SR, subtype: str | None = None, format: str | None = None) -> Path:
    """Write a test recording (plain soundfile: tests may create files however they like)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), y, sr, subtype=subtype, format=format)
    return path


def make_dataset(root: Path, n: int = 4, seconds: float = 3.0) -> Path:
    """A tiny dataset: music = tones of different pitches, speech = noise bursts. ``n`` per class and split."""
    for split in ("train", "test"):
        for i in range(n):
            write_audio(root / split / "music" / f"tone-{i}.wav", tone(220.0 * (i + 1) + 55.0 * (split == "test"), seconds))
            burst = noise(seconds, seed=100 * (split == "test") + i)
            burst[: len(burst) // 4] *= 0.05  # quieter start: clips are not all alike
            write_audio(root / split / "speech" / f"noise-{i}.wav", burst)
    return root


@pytest.fixture
def tiny_dataset(tmp_path: Path) -> Path:
    return make_dataset(tmp_path / "data")


@pytest.fixture
def real_audio() -> Path:
    if not (REAL_AUDIO / "speech").is_dir():
        pytest.skip("../shared/real-audio is not present on this machine")
    return REAL_AUDIO


# --- running in parallel -------------------------------------------------------------------------

def _module(item) -> str:
    return item.nodeid.split("::")[0]


#: librosa's analysis functions, the independent measure some tests use (yin, pyin, onset strength,
#: melspectrogram, load), are numba code compiled when their modules are imported or first called:
#: about 20 s of CPU per process until numba's cache in the venv is written. On a fresh install
#: every test process that got there before the cache was written compiled the same code (55 s of
#: CPU in one run instead of 20). So one background process compiles it once, and a test process
#: that imports one of these modules meanwhile waits for it (its core goes to the compiler).
_LIBROSA_WARM_UP = """
import numpy as np, librosa
y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
librosa.yin(y, fmin=60, fmax=500, sr=22050)
librosa.pyin(y, fmin=60, fmax=500, sr=22050)
librosa.onset.onset_strength(y=y, sr=22050)
librosa.feature.melspectrogram(y=y, sr=22050)
"""
#: The librosa modules whose import compiles numba code (``guvectorize`` with signatures), or that
#: hold the functions above. Not the ones ``librosa.mel_frequencies`` needs (core.convert,
#: core.notation), which the lab notebook uses and which compile nothing on import.
_LIBROSA_COMPILING = frozenset({
    "librosa.util.utils", "librosa.util.matching", "librosa.core.audio", "librosa.core.pitch",
    "librosa.core.spectrum", "librosa.core.constantq", "librosa.sequence", "librosa.beat", "librosa.onset",
    "librosa.feature.utils",
})
#: Names the lock file the warm-up holds until it exits (inherited by the xdist workers).
_WARM_UP_LOCK = "SPEECHMUSIC_TESTS_LIBROSA_WARM_UP_LOCK"


def _librosa_compiled() -> bool:
    """True when numba's cache beside librosa already holds compiled code (not a fresh install)."""
    import importlib.util

    spec = importlib.util.find_spec("librosa")
    if spec is None or spec.origin is None:
        return True  # nothing to warm up
    return any(Path(spec.origin).parent.glob("*/__pycache__/*.nbi"))


class _AfterLibrosaWarmUp:
    """Import hook: the first import of a compiling librosa module waits until the warm-up exits."""

    def __init__(self, lock_path: str):
        self.lock_path, self.waited = lock_path, False

    def find_spec(self, name, path=None, target=None):
        if not self.waited and name in _LIBROSA_COMPILING:
            self.waited = True  # (stays in sys.meta_path: removing it while importlib walks the list would skip a finder)
            import fcntl

            with contextlib.suppress(OSError), open(self.lock_path) as handle:
                fcntl.flock(handle, fcntl.LOCK_SH)  # free once the warm-up has exited, whatever its end
        return None  # the usual finders import the module


def pytest_configure(config):
    lock_path = os.environ.get(_WARM_UP_LOCK)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        if lock_path:
            sys.meta_path.insert(0, _AfterLibrosaWarmUp(lock_path))
        return
    if _librosa_compiled():
        return  # nothing left to compile
    import subprocess
    import tempfile

    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: the processes compile side by side, as before
        fcntl = None
    with tempfile.NamedTemporaryFile(prefix="speechmusic-librosa-warm-up-", suffix=".lock", delete=False) as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)  # held by the warm-up, which inherits this descriptor
        config._librosa_warm_up = subprocess.Popen([sys.executable, "-c", _LIBROSA_WARM_UP], pass_fds=(lock.fileno(),),
                                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    config._librosa_warm_up_lock = lock.name
    if fcntl is not None:
        os.environ[_WARM_UP_LOCK] = lock.name  # for the workers, started after this hook
        sys.meta_path.insert(0, _AfterLibrosaWarmUp(lock.name))  # for this process, when run without xdist


def pytest_unconfigure(config):
    warm_up = getattr(config, "_librosa_warm_up", None)
    if warm_up is not None and warm_up.poll() is None:
        warm_up.kill()  # a short run: the next one compiles what is missing
        warm_up.wait()
    if warm_up is not None:
        os.environ.pop(_WARM_UP_LOCK, None)
        with contextlib.suppress(OSError):
            os.unlink(config._librosa_warm_up_lock)


def pytest_collection_modifyitems(config, items):
    """Put the modules that hold slow tests first, each module's tests kept together and in order.

    With ``--dist loadscope`` each module goes to one worker (so a module-scoped fixture, such as
    an executed notebook, is built once), in this order: a run ends when its longest chain ends,
    so the long modules must not be dealt out last. Among them, the first that needs the shared
    :func:`synthetic_dataset` comes first (its worker generates the set, ~20 s), and the others
    that need it come after the slow modules that do not, so that no worker sits waiting for the
    set. The order of independent tests does not change what they check.
    """
    slow_modules = {_module(item) for item in items if item.get_closest_marker("slow") is not None}
    set_users = list(dict.fromkeys(_module(item) for item in items  # in order, each module once
                                   if _module(item) in slow_modules and "synthetic_dataset" in item.fixturenames))
    generator = set_users[0] if set_users else None

    def rank(item) -> int:
        module = _module(item)
        if module not in slow_modules:
            return 3
        return 0 if module == generator else 2 if module in set_users else 1

    items.sort(key=rank)


# --- the synthetic dataset, generated once per test run -------------------------------------------

#: The synthetic set the demo and ``download --source synthetic`` make by default.
SYNTHETIC = {"n_train": 60, "n_test": 20, "seed": 0}


@contextlib.contextmanager
def _exclusive(lock_path: Path):
    """Hold an exclusive lock on ``lock_path`` (one xdist worker at a time); no-op without fcntl."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: each worker generates its own copy
        yield
        return
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def synthetic_dataset(tmp_path_factory) -> Path:
    """The default synthetic dataset (seed 0, 60 + 20 clips per class), generated once per run.

    Generating it takes about half a minute, and four test modules need it; with pytest-xdist the
    workers share one copy (the first generates it under a file lock in the run's temporary
    folder, the others wait and reuse it). **Read only**: tests copy it with
    :func:`copy_dataset` before writing anything (a feature cache, a changed file).
    """
    synth = pytest.importorskip("speechmusic.data.synth")
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by the workers of this run (each has its own basetemp below it)
    folder = base / "synthetic-seed{seed}-{n_train}-{n_test}".format(**SYNTHETIC)
    with _exclusive(base / f"{folder.name}.lock"):
        if not (folder / ".complete").is_file():
            staging = base / f"{folder.name}.{os.getpid()}.part"
            shutil.rmtree(staging, ignore_errors=True)
            synth.build_synthetic_dataset(staging, **SYNTHETIC, progress=False)
            (staging / ".complete").touch()
            shutil.rmtree(folder, ignore_errors=True)
            staging.rename(folder)
    return folder


def copy_dataset(source: Path, dest: Path, *, n_train: int | None = None, n_test: int | None = None) -> Path:
    """Copy a dataset folder for one test to write into; optionally only its first clips.

    With ``n_train`` / ``n_test``, only the first that many clips (by name) of each class are
    copied, and nothing else (no manifest, no cache). For the synthetic set that is exactly the
    set those counts generate: each clip depends only on (seed, split, class, index).
    """
    source, dest = Path(source), Path(dest)
    if n_train is None and n_test is None:
        shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".complete", ".cache"))
        return dest
    for split, count in (("train", n_train), ("test", n_test)):
        for label in ("music", "speech"):
            folder = dest / split / label
            folder.mkdir(parents=True, exist_ok=True)
            for clip in sorted((source / split / label).glob("*.wav"))[:count]:
                shutil.copy2(clip, folder / clip.name)
    return dest


def execute_notebook(notebook, *, folder: Path, timeout: int = 600, allow_errors: bool = False):
    """Execute ``notebook`` in place with nbclient, in a fresh kernel started in ``folder``.

    The kernel talks over Unix sockets (as the grader's kernels do) rather than TCP ports: the two
    test workers start kernels side by side, and a port picked free can be taken by another
    kernel before it is bound. Returns the notebook.
    """
    import tempfile

    import nbclient

    client = nbclient.NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                                     resources={"metadata": {"path": str(folder)}})
    with tempfile.TemporaryDirectory(prefix="kernel-") as sockets:
        if os.name == "posix":
            client.km = client.create_kernel_manager()
            client.km.transport, client.km.ip = "ipc", os.path.join(sockets, "k")
        client.execute()
    return notebook


def run_cli(capsys, *argv):
    """The command line in this process: ``(exit status, stdout, stderr)``; arguments may be paths."""
    from speechmusic import cli

    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def count_decoding(monkeypatch) -> list:
    """Record the name of every file the dataset loader decodes (the decoder still runs)."""
    from speechmusic.data import dataset

    calls = []
    real = dataset.load_clip_from_bytes

    def counting(data, *, name, params):
        calls.append(name)
        return real(data, name=name, params=params)

    monkeypatch.setattr(dataset, "load_clip_from_bytes", counting)
    return calls


@pytest.fixture
def settled(monkeypatch):
    """Treat every file as settled, so the feature index keeps the stamps even of files made a moment ago."""
    from speechmusic.data import feature_store

    monkeypatch.setattr(feature_store, "SETTLE_NS", -1)
