"""One model folder for every command, as the user runs them (subprocesses, no model loaded).

The folder chosen in the setup window or Settings (``model_dir`` in settings.ini) is what
``transcribe``, ``listen``, ``serve``, ``model verify|path|download|export-onnx`` and the tray app
use; ``--model`` (after the command, or before it) overrides it for one run; ``$DICTATE_MODEL_DIR``
comes after the setting; the store (under ``$DICTATE_DATA_DIR``) is last. Each test points the
choice at an empty folder and reads the folder named in the command's answer.
"""

from __future__ import annotations

import pytest

from dictate_app.cli import build_parser
from dictate_app.store.model_store import resolve_model_dir
from tests.engine.test_onnx_model_dir import sherpa_metadata, write_onnx, write_tokens


@pytest.fixture
def chosen(private_folders):
    """settings.ini naming an (empty) model folder, as the setup window's "Choose a folder" saves it."""
    folder = private_folders / "chosen model, with a comma"  # QSettings quotes such values
    folder.mkdir()
    config = private_folders / "config"
    config.mkdir()
    (config / "settings.ini").write_text(f'[dictate]\nmodel_dir="{folder}"\n', encoding="utf-8")
    return folder


def tiny_onnx_model(folder):
    write_onnx(folder / "onnx" / "model.int8.onnx", sherpa_metadata())
    write_tokens(folder / "onnx" / "tokens.txt")
    return folder


def no_model_here(folder) -> str:
    return f"error: there is no speech model in {folder} yet; run `dictate-app model download`"


def test_the_order_is_option_setting_environment_store(private_folders, monkeypatch):
    store = private_folders / "data" / "models" / "SenseVoiceSmall"
    assert resolve_model_dir() == resolve_model_dir(None, "") and resolve_model_dir().path == store
    assert resolve_model_dir().source == "store"
    monkeypatch.setenv("DICTATE_MODEL_DIR", "/env")
    assert (resolve_model_dir().path.as_posix(), resolve_model_dir().source) == ("/env", "environment")
    assert (resolve_model_dir(None, "/saved").path.as_posix(), resolve_model_dir(None, "/saved").source) == (
        "/saved", "setting")
    assert resolve_model_dir("/given", "/saved").path.as_posix() == "/given"


def test_model_path_prints_the_chosen_folder_and_why(cli, chosen, monkeypatch):
    monkeypatch.setenv("DICTATE_MODEL_DIR", str(chosen.parent / "env"))
    proc = cli("model", "path")
    assert proc.returncode == 0 and proc.stdout == f"{chosen}\n"
    assert "chosen by: the model_dir setting" in proc.stderr and "it holds: no model yet" in proc.stderr
    assert "DICTATE_MODEL_DIR" in proc.stderr and "is not used" in proc.stderr
    tiny_onnx_model(chosen.parent / "other")
    for argv in (("model", "path", "--model", chosen.parent / "other"), ("--model", chosen.parent / "other", "model", "path")):
        proc = cli(*argv)
        assert proc.stdout == f"{chosen.parent / 'other'}\n" and "chosen by: --model" in proc.stderr
        assert "it holds: the int8 ONNX model" in proc.stderr


def test_transcribe_uses_the_chosen_folder_and_model_overrides_it(cli, chosen, tmp_path):
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"")
    proc = cli("transcribe", wav)
    assert proc.returncode == 3 and proc.stderr.startswith(no_model_here(chosen)), proc.stderr
    for argv in (("transcribe", "--model", tmp_path / "other", wav), ("--model", tmp_path / "other", "transcribe", wav)):
        proc = cli(*argv)
        assert proc.returncode == 3 and proc.stderr.startswith(no_model_here(tmp_path / "other")), proc.stderr


def test_listen_checks_the_chosen_folder_before_it_records(cli, chosen):
    proc = cli("listen", "--seconds", "0.1")
    assert proc.returncode == 3 and proc.stderr.startswith(no_model_here(chosen)), proc.stderr
    assert "listening" not in proc.stderr


def test_serve_loads_the_chosen_folder(cli, chosen):
    proc = cli("serve", "--port", "0")
    assert proc.returncode == 3, proc.stderr
    assert f"loading the model from {chosen} ..." in proc.stderr and no_model_here(chosen) in proc.stderr


def test_model_verify_takes_the_folder_from_every_place(cli, chosen, tmp_path):
    proc = cli("model", "verify")
    assert proc.returncode == 3 and proc.stderr.startswith(no_model_here(chosen)), proc.stderr
    other = tiny_onnx_model(tmp_path / "other")  # the ONNX form inside onnx/ counts
    # --no-load: the tiny ONNX graph has valid metadata but is not a runnable SenseVoice.
    for argv in (("model", "verify", "--model", other, "--no-load"), ("--model", other, "model", "verify", "--no-load"),
                 ("model", "verify", other, "--no-load")):
        proc = cli(*argv)
        assert proc.returncode == 0 and proc.stdout.startswith("ok  onnx/model.int8.onnx"), (argv, proc.stderr)
    tiny_onnx_model(chosen)
    proc = cli("model", "verify", "--no-load")
    assert proc.returncode == 0 and proc.stdout.startswith("ok  onnx/model.int8.onnx"), proc.stderr


def test_model_download_fills_the_chosen_folder(cli, chosen):
    proc = cli("model", "download", "--base-url", "http://127.0.0.1:9/")  # nothing listens on port 9
    assert proc.returncode == 3
    # The form this install runs on a CPU (the int8 ONNX model), into the chosen folder's onnx/.
    assert "could not download model.int8.onnx" in proc.stderr and f"put them in {chosen / 'onnx'}," in proc.stderr
    assert "model.pt" not in proc.stderr


def test_model_export_onnx_reads_the_chosen_folder(cli, chosen):
    proc = cli("model", "export-onnx")
    assert proc.returncode == 3 and str(chosen) in proc.stderr, proc.stderr


def test_the_tray_app_uses_the_same_resolution(chosen, monkeypatch):
    from dictate_app.app.settings_store import saved_settings
    from dataclasses import replace

    from dictate_app.commands.app import model_choice, overrides

    saved = saved_settings()
    assert saved.model_dir == str(chosen)  # read back exactly, comma and all
    monkeypatch.setenv("DICTATE_MODEL_DIR", "/env")
    for argv, folder in (([], str(chosen)), (["--model", "/m"], "/m")):
        assert model_choice(replace(saved, **overrides(build_parser().parse_args(argv))))[0] == folder
