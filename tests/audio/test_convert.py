"""Conversion of any buffer to 16 kHz mono float32: the guards funasr does not have."""

import numpy as np
import pytest

from dictate_app.audio.convert import MODEL_RATE, ModelInputStream, to_model_input
from dictate_app.errors import BadAudioError


def tone(rate, seconds=1.0, freq=440.0, amplitude=0.5):
    t = np.arange(int(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def dominant_frequency(samples, rate):
    spectrum = np.abs(np.fft.rfft(samples))
    return np.fft.rfftfreq(samples.size, 1 / rate)[np.argmax(spectrum)]


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000, 16000])
def test_any_rate_becomes_16k_with_the_pitch_kept(rate):
    out = to_model_input(tone(rate), rate)
    assert out.dtype == np.float32
    assert abs(out.size - MODEL_RATE) <= 2
    assert abs(dominant_frequency(out, MODEL_RATE) - 440) < 3


def test_int16_is_scaled_into_unit_range_not_by_32768_twice():
    pcm = (tone(16000) * 32767).astype(np.int16)
    out = to_model_input(pcm, 16000)
    assert 0.45 < np.abs(out).max() <= 0.5


def test_uint8_wav_samples_are_centred():
    pcm = ((tone(16000) + 1.0) * 127.5).astype(np.uint8)
    out = to_model_input(pcm, 16000)
    assert abs(float(out.mean())) < 0.01 and 0.45 < np.abs(out).max() < 0.55


def test_stereo_is_down_mixed_in_either_layout():
    left, right = tone(16000, freq=440), tone(16000, freq=440)
    frames_first = to_model_input(np.stack([left, right], axis=1), 16000)
    channels_first = to_model_input(np.stack([left, right], axis=0), 16000)
    assert np.allclose(frames_first, left, atol=1e-6)
    assert np.allclose(channels_first, left, atol=1e-6)


@pytest.mark.parametrize(
    "samples, rate, message",
    [
        (np.zeros(0, np.float32), 16000, "empty"),
        (np.array([0.0, np.nan] * 800, np.float32), 16000, "NaN"),
        (np.array([0.0, np.inf] * 800, np.float32), 16000, "NaN or infinite"),
        (np.zeros(400, np.float32), 16000, "25 ms long; at least 50 ms"),
        (np.zeros(1600, np.float32), 0, "sample rate"),
        (np.array(["a"] * 1600), 16000, "not numbers"),
    ],
)
def test_unusable_input_is_a_clear_error(samples, rate, message):
    with pytest.raises(BadAudioError, match=message):
        to_model_input(samples, rate)


def test_fifty_ms_is_accepted():
    assert to_model_input(np.zeros(800, np.float32), 16000).size == 800


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000, 96000, 384000])
@pytest.mark.parametrize("block", [1, 777, 65536])
def test_the_stream_gives_what_the_whole_buffer_gives(rate, block):
    rng = np.random.default_rng(rate)
    stereo = (rng.standard_normal((int(rate * 1.3) + 17, 2)) * 0.2).astype(np.float32)
    if block == 1:
        stereo = stereo[:rate // 10]  # frame by frame: keep it short
    expected = to_model_input(stereo, rate)
    stream = ModelInputStream(rate, 2)
    pieces = [stream.push(stereo[i:i + block]) for i in range(0, len(stereo), block)] + [stream.finish()]
    out = np.concatenate(pieces)
    assert out.dtype == np.float32 and out.size == expected.size
    assert np.max(np.abs(out - expected)) < 1e-6


def test_the_stream_refuses_nan_and_clips_like_the_whole_buffer():
    stream = ModelInputStream(44100, 1)
    loud = np.full((4410, 1), 1.5, np.float32)
    assert np.abs(np.concatenate([stream.push(loud), stream.finish()])).max() <= 1.0
    with pytest.raises(BadAudioError, match="NaN or infinite"):
        ModelInputStream(44100, 1).push(np.full((10, 1), np.inf, np.float32))


def test_model_input_comes_back_as_it_is_not_copied():
    audio = tone(16000) * 0.9
    assert to_model_input(audio, 16000) is audio


@pytest.mark.parametrize("bad, message", [(np.nan, "NaN"), (np.inf, "NaN or infinite"), (-np.inf, "NaN or infinite")])
def test_the_no_copy_path_still_refuses_nan_and_infinity(bad, message):
    audio = tone(16000)
    audio[100] = bad
    with pytest.raises(BadAudioError, match=message):
        to_model_input(audio, 16000)


def test_out_of_range_model_rate_audio_is_clipped_into_a_copy():
    audio = tone(16000) * 3
    out = to_model_input(audio, 16000)
    assert out is not audio and np.abs(out).max() == 1.0 and np.abs(audio).max() > 1.4
