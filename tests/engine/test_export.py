"""The pieces of the ONNX export (engine/export.py) that need no model run: where the export goes,
float32 values written so they read back exactly, metadata added to a graph, tokens.txt from the
SentencePiece model. (The whole export through `dictate-app model export-onnx`, compared with
funasr: tests/engine/test_onnx_parity.py, slow.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dictate_app.engine.export import _float_list, add_metadata, default_output_dir, write_tokens
from dictate_app.engine.onnxdir import read_metadata
from tests.conftest import FIXTURE_MODEL
from tests.engine.test_onnxdir import write_onnx


def test_the_export_goes_where_the_loader_looks():
    assert default_output_dir("~/models/sv") == Path.home() / "models" / "sv" / "onnx"


def test_float32_values_read_back_exactly():
    values = np.array([0.1, -1e-7, 3.4028235e38, 1 / 3], np.float32)
    text = _float_list(values)
    assert np.array_equal(np.array(text.split(","), np.float32), values)


def test_metadata_is_added_and_replaces_keys_of_the_same_name(tmp_path):
    source = write_onnx(tmp_path / "in.onnx", {"comment": "old", "kept": "1"})
    add_metadata(source, tmp_path / "out.onnx", {"comment": "new", "vocab_size": "12"})
    assert read_metadata(tmp_path / "out.onnx") == {"kept": "1", "comment": "new", "vocab_size": "12"}
    assert read_metadata(source) == {"comment": "old", "kept": "1"}  # the source is left alone


def test_tokens_txt_lists_every_piece_with_its_id(tmp_path):
    sentencepiece = pytest.importorskip("sentencepiece")
    bpe = FIXTURE_MODEL / "chn_jpn_yue_eng_ko_spectok.bpe.model"
    count = write_tokens(bpe, tmp_path / "tokens.txt")
    processor = sentencepiece.SentencePieceProcessor()
    processor.Load(str(bpe))
    lines = (tmp_path / "tokens.txt").read_text(encoding="utf-8").splitlines()
    assert count == len(lines) == processor.GetPieceSize()
    assert all(line.rsplit(" ", 1) == [processor.IdToPiece(i), str(i)] for i, line in enumerate(lines))
