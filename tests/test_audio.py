
import numpy as np
import pytest
from conftest import noise, tone, write_audio

from speechmusic.core import audio
from speechmusic.core.config import DEFAULT_PARAMS
from speechmusic.core.errors import AudioError, ParameterError


@pytest.mark.parametrize(
    "sr,subtype",
    [(8000, "PCM_16"), (16000, "PCM_U8"), (22050, "PCM_24"), (44100, "PCM_32"), (48000, "FLOAT"), (96000, "DOUBLE")],
)
def test_decode_any_rate_and_depth_to_mono_float32_at_22050(tmp_path, sr, subtype):
    path = write_audio(tmp_path / f"t{sr}.wav", tone(440, 1.0, sr=sr), sr, subtype=subtype)
    y = audio.decode(path)
    assert y.dtype == np.float32 and y.ndim == 1
    assert abs(len(y) - 22050) <= 2
    assert 0.4 < np.abs(y).max() < 0.6


def test_stereo_is_averaged(tmp_path):
    left, right = tone(440, 1.0), np.zeros(22050, dtype=np.float32)
    path = write_audio(tmp_path / "st.wav", np.column_stack([left, right]), subtype="FLOAT")
    y = audio.decode(path)
    np.testing.assert_allclose(y, left / 2, atol=1e-6)


@pytest.mark.parametrize("fmt,ext", [("FLAC", "flac"), ("OGG", "ogg"), ("MP3", "mp3")])
def test_compressed_formats(tmp_path, fmt, ext):
    path = write_audio(tmp_path / f"x.{ext}", tone(440, 2.0, sr=44100), 44100, format=fmt)
    y = audio.decode(path)
    assert abs(len(y) / 22050 - 2.0) < 0.1  # mp3 encoders add a little padding
    assert np.abs(y).max() > 0.3


def test_offset_and_duration(tmp_path):
    y = np.concatenate([np.zeros(22050), np.full(22050, 0.5)]).astype(np.float32)
    path = write_audio(tmp_path / "o.wav", y, subtype="FLOAT")
    part = audio.decode(path, offset=1.0, duration=0.5)
    assert len(part) == 11025 and np.allclose(part, 0.5)


def test_non_finite_samples_replaced_with_warning(tmp_path):
    y = tone(440, 1.0)
    y[100] = np.nan
    y[200] = np.inf
    path = write_audio(tmp_path / "nan.wav", y, subtype="FLOAT")
    with pytest.warns(RuntimeWarning, match="nan.wav: 2 non-finite"):
        out = audio.decode(path)
    assert np.isfinite(out).all()


@pytest.mark.parametrize("content,match", [(b"", "empty"), (b"this is not audio at all", "cannot decode")])
def test_bad_files_raise_audio_error_naming_the_file(tmp_path, content, match):
    path = tmp_path / "broken clip.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError, match=match) as info:
        audio.decode(path)
    assert "broken clip.wav" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="no such file"):
        audio.decode(tmp_path / "nope.wav")


def test_decode_rejects_bad_parameters(tmp_path):
    path = write_audio(tmp_path / "a.wav", tone(440, 0.5))
    with pytest.raises(ParameterError):
        audio.decode(path, sample_rate=0)
    with pytest.raises(ParameterError):
        audio.decode(path, offset=-1)


def test_fit_to_clip_pads_short_signals_at_the_end():
    y = np.ones(1000, dtype=np.float32)
    clip = audio.fit_to_clip(y)
    assert clip.shape == (DEFAULT_PARAMS.n_samples,)
    assert clip[:1000].all() and not clip[1000:].any()


def test_fit_to_clip_skips_leading_silence():
    # 2 s of silence, then 4 s of sound: the clip must be all sound, not start with silence.
    y = np.concatenate([np.zeros(2 * 22050, dtype=np.float32), tone(300, 4.0)])
    clip = audio.fit_to_clip(y)
    first_second = clip[:22050]
    assert np.sqrt(np.mean(first_second**2)) > 0.3


