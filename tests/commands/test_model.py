"""`dictate-app model verify|download|path` as subprocesses."""

import shutil
import socket
import time

import pytest

pytestmark = pytest.mark.slow


def test_verify_a_valid_custom_model(cli, tiny_model_dir):
    proc = cli("model", "verify", tiny_model_dir)
    assert proc.returncode == 0, proc.stderr
    assert "loads strictly: all tensors match (funasr, cpu)" in proc.stdout
    assert "a valid SenseVoice model, but not the published SenseVoiceSmall files" in proc.stdout
    assert "--  model.pt  (" in proc.stdout


def test_verify_a_broken_model_exits_3(cli, tiny_model_dir, tmp_path):
    broken = shutil.copytree(tiny_model_dir, tmp_path / "m")
    (broken / "am.mvn").unlink()
    proc = cli("model", "verify", broken)
    assert proc.returncode == 3
    assert "missing am.mvn" in proc.stderr and "Traceback" not in proc.stderr


def test_download_offline_fails_within_seconds_and_lists_the_files(cli, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    proc = cli("model", "download", "--dir", tmp_path / "m", "--base-url", f"http://127.0.0.1:{port}/")
    assert time.monotonic() - started < 15
    assert proc.returncode == 3
    assert "could not download model.pt" in proc.stderr
    assert "config.yaml, configuration.json, model.pt, chn_jpn_yue_eng_ko_spectok.bpe.model, am.mvn" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_path_prints_the_store(cli, tmp_path):
    proc = cli("model", "path", env={"DICTATE_MODEL_DIR": str(tmp_path)})
    assert proc.stdout.strip() == str(tmp_path)


def test_help_and_version(cli):
    assert "transcribe" in cli("--help").stdout
    assert cli("--version").stdout.startswith("dictate-app ")
