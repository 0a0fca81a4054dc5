"""`dictate-app model verify|download|path`: as subprocesses (slow), and in-process for the CPU build."""

import shutil
import socket
import time

import pytest

from tests.conftest import FIXTURE_MODEL

from dictate_app.cli import main
from tests.engine.test_onnx_model_dir import sherpa_metadata, write_onnx, write_tokens
from tests.app.test_first_run import cpu_build


@pytest.mark.slow
def test_verify_a_valid_custom_model(cli, tiny_model_dir):
    proc = cli("model", "verify", tiny_model_dir)
    assert proc.returncode == 0, proc.stderr
    assert "loads strictly: all tensors match (funasr, cpu)" in proc.stdout
    assert "a valid SenseVoice model, but not the published SenseVoiceSmall files" in proc.stdout
    assert "--  model.pt  (" in proc.stdout


@pytest.mark.slow
def test_verify_a_broken_model_exits_3(cli, tiny_model_dir, tmp_path):
    broken = shutil.copytree(tiny_model_dir, tmp_path / "m")
    (broken / "am.mvn").unlink()
    proc = cli("model", "verify", broken)
    assert proc.returncode == 3
    assert "missing am.mvn" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_download_offline_fails_within_seconds_and_lists_the_files(cli, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    proc = cli("model", "download", "--format", "pytorch", "--dir", tmp_path / "m", "--base-url", f"http://127.0.0.1:{port}/")
    assert time.monotonic() - started < 15
    assert proc.returncode == 3
    assert "could not download model.pt" in proc.stderr
    assert "config.yaml, configuration.json, model.pt, chn_jpn_yue_eng_ko_spectok.bpe.model, am.mvn" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_path_prints_the_store(cli, tmp_path):
    proc = cli("model", "path", env={"DICTATE_MODEL_DIR": str(tmp_path)})
    assert proc.stdout.strip() == str(tmp_path)


@pytest.mark.slow
def test_help_and_version(cli):
    assert "transcribe" in cli("--help").stdout
    assert cli("--version").stdout.startswith("dictate-app ")


def test_the_cpu_build_verifies_the_onnx_form_and_skips_the_pytorch_one(tmp_path, monkeypatch, capsys):
    cpu_build(monkeypatch)
    both = shutil.copytree(FIXTURE_MODEL, tmp_path / "both")
    assert main(["model", "verify", str(both), "--no-load"]) == 3  # only the PyTorch form: that is the error
    err = capsys.readouterr().err
    assert "holds the PyTorch model, which needs funasr, but this Dictate has no torch or funasr" in err
    assert "run `dictate-app model download` to fetch the int8 ONNX model" in err
    write_onnx(both / "onnx" / "model.int8.onnx", sherpa_metadata())
    write_tokens(both / "onnx" / "tokens.txt")
    assert main(["model", "verify", str(both), "--no-load"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "ok  onnx/model.int8.onnx  (SenseVoice metadata and tokens match)"
    assert out[1].startswith("--  skipped the PyTorch model for funasr") and out[1].endswith("this install cannot run it")
    assert len(out) == 2  # the funasr files were not checked, nor loaded


def test_the_cpu_build_downloads_the_onnx_form_by_default(tmp_path, monkeypatch, capsys):
    cpu_build(monkeypatch)
    assert main(["model", "download", "--base-url", "http://127.0.0.1:9/", "--model", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert "could not download model.int8.onnx" in err and f"put them in {tmp_path / 'onnx'}," in err
    assert "model.pt" not in err and "note:" not in err
    # Asked for the PyTorch model explicitly, it says that it cannot run it (and still fetches it).
    assert main(["model", "download", "--format", "pytorch", "--base-url", "http://127.0.0.1:9/",
                 "--dir", str(tmp_path / "pt")]) == 3
    assert capsys.readouterr().err.startswith("note: this Dictate cannot run the PyTorch model")
