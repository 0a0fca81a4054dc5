"""Bounded decoding of audio files: the same model input as the whole-file path, every refusal
before anything big is allocated, and files whose header does not know their length."""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest
import soundfile

from dictate_app.audio import files
from dictate_app.audio.convert import MODEL_RATE, to_model_input
from dictate_app.audio.files import (AudioTooLongError, UnsupportedAudioError, decode_bytes, decode_file,
                                     read_audio_file)
from dictate_app.errors import BadAudioError
from testkit.audio.bombs import (FLAC_MAX_RATE, encode, flac_total_samples, ogg_bomb, silent_file, tone,
                               with_unknown_length)


def whole_file_reference(data: bytes) -> np.ndarray:
    """The decoding this module replaced: the whole file as float32, then to_model_input."""
    samples, rate = soundfile.read(io.BytesIO(data), dtype="float32")
    return to_model_input(samples, rate)


@pytest.mark.parametrize("fmt, subtype, rate", [
    ("WAV", "PCM_16", 44100), ("WAV", "FLOAT", 44100), ("FLAC", None, 44100), ("OGG", "VORBIS", 44100),
    ("MP3", None, 44100), ("OGG", "OPUS", 48000), ("AIFF", None, 44100), ("WAV", "PCM_16", 16000),
    ("WAV", "PCM_U8", 8000),
])
def test_stereo_files_decode_to_what_the_whole_file_path_gave(fmt, subtype, rate):
    data = encode(tone(rate, 2.5, channels=2), rate, fmt, subtype)
    expected = whole_file_reference(data)
    audio = decode_bytes(data, 300)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert audio.size == expected.size
    assert np.max(np.abs(audio - expected)) < 1e-6
    if subtype not in ("VORBIS", "OPUS") and fmt != "MP3":  # lossless: the mean of the 0.5 and 0.4 channels
        assert abs(np.abs(audio).max() - 0.45) < 0.01


def test_blocks_smaller_than_the_file_change_nothing(monkeypatch):
    data = encode(tone(44100, 2.0, channels=3), 44100, "FLAC")
    whole = decode_bytes(data, 300)
    monkeypatch.setattr(files, "BLOCK_SAMPLES", 3 * 1000)  # 89 blocks of 1000 frames
    blocks = decode_bytes(data, 300)
    assert blocks.size == whole.size and np.max(np.abs(blocks - whole)) < 1e-6


def test_a_path_decodes_like_its_bytes(tmp_path):
    data = encode(tone(22050, 1.0), 22050, "WAV", "PCM_16")
    path = tmp_path / "a.wav"
    path.write_bytes(data)
    assert np.array_equal(decode_file(path), decode_bytes(data, 300))
    samples, rate = read_audio_file(path)
    assert rate == MODEL_RATE and np.array_equal(samples, decode_bytes(data, 300))


def test_a_flac_of_unknown_length_is_read_to_its_end():
    known = encode(tone(44100, 3.0, channels=2), 44100, "FLAC")
    unknown = with_unknown_length(known)
    assert flac_total_samples(known) == 3 * 44100 and flac_total_samples(unknown) == 0
    with soundfile.SoundFile(io.BytesIO(unknown)) as sound:
        # What the issue saw: libsndfile's "unknown" is 2^63 - 1 frames (418,293,516,410,647 s at 22,050 Hz).
        assert sound.frames == 2**63 - 1
    assert np.array_equal(decode_bytes(unknown, 300), decode_bytes(known, 300))
    assert decode_bytes(unknown, 300).size == 3 * MODEL_RATE


def test_a_flac_of_unknown_length_is_refused_past_the_limit_and_taken_up_to_it():
    unknown = with_unknown_length(encode(tone(16000, 3.0), 16000, "FLAC"))
    assert decode_bytes(unknown, 3.0).size == 3 * MODEL_RATE  # exactly the limit: accepted
    with pytest.raises(AudioTooLongError, match=r"^the audio is longer than 2.99 s, the most accepted; split it"):
        decode_bytes(unknown, 2.99)


def test_a_long_header_is_refused_before_anything_is_decoded(monkeypatch):
    def no_reading(*_args):
        raise AssertionError("decoded a file its header already refuses")

    monkeypatch.setattr(files, "_read_into", no_reading)
    data = encode(tone(16000, 3.0), 16000, "FLAC")
    with pytest.raises(AudioTooLongError, match=r"^the audio is 3.0 s long; at most 2 s is accepted, so split it"):
        decode_bytes(data, 2)


