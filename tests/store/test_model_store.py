"""Model store: default location, resumable verified downloads, offline failure, file checks, and
a server that sends more (or less) than the pinned size."""

import time

import pytest

from dictate_app.errors import ModelError
from dictate_app.store import model_store
from dictate_app.store.model_store import FileSpec, check_files, default_model_dir, download_model
from tests.store.http_files import RangeHandler, closed_port, manifest_of, serve_files


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


def _watch_part(part):
    """A progress callback that records the .part file's size after every block written."""
    sizes = []

    def progress(name, done, total):
        sizes.append(part.stat().st_size)

    return progress, sizes


def test_an_endless_body_is_cut_at_the_pinned_size(tmp_path):
    """A server that keeps sending after the file (no Content-Length, 64 MB more): the download
    stops at the pinned size with an error, the .part never grows past it and is deleted, and the
    client hangs up instead of reading until the server stops."""
    files = {"model.pt": bytes(range(256)) * 4000}
    with serve_files(tmp_path / "remote", files) as (url, manifest):
        RangeHandler.trailing_bytes = 64 << 20
        RangeHandler.announce_length = False
        progress, sizes = _watch_part(tmp_path / "dl" / "model.pt.part")
        with pytest.raises(ModelError) as info:
            download_model(tmp_path / "dl", base_url=url, manifest=manifest, progress=progress)
    size = len(files["model.pt"])
    assert str(info.value).startswith(f"{url} sent more than the published {size:,} bytes of model.pt, so the "
                                      "download was stopped there; try again from the other source, or to "
                                      "install by hand, download the files model.pt")
    assert sizes and max(sizes) == size
    assert list((tmp_path / "dl").iterdir()) == []
    print(f"server wrote {RangeHandler.sent_bytes / 1e6:.1f} MB for a {size / 1e6:.1f} MB file")
    assert RangeHandler.sent_bytes < 32 << 20  # socket buffers at most, not the 64 MB on offer


def test_an_announced_oversize_body_is_refused_before_reading(served, tmp_path):
    url, manifest, files = served
    RangeHandler.trailing_bytes = 1000  # Content-Length says file + 1000
    with pytest.raises(ModelError, match="sent more than the published 1,024,000 bytes of model.pt"):
        download_model(tmp_path / "dl", base_url=url, manifest=manifest, progress=lambda *a: pytest.fail("read"))
    assert list((tmp_path / "dl").iterdir()) == []


def test_a_short_body_keeps_the_part_and_the_next_download_resumes(tmp_path):
    full = bytes(range(256)) * 4000
    manifest = manifest_of({"model.pt": full})
    dest = tmp_path / "dl"
    with serve_files(tmp_path / "short", {"model.pt": full[:300_000]}) as (url, _):
        with pytest.raises(ModelError) as info:
            download_model(dest, base_url=url, manifest=manifest)
    assert str(info.value) == (f"the download of model.pt from {url} stopped at 300,000 of 1,024,000 bytes; "
                               "run it again to resume where it stopped")
    assert (dest / "model.pt.part").read_bytes() == full[:300_000]
    with serve_files(tmp_path / "full", {"model.pt": full}) as (url, _):
        download_model(dest, base_url=url, manifest=manifest)
        assert RangeHandler.requests == [("/model.pt", 300_000)]
    assert (dest / "model.pt").read_bytes() == full


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
