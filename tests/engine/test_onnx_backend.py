"""The ONNX backend (engine/onnx_backend.py), fast: sherpa-onnx's result fields become the tagged
string funasr gives, and a folder without an ONNX model is one sentence. The backend transcribing
real speech, against funasr, is tests/engine/test_onnx_parity.py (slow)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dictate_app.engine.onnx_backend import OnnxEngine, tagged_raw
from dictate_app.engine.tags import parse_tagged
from dictate_app.errors import ModelError


def test_sherpa_fields_become_the_same_transcript_as_funasrs_tagged_string():
    result = SimpleNamespace(lang="<|en|>", emotion="<|HAPPY|>", event="<|Laughter|>", text="hello world")
    raw = tagged_raw(result, itn=True)
    assert raw == "<|en|><|HAPPY|><|Laughter|><|withitn|>hello world"
    assert parse_tagged(raw) == parse_tagged("<|en|><|HAPPY|><|Laughter|><|withitn|>hello world")
    blank = tagged_raw(SimpleNamespace(lang="<|nospeech|>", emotion="<|EMO_UNKNOWN|>", event="<|Event_UNK|>",
                                       text=""), itn=False)
    parsed = parse_tagged(blank)
    assert (parsed.language, parsed.itn, parsed.is_speech) == ("nospeech", False, False)


def test_a_folder_without_an_onnx_model_is_one_sentence_with_the_fix(tmp_path):
    with pytest.raises(ModelError) as caught:
        OnnxEngine.load(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"no int8 ONNX model (model.int8.onnx and tokens.txt) in {tmp_path}; ")
    assert "\n" not in message and "export-onnx" in message
