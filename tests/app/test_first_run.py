"""First-run setup without Qt: which directories need setting up, which format this install
downloads, a plan's download (progress, cancel with a resumable .part, verification), disk space."""

from __future__ import annotations

import importlib.util
import shutil
import threading
from types import SimpleNamespace

import pytest

from dictate_app.app import first_run
from dictate_app.app.first_run import (
    ONNX_INT8, PYTORCH, DownloadCancelled, Progress, download_plan, model_problem,
)
from dictate_app.engine import forms, loader
from dictate_app.errors import ModelError
from dictate_app.store import model_store
from tests.conftest import FIXTURE_MODEL
from tests.engine.test_onnx_model_dir import sherpa_metadata, write_onnx, write_tokens
from tests.store.http_files import RangeHandler, serve_files


def onnx_files(tmp_path, weights: int = 40_000) -> dict[str, bytes]:
    """A small ONNX model in sherpa-onnx's layout (valid metadata and tokens), as bytes to serve."""
    model = write_onnx(tmp_path / "src" / "model.int8.onnx", sherpa_metadata(), weights=weights)
    tokens = write_tokens(tmp_path / "src" / "tokens.txt")
    return {"model.int8.onnx": model.read_bytes(), "tokens.txt": tokens.read_bytes()}


@pytest.fixture
def served_onnx(tmp_path):
    with serve_files(tmp_path / "remote", onnx_files(tmp_path)) as (url, manifest):
        yield url, manifest


def test_model_problem_accepts_either_layout_and_names_what_is_wrong(tmp_path):
    assert model_problem(FIXTURE_MODEL) is None  # the funasr layout
    assert model_problem(tmp_path / "nowhere") == f"there is no speech model in {tmp_path / 'nowhere'} yet"
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a model")
    assert model_problem(empty) == f"there is no speech model in {empty} yet"
    (empty / "config.yaml").write_text("model: SenseVoiceSmall\n")
    assert model_problem(empty).startswith(f"the model in {empty} is unusable: missing configuration.json")
    onnx_dir = tmp_path / "onnx-only"
    write_onnx(onnx_dir / "onnx" / "model.int8.onnx", sherpa_metadata())
    write_tokens(onnx_dir / "onnx" / "tokens.txt")
    assert model_problem(onnx_dir) is None  # the int8 ONNX layout (model download --format onnx-int8)
    write_tokens(onnx_dir / "onnx" / "tokens.txt", count=3)
    assert "lists 3 tokens but the model has 12" in model_problem(onnx_dir)  # the ONNX problem, not "missing config.yaml"
    top = tmp_path / "onnx-at-top"  # sherpa-onnx's own download: the two files at the folder's top
    write_onnx(top / "model.int8.onnx", sherpa_metadata())
    write_tokens(top / "tokens.txt")
    assert model_problem(top) is None


def test_what_a_failed_download_leaves_is_still_no_model_yet(tmp_path, monkeypatch):
    """.part files and an empty onnx/ do not turn "no model yet" into a list of PyTorch files."""
    monkeypatch.setattr(forms, "has_cuda", lambda: False)
    folder = tmp_path / "SenseVoiceSmall"
    (folder / "onnx").mkdir(parents=True)
    (folder / "onnx" / "model.int8.onnx.part").write_bytes(b"\0" * 1000)
    (folder / "config.yaml.part").write_bytes(b"model")
    assert model_problem(folder) == f"there is no speech model in {folder} yet"
    fresh = tmp_path / "fresh" / "SenseVoiceSmall"  # what a first start sees: the same sentence
    assert model_problem(folder).replace(str(folder), "DIR") == model_problem(fresh).replace(str(fresh), "DIR")
    # The command line says the same, with the form this install runs to fetch.
    with pytest.raises(ModelError) as caught:
        loader.load_engine(folder, device="cpu")
    assert str(caught.value) == (
        f"there is no speech model in {folder} yet; run `dictate-app model download` to fetch the int8 ONNX "
        "model (model.int8.onnx and tokens.txt, 240 MB), or choose a folder that holds one (--model DIR, or "
        "the model_dir setting)")


def cpu_build(monkeypatch):
    """torch and funasr not installed, as in the CPU flavour (requirements/cpu.txt)."""
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("torch", "funasr") else real_find_spec(name, *a))