@pytest.mark.parametrize("build, message", [
    (lambda: silent_file(8, FLAC_MAX_RATE, 1.0), r"^the sample rate is 655350 Hz; 4000 to 384000 Hz is accepted"),
    (lambda: silent_file(1, 2000, 1.0, "WAV"), r"^the sample rate is 2000 Hz; 4000 to 384000 Hz is accepted"),
    (lambda: ogg_bomb(255, 48_000, 0.2), r"^the audio has 255 channels; at most 32 are accepted"),
    (lambda: silent_file(33, 16000, 0.1, "WAV"), r"^the audio has 33 channels; at most 32 are accepted"),
    (lambda: silent_file(12, 384_000, 0.1, "WAV"),
     r"^12 channels at 384000 Hz is more than 3072000 samples per second; mix it down or resample it"),
    (lambda: silent_file(2, 44100, 0.5, "CAF"),
     r"^this is CAF \(Apple Core Audio File\) audio, which Dictate does not read; convert it to wav, flac, "
     r"ogg \(Vorbis or Opus\), mp3 or aiff$"),
])
def test_implausible_files_are_refused_from_the_header(monkeypatch, build, message):
    data = build()
    monkeypatch.setattr(files, "_read_into", lambda *_: pytest.fail("read a file its header refuses"))
    with pytest.raises(UnsupportedAudioError, match=message):
        decode_bytes(data, 300)


def test_the_limits_let_the_largest_real_formats_through():
    for channels, rate in [(8, 384_000), (32, 96_000), (1, 4_000), (2, 352_800)]:
        audio = decode_bytes(silent_file(channels, rate, 0.1, "WAV"), 300)
        assert audio.size == 0.1 * MODEL_RATE and not audio.any()


def test_memory_follows_the_output_not_the_input():
    """8 channels at 384 kHz for 20 s: 61 M samples, 246 MB as float32 (the old path held that
    and a float64 copy). Decoded in blocks, Python-side allocations stay a few MB: the 1.3 MB of
    output and one block."""
    data = silent_file(8, 384_000, 20)
    tracemalloc.start()
    try:
        audio = decode_bytes(data, 300)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert audio.size == 20 * MODEL_RATE
    print(f"decoding {len(data) / 1024:.0f} KB of 8 x 384 kHz x 20 s FLAC: Python peak {peak / 2**20:.1f} MB")
    assert peak < 16 * 2**20


@pytest.mark.parametrize("data, error, message", [
    (b"", BadAudioError, r"^the upload is empty: send the bytes of an audio file$"),
    (b"this is not audio", BadAudioError,
     r"^not a readable audio file \(Format not recognised\); Dictate reads wav, flac, ogg \(Vorbis or Opus\), mp3 or aiff$"),
    (encode(np.zeros(0, np.float32), 16000, "WAV"), BadAudioError, r"^the file holds no audio samples$"),
    (encode(np.zeros(320, np.float32), 16000, "WAV"), BadAudioError, r"^the audio is 20 ms long; at least 50 ms"),
    (encode(np.array([0.1, np.nan] * 800, np.float32), 16000, "WAV", "FLOAT"), BadAudioError,
     r"^the audio contains NaN or infinite samples"),
])
def test_unusable_bytes_are_one_clear_sentence(data, error, message):
    with pytest.raises(error, match=message):
        decode_bytes(data, 300)


def test_a_truncated_flac_is_refused_with_the_decoders_reason():
    data = encode(tone(16000, 2.0), 16000, "FLAC")
    with pytest.raises(BadAudioError, match=r"^not a readable audio file \(Error : flac decoder lost sync\); "):
        decode_bytes(data[: len(data) // 2], 300)


def test_missing_files_and_folders(tmp_path):
    with pytest.raises(BadAudioError, match="^no such file$"):
        decode_file(tmp_path / "missing.wav")
    with pytest.raises(BadAudioError, match="^is a directory, not an audio file$"):
        decode_file(tmp_path)


def test_the_output_buffer_grows_when_a_header_understated_the_length_and_trims_at_the_end():
    out = files._Output(4)
    pieces = [np.arange(3, dtype=np.float32), np.arange(7, dtype=np.float32), np.zeros(0, np.float32)]
    for piece in pieces:
        out.append(piece)
    assert np.array_equal(out.result(), np.concatenate(pieces))
