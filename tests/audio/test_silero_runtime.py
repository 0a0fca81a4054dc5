"""Silero VAD on sherpa-onnx's onnxruntime through its C API (dictate_app/audio/silero_runtime.py).

Compared with onnxruntime's Python package (a test dependency, and the fallback): the same
probability per frame on real speech with the state carried over whole files, the same spans.
Also: where the library is looked for (only Linux runs here; the other platforms' file names are
checked on a fake package folder), clean fallbacks (no library, not onnxruntime, no usable API
version), a bad model as one sentence, every call's status checked, threads, and no leak.
"""

from __future__ import annotations

import ctypes
import gc
import resource
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from dictate_app.audio import silero_runtime
from dictate_app.audio.silero_runtime import CApiSession, api_version_for, library_candidates, load_api, open_session
from dictate_app.audio.vad import STREAM_WINDOW, FrameScorer, model_path, speech_probabilities
from dictate_app.audio.vad_spans import spans_from_probabilities
from dictate_app.errors import VadError
from tests.conftest import REPO


@pytest.fixture(scope="module")
def session() -> CApiSession:
    found = open_session(model_path())
    assert found is not None, "sherpa-onnx's onnxruntime library was not found (it is in every install here)"
    yield found
    found.close()


@pytest.fixture(scope="module")
def python_session():
    """The same model on onnxruntime's Python package, one thread: the reference."""
    onnxruntime = pytest.importorskip("onnxruntime")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(model_path()), sess_options=options, providers=["CPUExecutionProvider"])


def _fake_package(tmp_path: Path, monkeypatch, files: list[str]) -> Path:
    """A ``sherpa_onnx`` package folder holding ``lib/<files>``, found by find_spec."""
    package = tmp_path / "sherpa_onnx"
    (package / "lib").mkdir(parents=True)
    for name in files:
        (package / "lib" / name).write_bytes(b"")
    monkeypatch.setattr(silero_runtime, "find_spec",
                        lambda name: SimpleNamespace(submodule_search_locations=[str(package)]) if name == "sherpa_onnx" else None)
    return package / "lib"


# ---- where the library is ----------------------------------------------------------------------

def test_the_library_is_found_in_the_installed_sherpa_onnx_package_without_importing_it():
    code = ("import sys; from dictate_app.audio import silero_runtime as r; found = r.library_candidates(); "
            "print(found[0]); print('sherpa_onnx' in sys.modules, 'onnxruntime' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout.split("\n")
    import importlib.util

    package = Path(importlib.util.find_spec("sherpa_onnx").submodule_search_locations[0])
    assert Path(out[0]) == package / "lib" / "libonnxruntime.so"  # Linux: the only platform that runs here
    assert out[1] == "False False"


@pytest.mark.parametrize(("platform", "files", "expected"), [
    ("linux", ["libonnxruntime.so", "libsherpa-onnx-c-api.so"], ["libonnxruntime.so"]),
    ("darwin", ["libonnxruntime.1.28.2.dylib", "libsherpa-onnx-c-api.dylib"], ["libonnxruntime.1.28.2.dylib"]),
    ("win32", ["onnxruntime.dll", "onnxruntime_providers_shared.dll", "sherpa-onnx-c-api.dll"], ["onnxruntime.dll"]),
])
def test_each_platforms_file_name_is_looked_for_in_the_package(tmp_path, monkeypatch, platform, files, expected):
    """Only Linux runs here: the macOS and Windows names are checked on a fake package folder."""
    lib = _fake_package(tmp_path, monkeypatch, files)
    monkeypatch.setattr(sys, "platform", platform)
    assert library_candidates() == [lib / name for name in expected]


def test_a_frozen_bundle_is_searched_first(tmp_path, monkeypatch):
    installed = _fake_package(tmp_path / "site", monkeypatch, ["libonnxruntime.so"])
    bundled = tmp_path / "bundle" / "sherpa_onnx" / "lib"
    bundled.mkdir(parents=True)
    (bundled / "libonnxruntime.so").write_bytes(b"")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "bundle"), raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert library_candidates() == [bundled / "libonnxruntime.so", installed / "libonnxruntime.so"]


def test_no_sherpa_onnx_package_means_no_candidates(monkeypatch):
    monkeypatch.setattr(silero_runtime, "find_spec", lambda name: None)
    assert library_candidates() == []
    assert open_session(model_path()) is None


# ---- clean fallbacks ---------------------------------------------------------------------------

def test_a_file_that_is_not_a_library_falls_back(tmp_path, monkeypatch):
    _fake_package(tmp_path, monkeypatch, ["libonnxruntime.so"])  # an empty file: dlopen fails
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(silero_runtime, "_api_cache", {})
    assert open_session(model_path()) is None