def test_a_funasr_folder_is_a_problem_for_the_cpu_build(monkeypatch, tmp_path):
    cpu_build(monkeypatch)
    assert model_problem(FIXTURE_MODEL) == (
        f"{FIXTURE_MODEL} holds the PyTorch model, which needs funasr, but this Dictate has no torch or funasr "
        "(the CPU build); run `dictate-app model download` to fetch the int8 ONNX model (model.int8.onnx and "
        "tokens.txt, 240 MB) it runs")
    # Both forms in one folder: the CPU build runs the ONNX one and is content.
    both = shutil.copytree(FIXTURE_MODEL, tmp_path / "both")
    write_onnx(both / "onnx" / "model.int8.onnx", sherpa_metadata())
    write_tokens(both / "onnx" / "tokens.txt")
    assert model_problem(both) is None


def test_plans_match_model_download(tmp_path):
    onnx = download_plan(ONNX_INT8, tmp_path)
    assert (onnx.dest, onnx.manifest, onnx.source) == (tmp_path / "onnx", model_store.SHERPA_SENSEVOICE_INT8, "huggingface")
    assert round(onnx.total_bytes / 1e6) == 240
    torch = download_plan(PYTORCH, tmp_path)
    assert (torch.dest, torch.manifest, torch.source) == (tmp_path, model_store.SENSEVOICE_SMALL, "modelscope")
    assert round(torch.total_bytes / 1e6) == 937
    with pytest.raises(ModelError, match="unknown model format 'gguf'"):
        download_plan("gguf", tmp_path)


def test_run_downloads_verifies_and_reports_progress(served_onnx, tmp_path, monkeypatch):
    monkeypatch.setattr(model_store, "CHUNK", 16 * 1024)  # several blocks per file
    url, manifest = served_onnx
    plan = download_plan(ONNX_INT8, tmp_path / "models", base_url=url, manifest=manifest)
    seen = []
    assert plan.run(progress=lambda *a: seen.append(a)) == tmp_path / "models"
    assert all(check.ok for check in model_store.check_files(plan.dest, manifest))
    assert model_problem(plan.model_dir) is None
    model_size = manifest[0].size
    assert len([s for s in seen if s[0] == "model.int8.onnx"]) >= 5
    assert seen[-1] == ("tokens.txt", manifest[1].size, manifest[1].size)
    progress = Progress(manifest)
    for event in seen:
        progress.update(*event)
    assert (progress.overall_done, progress.overall_total) == (plan.total_bytes, plan.total_bytes)
    assert progress.done["model.int8.onnx"] == model_size


def test_cancel_keeps_a_part_file_that_the_next_run_resumes(served_onnx, tmp_path, monkeypatch):
    monkeypatch.setattr(model_store, "CHUNK", 16 * 1024)
    url, manifest = served_onnx
    plan = download_plan(ONNX_INT8, tmp_path / "models", base_url=url, manifest=manifest)
    cancel = threading.Event()

    def progress(name, done, total):
        if done >= 48 * 1024:
            cancel.set()  # the user presses Cancel: the next block stops the download

    with pytest.raises(DownloadCancelled):
        plan.run(progress=progress, cancel=cancel)
    part = plan.dest / "model.int8.onnx.part"
    kept = part.stat().st_size
    assert 48 * 1024 <= kept < manifest[0].size and not (plan.dest / "model.int8.onnx").exists()
    assert plan.bytes_to_fetch() == plan.total_bytes - kept
    RangeHandler.requests.clear()
    plan.run()
    assert RangeHandler.requests == [("/model.int8.onnx", kept), ("/tokens.txt", 0)]  # resumed, not restarted
    assert not part.exists() and model_problem(plan.model_dir) is None


def test_not_enough_disk_space_is_said_before_downloading(served_onnx, tmp_path, monkeypatch):
    url, manifest = served_onnx
    plan = download_plan(ONNX_INT8, tmp_path / "not" / "yet" / "made", base_url=url, manifest=manifest)
    probed = []

    def disk_usage(path):
        probed.append(path)
        return SimpleNamespace(total=10**9, used=10**9 - 1000, free=1000)

    monkeypatch.setattr(shutil, "disk_usage", disk_usage)
    with pytest.raises(ModelError, match=r"not enough disk space for the model in .*: it needs 0.2 MB more "
                                         r"and only 0.0 MB is free; free some space and download again"):
        plan.run()
    assert probed == [tmp_path] and RangeHandler.requests == []  # nothing fetched, nothing created
    assert not (tmp_path / "not").exists()


def test_a_checksum_mismatch_is_reported_and_the_file_deleted(served_onnx, tmp_path):
    url, manifest = served_onnx
    bad = (model_store.FileSpec("model.int8.onnx", manifest[0].size, "0" * 64), manifest[1])
    plan = download_plan(ONNX_INT8, tmp_path / "models", base_url=url, manifest=bad)
    with pytest.raises(ModelError, match="model.int8.onnx downloaded from .* does not match the published file"):
        plan.run()
    assert not list(plan.dest.glob("model.int8.onnx*"))
