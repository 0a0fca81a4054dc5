"""Which forms a folder holds and which this install runs: file names and installed packages only."""

from __future__ import annotations

import importlib.util

import pytest

from dictate_app.engine import forms, loader
from dictate_app.engine.forms import ONNX_INT8, PYTORCH, can_run, forms_in, preferred_form, runnable_forms
from dictate_app.errors import ModelError
from tests.app.test_first_run import cpu_build


def test_forms_in_counts_final_files_at_the_top_or_in_onnx(tmp_path):
    assert forms_in(tmp_path / "missing") == () and forms_in(tmp_path) == ()
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx" / "model.int8.onnx.part").write_bytes(b"x")  # an unfinished download
    (tmp_path / "model.pt.part").write_bytes(b"x")
    assert forms_in(tmp_path) == ()
    (tmp_path / "onnx" / "tokens.txt").write_text("a 0\n")
    assert forms_in(tmp_path) == (ONNX_INT8,)
    (tmp_path / "am.mvn").write_text("")
    assert forms_in(tmp_path) == (ONNX_INT8, PYTORCH)
    top = tmp_path / "top"
    top.mkdir()
    (top / "model.int8.onnx").write_bytes(b"x")
    assert forms_in(top) == (ONNX_INT8,)


def test_the_cpu_build_runs_and_prefers_only_the_onnx_form(monkeypatch, tmp_path):
    monkeypatch.setattr(forms, "has_cuda", lambda: True)  # even on a machine with a GPU
    assert runnable_forms() == (ONNX_INT8, PYTORCH)  # the test venv is the full install
    assert preferred_form("auto") == PYTORCH
    cpu_build(monkeypatch)
    assert runnable_forms() == (ONNX_INT8,) and not can_run(PYTORCH)
    assert preferred_form("auto") == ONNX_INT8 and preferred_form("cuda") == ONNX_INT8
    with pytest.raises(ModelError) as caught:
        loader.load_engine(tmp_path / "nothing", device="cuda")
    assert "to fetch the int8 ONNX model" in str(caught.value) and "PyTorch" not in str(caught.value)


def test_a_blocked_package_counts_as_absent(monkeypatch):
    def blocked(name, *args):
        raise ModuleNotFoundError(name)  # what an import blocker (tests/test_torch_free.py) does

    monkeypatch.setattr(forms.importlib.util, "find_spec", blocked)
    assert runnable_forms() == ()


def test_preferred_form_follows_the_auto_backend(monkeypatch):
    monkeypatch.setattr(forms, "has_cuda", lambda: False)
    assert preferred_form("auto") == ONNX_INT8  # sherpa-onnx is installed in the test venv
    assert preferred_form("cpu") == ONNX_INT8
    assert preferred_form("cuda") == PYTORCH
    monkeypatch.setattr(forms, "has_cuda", lambda: True)
    assert preferred_form("auto") == PYTORCH
    assert preferred_form("cpu") == ONNX_INT8
    cpu_build(monkeypatch)  # the CPU flavour never gets the PyTorch model, even asked for cuda
    assert preferred_form("cuda") == ONNX_INT8 and preferred_form("auto") == ONNX_INT8
    monkeypatch.undo()
    monkeypatch.setattr(forms, "has_cuda", lambda: False)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",  # a build without sherpa-onnx
                        lambda name, *a: None if name == "sherpa_onnx" else real_find_spec(name, *a))
    assert preferred_form("cpu") == PYTORCH