def test_fit_to_clip_centres_on_the_active_part():
    y = np.zeros(10 * 22050, dtype=np.float32)
    y[6 * 22050 : 9 * 22050] = tone(500, 3.0)
    clip = audio.fit_to_clip(y)
    assert np.sqrt(np.mean(clip**2)) > 0.33  # the whole clip is inside the tone


def test_fit_to_clip_rejects_multichannel():
    with pytest.raises(ParameterError):
        audio.fit_to_clip(np.zeros((100, 2)))


def test_load_clip_of_long_file_decodes_only_the_middle(tmp_path):
    # 3 minutes: the clip comes from the middle minute, which is a different tone.
    sr = 8000
    y = np.concatenate([tone(200, 60, sr=sr), tone(2000, 60, sr=sr), tone(200, 60, sr=sr)])
    path = write_audio(tmp_path / "long.flac", y, sr)
    clip = audio.load_clip(path)
    spectrum = np.abs(np.fft.rfft(clip))
    assert abs(np.argmax(spectrum) * 22050 / len(clip) - 2000) < 5


def test_is_audio_path():
    assert audio.is_audio_path("Song (Live) – ünïcode.FLAC")
    assert not audio.is_audio_path(".DS_Store")
    assert not audio.is_audio_path("._hidden.wav")
    assert not audio.is_audio_path("README.md")


@pytest.mark.parametrize("sr", [8000, 22050, 44100])
def test_stream_matches_whole_file_resampling(tmp_path, sr):
    y = noise(7.3, sr=sr, amplitude=0.2)
    path = write_audio(tmp_path / "s.wav", y, sr, subtype="FLOAT")
    blocks = list(audio.stream(path, block_duration=2.0))
    assert len(blocks) >= 3
    joined = np.concatenate(blocks)
    whole = audio.decode(path)
    assert abs(len(joined) - len(whole)) <= 2
    n = min(len(joined), len(whole))
    # the streaming resampler reproduces the one-shot result away from the very ends
    np.testing.assert_allclose(joined[100 : n - 100], whole[100 : n - 100], atol=2e-3)


# --- 16-bit PCM WAV in memory: the standard library's reader, soundfile's values ---------------------

def _pcm16_bytes(tmp_path, samples: np.ndarray, sr: int = 22050) -> bytes:
    path = tmp_path / "clip.wav"
    import soundfile as sf

    sf.write(str(path), samples, sr, subtype="PCM_16")
    return path.read_bytes()


@pytest.mark.parametrize("channels", [1, 2, 3])
@pytest.mark.parametrize("offset, duration", [(0.0, None), (0.5, 1.0), (2.5, 5.0), (9.0, None)])
def test_pcm16_wav_in_memory_gives_soundfiles_values_exactly(tmp_path, channels, offset, duration):
    import io

    rng = np.random.default_rng(channels)
    ints = rng.integers(-32768, 32768, size=(3 * 22050, channels), dtype=np.int16)
    ints[:4] = [[-32768], [32767], [0], [-1]]  # both extremes
    data = _pcm16_bytes(tmp_path, ints)
    fast = audio._read_pcm16_wav(io.BytesIO(data), offset, duration)
    assert fast is not None
    reference = audio._read_soundfile(io.BytesIO(data), offset, duration)
    assert fast[1] == reference[1] == 22050
    assert fast[0].dtype == np.float32 and np.array_equal(fast[0], reference[0])
    # and through the public path: the clip a dataset gets
    assert np.array_equal(audio.load_clip_from_bytes(data, name="clip.wav"), audio.load_clip(tmp_path / "clip.wav"))


