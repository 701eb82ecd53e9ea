import os

import numpy as np
import pytest
import soundfile as sf

from speechmusic.core import fileio


def test_write_text_refuses_to_overwrite_and_keeps_old_content(tmp_path):
    target = tmp_path / "a.txt"
    fileio.write_text(target, "first")
    with pytest.raises(FileExistsError):
        fileio.write_text(target, "second")
    assert target.read_text() == "first"
    fileio.write_text(target, "third", overwrite=True)
    assert target.read_text() == "third"


def test_interrupted_write_leaves_no_file_and_no_temp(tmp_path):
    target = tmp_path / "sub" / "clip.bin"
    with pytest.raises(RuntimeError):
        with fileio.atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("power cut")
    assert not target.exists()
    assert list((tmp_path / "sub").iterdir()) == []


def test_temp_file_is_in_target_folder_until_published(tmp_path):
    target = tmp_path / "x.bin"
    with fileio.atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        assert not target.exists()
        tmp.write_bytes(b"data")
    assert target.read_bytes() == b"data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.bin"]


def test_write_wav_roundtrip_and_clipping(tmp_path):
    y = np.array([0.0, 0.5, -0.5, 2.0, -3.0], dtype=np.float32)
    path = fileio.write_wav(tmp_path / "c.wav", y, 8000)
    data, sr = sf.read(path, dtype="float32")
    assert sr == 8000 and sf.info(str(path)).subtype == "PCM_16"
    np.testing.assert_allclose(data, np.clip(y, -1, 1), atol=1e-4)
    with pytest.raises(FileExistsError):
        fileio.write_wav(tmp_path / "c.wav", y, 8000)


def test_unique_path_numbers_taken_names(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"")
    (tmp_path / "a-2.wav").write_bytes(b"")
    assert fileio.unique_path(tmp_path / "a.wav") == tmp_path / "a-3.wav"
    assert fileio.unique_path(tmp_path / "b.wav") == tmp_path / "b.wav"


def test_save_npy_roundtrip(tmp_path):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    fileio.save_npy(tmp_path / "d" / "a.npy", a)
    np.testing.assert_array_equal(np.load(tmp_path / "d" / "a.npy"), a)


def test_new_files_get_ordinary_permissions_not_mkstemps_0600(tmp_path):
    mask = os.umask(0o022)
    try:
        fileio._new_file_mode.cache_clear()
        path = fileio.write_text(tmp_path / "shared.txt", "x")
    finally:
        os.umask(mask)
        fileio._new_file_mode.cache_clear()
    assert path.stat().st_mode & 0o777 == 0o644


def test_overwriting_a_fifo_writes_into_it_instead_of_replacing_it(tmp_path):
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()))
    reader.start()
    fileio.write_text(fifo, "through the pipe", overwrite=True)
    reader.join(timeout=10)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a pipe, not a plain file


def test_a_fifo_is_written_into_without_overwrite_too(tmp_path):
    """Writing into a stream replaces no stored data, so it needs no ``overwrite`` (``--csv /dev/null``)."""
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()))
    reader.start()
    fileio.write_text(fifo, "no overwrite needed")
    reader.join(timeout=10)
    assert received == [b"no overwrite needed"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_folder_is_not_a_file_name(tmp_path):
    with pytest.raises(IsADirectoryError):
        fileio.write_text(tmp_path, "x", overwrite=True)