def test_a_library_that_is_not_onnxruntime_falls_back():
    import ctypes.util

    assert load_api(Path(ctypes.util.find_library("m"))) is None  # loads, but has no OrtGetApiBase


def test_an_api_version_the_library_does_not_offer_falls_back(session, monkeypatch):
    path = library_candidates()[0]
    monkeypatch.setattr(silero_runtime, "api_version_for", lambda version: 10_000)
    assert load_api(path) is None  # GetApi answered NULL
    monkeypatch.setattr(silero_runtime, "api_version_for", lambda version: 3)
    assert load_api(path) is None  # older than MIN_API_VERSION: not asked at all


def test_the_api_version_asked_for_is_the_librarys_own():
    assert api_version_for("1.28.2") == 28
    assert api_version_for("1.9.0") == 9
    assert api_version_for("2.0.0") == 0 and api_version_for("") == 0 and api_version_for("1.x") == 0


def test_the_library_is_sherpa_onnxs_own_version(session):
    assert session.api.version == "1.28.2" and session.api.api_version == 28  # sherpa-onnx 2.0.1's


# ---- the same answers as onnxruntime's Python package -------------------------------------------

def test_probabilities_and_spans_equal_the_python_packages_on_real_speech(session, python_session, vad_clips):
    """Frame by frame over whole files (state carried), then the spans Silero's rules draw."""
    worst = 0.0
    for name, samples in vad_clips.items():
        ours = speech_probabilities(samples, FrameScorer(session))
        theirs = speech_probabilities(samples, FrameScorer(python_session))
        assert ours.shape == theirs.shape == (-(-samples.size // STREAM_WINDOW),), name
        worst = max(worst, float(np.abs(ours - theirs).max()))
        for kwargs in ({}, {"min_silence_ms": 500, "pad_ms": 100}, {"min_speech_ms": 120, "pad_ms": 30},
                       {"max_speech_s": 5.0, "pad_ms": 100}):
            assert spans_from_probabilities(ours, samples.size, **kwargs) == \
                spans_from_probabilities(theirs, samples.size, **kwargs), (name, kwargs)
    print(f"largest probability difference, sherpa-onnx's onnxruntime 1.28.2 (C API) vs the Python package: {worst:.2e}")
    assert worst < 1e-5
    assert max(speech_probabilities(vad_clips["heldout-0"], FrameScorer(session))) > 0.9  # it did hear speech


def test_run_returns_the_probability_and_the_next_state_like_the_python_package(session, python_session, speech_16k):
    x = np.concatenate([np.zeros((1, 64), np.float32), speech_16k[None, 8000:8512]], axis=1)
    state = np.random.default_rng(1).standard_normal((2, 1, 128)).astype(np.float32)
    feeds = {"input": x, "state": state, "sr": np.array(16000, np.int64)}
    ours, theirs = session.run(None, feeds), python_session.run(None, feeds)
    assert [a.shape for a in ours] == [a.shape for a in theirs] == [(1, 1), (2, 1, 128)]
    assert [a.dtype for a in ours] == [np.float32, np.float32]
    np.testing.assert_allclose(ours[0], theirs[0], atol=1e-6)
    np.testing.assert_allclose(ours[1], theirs[1], atol=1e-5)


def test_results_are_new_arrays_that_later_frames_leave_alone(session, speech_16k):
    """The buffers are reused frame after frame: what run returned must not change with them."""
    feeds = {"input": np.zeros((1, 576), np.float32), "state": np.zeros((2, 1, 128), np.float32),
             "sr": np.array(16000, np.int64)}
    first = session.run(None, feeds)
    kept = [a.copy() for a in first]
    session.run(None, {**feeds, "input": speech_16k[None, 8000:8576].copy(), "state": first[1]})
    assert all(np.array_equal(a, b) for a, b in zip(first, kept))


# ---- errors are sentences, never crashes --------------------------------------------------------

def test_a_model_file_that_is_not_onnx_is_a_sentence(session, tmp_path):
    bad = tmp_path / "silero_vad.onnx"
    bad.write_bytes(b"not a model at all" * 100)
    with pytest.raises(VadError, match=r"^The voice detector failed to load its model .*silero_vad.onnx \(.+\); reinstall Dictate"):
        CApiSession(session.api, bad)
    with pytest.raises(VadError, match="failed to load its model"):
        CApiSession(session.api, tmp_path / "missing.onnx")


def _onnx_model(path: Path, outputs: int) -> Path:
    """An ONNX graph with Silero's three inputs whose outputs are copies of its inputs: right
    names, wrong shapes (``output`` is the whole input, not one probability)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, None]),
              helper.make_tensor_value_info("state", TensorProto.FLOAT, [2, None, 128]),
              helper.make_tensor_value_info("sr", TensorProto.INT64, [])]
    names = ["output", "stateN"][:outputs]
    nodes = [helper.make_node("Identity", [source], [name]) for source, name in zip(["input", "state"], names)]
    outs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in names]
    model = helper.make_model(helper.make_graph(nodes, "not-silero", inputs, outs),
                              opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.save(model, path)
    return path


def test_a_model_that_is_not_silero_is_a_sentence(session, tmp_path):
    with pytest.raises(VadError, match=r"is not Silero VAD's \(it has 3 inputs and 1 outputs, not 3 and 2\); reinstall Dictate"):
        CApiSession(session.api, _onnx_model(tmp_path / "one-output.onnx", 1))


def test_every_runs_status_is_checked(session, tmp_path):
    """Silero's names with other shapes: onnxruntime refuses to write a (1, 576) output into the
    (1, 1) buffer; that error status becomes a VadError (an unchecked one would be garbage)."""
    wrong = CApiSession(session.api, _onnx_model(tmp_path / "identity.onnx", 2))
    try:
        with pytest.raises(VadError, match=r"^The voice detector failed to score audio \(.+\); reinstall Dictate"):
            FrameScorer(wrong)(np.zeros(STREAM_WINDOW, np.float32))
    finally:
        wrong.close()
    feeds = {"input": np.zeros((1, 576), np.float32), "state": np.zeros((3, 1, 128), np.float32),
             "sr": np.array(16000, np.int64)}
    with pytest.raises(VadError, match="failed to score audio"):  # a state of the wrong shape
        session.run(None, feeds)
    with pytest.raises(ValueError, match="float32"):
        session.run(None, {**feeds, "input": np.zeros((1, 576), np.float64)})


def test_a_closed_session_says_so(session):
    extra = CApiSession(session.api, model_path())
    extra.close()
    extra.close()  # idempotent
    with pytest.raises(VadError, match="closed"):
        FrameScorer(extra)(np.zeros(STREAM_WINDOW, np.float32))


# ---- threads and memory ---------------------------------------------------------------------------

def test_the_gil_is_released_during_each_call(session):
    """ctypes releases the GIL around a foreign call unless the function type is a PYFUNCTYPE
    (FUNCFLAG_PYTHONAPI); every OrtApi function here is a plain C function type."""
    for name in silero_runtime._API:
        assert not type(getattr(session.api, name))._flags_ & ctypes._FUNCFLAG_PYTHONAPI, name


def test_streams_in_threads_share_the_session_and_keep_their_own_state(session, vad_clips):
    clips = [vad_clips[f"heldout-{i}"] for i in range(4)]
    alone = [speech_probabilities(clip, FrameScorer(session)) for clip in clips]
    together: list[np.ndarray | None] = [None] * len(clips)

    def score(i: int) -> None:
        together[i] = speech_probabilities(clips[i], FrameScorer(session))

    threads = [threading.Thread(target=score, args=(i,)) for i in range(len(clips))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(np.array_equal(a, b) for a, b in zip(alone, together))


def test_each_thread_reuses_its_tensors_and_gives_them_back_when_it_ends(session, speech_16k):
    """Five tensors per thread (three inputs, two outputs), made on its first frame, not per frame,
    and freed when the thread is gone: the recorder's threads come and go with takes."""
    frames = speech_16k[: 10 * STREAM_WINDOW].reshape(10, STREAM_WINDOW)
    gc.collect()
    before = silero_runtime._Tensors.live
    during: list[int] = []

    def score() -> None:
        scorer = FrameScorer(session)
        for frame in frames:
            scorer(frame)
        during.append(silero_runtime._Tensors.live)

    for _ in range(20):
        thread = threading.Thread(target=score)
        thread.start()
        thread.join()
    gc.collect()
    assert during == [before + 5] * 20
    assert silero_runtime._Tensors.live == before


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.slow
def test_a_hundred_thousand_frames_do_not_grow_memory(session, speech_16k):
    """A status on a failure, tensors per thread: nothing may stay behind per call. A leaked
    OrtValue per call would be megabytes over 100k frames (53 minutes of audio)."""
    frames = np.resize(speech_16k, 100 * STREAM_WINDOW).reshape(100, STREAM_WINDOW)
    scorer = FrameScorer(session)
    for frame in frames[:50]:
        scorer(frame)
    for _ in range(20):  # warm up: the arena and Python's allocator reach their steady size
        for frame in frames:
            scorer(frame)
    before = _rss_mb()
    for _ in range(1000):
        for frame in frames:
            scorer(frame)
    growth = _rss_mb() - before
    print(f"RSS over 100,000 frames: {before:.1f} MB -> {before + growth:.1f} MB ({growth:+.2f} MB)")
    assert growth < 2.0