@pytest.mark.parametrize("subtype", ["PCM_24", "PCM_32", "FLOAT", "PCM_U8"])
def test_other_wav_encodings_are_left_to_soundfile(tmp_path, subtype):
    import io

    import soundfile as sf

    sf.write(str(tmp_path / "x.wav"), noise(1.0), 22050, subtype=subtype)
    data = (tmp_path / "x.wav").read_bytes()
    assert audio._read_pcm16_wav(io.BytesIO(data), 0.0, None) is None
    assert audio.load_clip_from_bytes(data, name="x.wav").shape == (DEFAULT_PARAMS.n_samples,)


def test_a_truncated_pcm16_wav_is_decoded_as_soundfile_decodes_it(tmp_path):
    import io

    data = _pcm16_bytes(tmp_path, (noise(2.0) * 20000).astype(np.int16))
    cut = data[: len(data) - 10001]  # the header still announces 2 s; an odd cut splits a sample
    assert audio._pcm16_wav_header(io.BytesIO(cut)) is None  # so its length comes from soundfile too
    assert audio._read_pcm16_wav(io.BytesIO(cut), 0.0, None) is None
    (tmp_path / "cut.wav").write_bytes(cut)
    try:
        expected = audio.decode(tmp_path / "cut.wav")
    except AudioError as error:
        with pytest.raises(AudioError, match=str(error).split(": ", 1)[1][:20]):
            audio.decode(io.BytesIO(cut), name=str(tmp_path / "cut.wav"))
    else:
        assert np.array_equal(audio.decode(io.BytesIO(cut), name="cut.wav"), expected)


# --- the fallback decoder: audioread, for what libsndfile cannot read -----------------------------

@pytest.mark.parametrize("channels", [1, 2, 3])
@pytest.mark.parametrize("offset, duration", [(0.0, None), (0.5, 1.0), (2.9, 5.0), (4.0, None), (0.0, 0.0)])
def test_the_fallback_decoder_gives_soundfiles_values_for_what_both_read(tmp_path, channels, offset, duration):
    # audioread's own WAV reader (no ffmpeg needed) stands in for the formats only it reads.
    rng = np.random.default_rng(channels)
    ints = rng.integers(-32768, 32768, size=(3 * 22050 + 7, channels), dtype=np.int16)
    path = tmp_path / "x.wav"
    path.write_bytes(_pcm16_bytes(tmp_path, ints))
    data, sr = audio._read_fallback(path, offset, duration)
    reference, reference_sr = audio._read_soundfile(path, offset, duration)
    assert sr == reference_sr == 22050
    assert data.dtype == np.float32 and data.shape == reference.shape and np.array_equal(data, reference)


def test_a_file_libsndfile_refuses_is_decoded_by_the_fallback(tmp_path, monkeypatch):
    path = write_audio(tmp_path / "talk.wav", tone(440, 1.0))
    expected = audio.decode(path)

    def refuses(*args, **kwargs):
        raise RuntimeError("Error opening 'talk.wav': Format not recognised.")

    monkeypatch.setattr(audio, "_read_soundfile", refuses)
    assert np.array_equal(audio.decode(path), expected)  # 16-bit either way: the same samples
    import io

    flac = write_audio(tmp_path / "talk.flac", tone(440, 1.0))
    with pytest.raises(AudioError, match="stream.flac: cannot decode audio: Format not recognised"):
        audio.decode(io.BytesIO(flac.read_bytes()), name="stream.flac")  # audioread needs a path


def test_a_damaged_file_costs_no_librosa_import(tmp_path):
    """The fallback used to go through librosa.load, whose import compiles numba code (~2 s per
    process, ~15 s on a fresh install) in every batch worker that met a damaged file."""
    import subprocess
    import sys

    bad = tmp_path / "damaged.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt not really audio")
    code = ("import sys\n"
            "from speechmusic.core.audio import decode\n"
            "from speechmusic.core.errors import AudioError\n"
            "try:\n"
            f"    decode({str(bad)!r})\n"
            "except AudioError as error:\n"
            "    print('refused:', error)\n"
            "print(sorted(m for m in ('librosa', 'numba') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "refused:" in out and "damaged.wav" in out and out.strip().endswith("[]")
