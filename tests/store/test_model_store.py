"""Model store: default location, resumable verified downloads, offline failure, file checks."""

import time

import pytest

from dictate_app.errors import ModelError
from dictate_app.store import model_store
from dictate_app.store.model_store import FileSpec, check_files, default_model_dir, download_model
from tests.store.http_files import RangeHandler, closed_port, serve_files


@pytest.fixture
def served(tmp_path):
    files = {"model.pt": bytes(range(256)) * 4000, "config.yaml": b"model: SenseVoiceSmall\n"}
    with serve_files(tmp_path / "remote", files) as (url, manifest):
        yield url, manifest, files


def test_default_dir_is_in_user_data_and_env_overrides(monkeypatch, tmp_path):
    monkeypatch.delenv(model_store.ENV_MODEL_DIR, raising=False)
    assert default_model_dir().parts[-3:] == ("dictate-app", "models", "SenseVoiceSmall")
    monkeypatch.setenv(model_store.ENV_MODEL_DIR, str(tmp_path / "m"))
    assert default_model_dir() == tmp_path / "m"


def test_download_verifies_and_reports_progress(served, tmp_path):
    url, manifest, files = served
    seen = []
    dest = download_model(tmp_path / "dl", base_url=url, manifest=manifest,
                          progress=lambda name, done, total: seen.append((name, done, total)))
    for name, data in files.items():
        assert (dest / name).read_bytes() == data
    assert all(check.ok for check in check_files(dest, manifest))
    assert seen[-1] == ("config.yaml", len(files["config.yaml"]), len(files["config.yaml"]))
    assert not list(dest.glob("*.part"))


def test_download_resumes_a_partial_file(served, tmp_path):
    url, manifest, files = served
    dest = tmp_path / "dl"
    dest.mkdir()
    half = len(files["model.pt"]) // 2
    (dest / "model.pt.part").write_bytes(files["model.pt"][:half])
    download_model(dest, base_url=url, manifest=manifest)
    assert (dest / "model.pt").read_bytes() == files["model.pt"]
    # Only the missing half of model.pt (plus config.yaml) went over the wire.
    assert RangeHandler.sent_bytes == len(files["model.pt"]) - half + len(files["config.yaml"])


def test_a_file_with_the_wrong_checksum_is_deleted_and_reported(served, tmp_path):
    url, manifest, _ = served
    bad = (FileSpec("model.pt", manifest[0].size, "0" * 64),)
    with pytest.raises(ModelError, match="does not match the published file"):
        download_model(tmp_path / "dl", base_url=url, manifest=bad)
    assert not (tmp_path / "dl" / "model.pt").exists()
    assert not (tmp_path / "dl" / "model.pt.part").exists()


def test_unreachable_source_fails_fast_with_manual_instructions(tmp_path):
    started = time.monotonic()
    with pytest.raises(ModelError) as info:
        download_model(tmp_path / "dl", base_url=f"http://127.0.0.1:{closed_port()}/")
    assert time.monotonic() - started < 5
    message = str(info.value)
    assert "could not download model.pt" in message
    for name in ("config.yaml", "configuration.json", "model.pt", "am.mvn", "chn_jpn_yue_eng_ko_spectok.bpe.model"):
        assert name in message
    assert "dictate-app model verify" in message


def test_check_files_names_each_problem(tmp_path, served):
    _, manifest, files = served
    (tmp_path / "model.pt").write_bytes(files["model.pt"][:-1] + b"x")
    checks = {c.name: c for c in check_files(tmp_path, manifest)}
    assert checks["model.pt"].problem == "checksum differs from the published file"
    assert checks["config.yaml"].problem == "missing"
