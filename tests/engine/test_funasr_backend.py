"""The funasr backend on a tiny random model: strict lean load, device choice, input handling."""

import logging
import os

import numpy as np
import pytest

from dictate_app.engine.funasr_backend import resolve_device
from dictate_app.engine.loader import load_engine
from dictate_app.engine.result import Transcript
from dictate_app.errors import BadAudioError, ModelError

pytestmark = pytest.mark.slow


def test_loaded_weights_equal_the_checkpoint_exactly(tiny_engine, tiny_model_dir):
    import torch

    saved = torch.load(tiny_model_dir / "model.pt", weights_only=True)
    own = tiny_engine.model.state_dict()
    assert set(own) == set(saved)
    assert all(torch.equal(own[name], saved[name]) for name in saved)
    assert not any(t.is_meta for t in own.values())


def test_cpu_threads_default_to_the_machines_cores(tiny_engine):
    import torch

    assert torch.get_num_threads() == (os.cpu_count() or 1)
    assert tiny_engine.device == "cpu" and tiny_engine.backend == "funasr"


def test_cuda_without_a_gpu_falls_back_to_cpu_with_a_warning(caplog):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with caplog.at_level(logging.WARNING):
        assert resolve_device("cuda") == "cpu"
    assert "CUDA was requested but torch sees no GPU" in caplog.text
    assert resolve_device("auto") == "cpu"
    with pytest.raises(ModelError, match="device 'tpu' is not one of auto, cpu, cuda"):
        resolve_device("tpu")


@pytest.mark.parametrize(
    "samples, rate",
    [
        (np.zeros((48000, 2), np.float32), 48000),
        ((np.random.default_rng(0).standard_normal(22050) * 3000).astype(np.int16), 22050),
        (np.zeros(16000, np.float64), 16000),
    ],
)
def test_any_rate_channels_and_sample_type_give_a_transcript(tiny_engine, samples, rate):
    result = tiny_engine.transcribe(samples, rate)
    assert isinstance(result, Transcript)
    assert result.duration_s == pytest.approx(1.0, abs=0.01)
    assert result.timings.model_ms > 0 and result.timings.total_ms >= result.timings.model_ms
    assert result.raw  # the model ran: a random model still emits tokens
    assert "<|" not in result.text


def test_an_unknown_language_is_refused_not_silently_auto(tiny_engine):
    with pytest.raises(BadAudioError, match="language 'de' is not one of auto, zh, en, yue, ja, ko"):
        tiny_engine.transcribe(np.zeros(16000, np.float32), 16000, language="de")


def test_too_short_audio_is_refused_before_funasr(tiny_engine):
    with pytest.raises(BadAudioError, match="at least 50 ms"):
        tiny_engine.transcribe(np.zeros(100, np.float32), 16000)


def test_long_audio_without_speech_is_no_speech_without_running_the_model(tiny_engine):
    result = tiny_engine.transcribe(np.zeros(16000 * 40, np.float32), 16000)
    assert result.language == "nospeech" and not result.is_speech
    assert result.timings.model_ms == 0


def test_load_from_a_missing_directory_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="there is no speech model in .*missing yet"):
        load_engine(tmp_path / "missing")
