"""Finding and validating ONNX models, backend choice, the sherpa result mapping, pinned downloads.

Fast: the ONNX files here are small graphs written with the ``onnx`` package; nothing is run.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from dictate_app.engine import forms, loader
from dictate_app.engine.onnx_backend import tagged_raw
from dictate_app.engine.onnxdir import (
    REQUIRED_METADATA, find_onnx_model, read_metadata, validate_onnx_model,
)
from dictate_app.engine.tags import parse_tagged
from dictate_app.errors import ModelError
from dictate_app.store.model_store import (
    ONNX_INT8_SOURCES, SHERPA_SENSEVOICE_INT8, FileSpec, download_model,
)

VOCAB = 12


def sherpa_metadata(**overrides) -> dict[str, str]:
    meta = {key: "0" for key in REQUIRED_METADATA}
    meta.update(vocab_size=str(VOCAB), lfr_window_size="7", lfr_window_shift="6", with_itn="14",
                without_itn="15", neg_mean=",".join(["0.5"] * 560), inv_stddev=",".join(["2.0"] * 560))
    meta.update(overrides)
    return {k: v for k, v in meta.items() if v is not None}


def write_onnx(path: Path, metadata: dict[str, str], weights: int = 1000) -> Path:
    """A real (tiny) ONNX model: Identity over an input, an initializer, the given metadata."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None])],
        initializer=[numpy_helper.from_array(np.arange(weights, dtype=np.float32), "w")],
    )
    model = helper.make_model(graph, producer_name="test")
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def write_tokens(path: Path, count: int = VOCAB) -> Path:
    path.write_text("".join(f"p{i} {i}\n" for i in range(count)), encoding="utf-8")
    return path


def test_metadata_is_read_without_parsing_the_graph(tmp_path):
    meta = sherpa_metadata(comment="ünïcode ok")
    path = write_onnx(tmp_path / "model.int8.onnx", meta, weights=200_000)
    assert read_metadata(path) == meta


def test_found_in_the_dir_or_its_onnx_subdir_int8_and_fp32(tmp_path):
    assert find_onnx_model(tmp_path) is None
    write_onnx(tmp_path / "onnx" / "model.int8.onnx", sherpa_metadata())
    assert find_onnx_model(tmp_path) is None, "tokens.txt is needed too"
    write_tokens(tmp_path / "onnx" / "tokens.txt")
    found = find_onnx_model(tmp_path)
    assert found.model == tmp_path / "onnx" / "model.int8.onnx" and found.precision == "int8"
    assert find_onnx_model(tmp_path, "fp32") is None
    write_onnx(tmp_path / "model.onnx", sherpa_metadata())
    write_tokens(tmp_path / "tokens.txt")
    assert find_onnx_model(tmp_path, "fp32").model == tmp_path / "model.onnx"
    assert validate_onnx_model(find_onnx_model(tmp_path))["vocab_size"] == str(VOCAB)


@pytest.mark.parametrize("problem, metadata, tokens, message", [
    ("no metadata", {}, VOCAB, "lacks the SenseVoice metadata sherpa-onnx needs (vocab_size"),
    ("no CMVN", sherpa_metadata(inv_stddev=None), VOCAB, "(inv_stddev)"),
    ("short CMVN", sherpa_metadata(neg_mean="1,2,3"), VOCAB, "3-dim CMVN statistics"),
    ("token count", sherpa_metadata(), VOCAB - 1, "lists 11 tokens but the model has 12"),
])
def test_a_bad_model_is_one_sentence_before_sherpa_can_exit_the_process(tmp_path, problem, metadata, tokens,
                                                                        message):
    write_onnx(tmp_path / "model.int8.onnx", metadata)
    write_tokens(tmp_path / "tokens.txt", tokens)
    with pytest.raises(ModelError) as caught:
        validate_onnx_model(find_onnx_model(tmp_path))
    assert message in str(caught.value)
    assert "export-onnx" in str(caught.value)


def test_garbage_and_empty_files_are_refused(tmp_path):
    write_tokens(tmp_path / "tokens.txt")
    (tmp_path / "model.int8.onnx").write_bytes(b"\xff" * 64)
    with pytest.raises(ModelError, match="not a readable ONNX model|lacks the SenseVoice metadata"):
        validate_onnx_model(find_onnx_model(tmp_path))
    (tmp_path / "model.int8.onnx").write_bytes(b"")
    with pytest.raises(ModelError, match="is empty"):
        validate_onnx_model(find_onnx_model(tmp_path))


def test_auto_prefers_the_int8_onnx_model_on_cpu_and_funasr_on_cuda(tmp_path, monkeypatch):
    monkeypatch.setattr(forms, "has_cuda", lambda: False)
    assert loader.choose_backend(tmp_path) == "funasr"
    write_onnx(tmp_path / "onnx" / "model.int8.onnx", sherpa_metadata())
    write_tokens(tmp_path / "onnx" / "tokens.txt")
    assert loader.choose_backend(tmp_path) == "onnx"
    assert loader.choose_backend(tmp_path, device="cuda") == "funasr"
    assert loader.choose_backend(tmp_path, backend="funasr") == "funasr"
    monkeypatch.setattr(forms, "has_cuda", lambda: True)
    assert loader.choose_backend(tmp_path) == "onnx"  # a GPU, but only the ONNX model here: run that
    assert loader.choose_backend(tmp_path, device="cpu") == "onnx"
    (tmp_path / "config.yaml").write_text("model: SenseVoiceSmall\n")  # the funasr form too
    assert loader.choose_backend(tmp_path) == "funasr"
    assert loader.choose_backend(tmp_path, device="cpu") == "onnx"
    with pytest.raises(ModelError, match="backend 'tensorrt' is not one of auto, funasr, onnx"):
        loader.choose_backend(tmp_path, backend="tensorrt")


def test_sherpa_fields_become_the_same_transcript_as_funasrs_tagged_string():
    result = SimpleNamespace(lang="<|en|>", emotion="<|HAPPY|>", event="<|Laughter|>", text="hello world")
    raw = tagged_raw(result, itn=True)
    assert raw == "<|en|><|HAPPY|><|Laughter|><|withitn|>hello world"
    assert parse_tagged(raw) == parse_tagged("<|en|><|HAPPY|><|Laughter|><|withitn|>hello world")
    blank = tagged_raw(SimpleNamespace(lang="<|nospeech|>", emotion="<|EMO_UNKNOWN|>", event="<|Event_UNK|>",
                                       text=""), itn=False)
    parsed = parse_tagged(blank)
    assert (parsed.language, parsed.itn, parsed.is_speech) == ("nospeech", False, False)


def test_the_published_int8_conversion_is_pinned_and_unpinned_files_are_refused(tmp_path):
    assert {spec.name for spec in SHERPA_SENSEVOICE_INT8} == {"model.int8.onnx", "tokens.txt"}
    assert all(len(spec.sha256) == 64 and spec.size > 0 for spec in SHERPA_SENSEVOICE_INT8)
    assert "2365baeacb507f821a0c8120fcee3d484dba7a07" in ONNX_INT8_SOURCES["huggingface"]
    unpinned = (FileSpec("model.int8.onnx", 239_233_841, ""),)
    with pytest.raises(ModelError, match="refusing to download model.int8.onnx"):
        download_model(tmp_path / "m", "huggingface", manifest=unpinned, sources=ONNX_INT8_SOURCES)
    assert not (tmp_path / "m").exists(), "nothing is fetched or created"
