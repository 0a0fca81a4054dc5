"""Where the user's files go (store/paths.py): the environment can move data and configuration,
and the control socket's directory is used only when it is private to this user."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from dictate_app.store import paths


def test_the_environment_moves_data_and_config(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "d"))
    monkeypatch.setenv(paths.ENV_CONFIG_DIR, str(tmp_path / "c"))
    assert (paths.data_dir(), paths.config_dir()) == (tmp_path / "d", tmp_path / "c")


def test_without_the_environment_the_platform_dirs_are_used(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.ENV_DATA_DIR, raising=False)
    monkeypatch.delenv(paths.ENV_CONFIG_DIR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert paths.data_dir() == tmp_path / "share" / "dictate-app"
    assert paths.config_dir() == tmp_path / "config" / "dictate-app"


def test_a_private_dir_is_ours_closed_and_no_symlink(tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    assert paths.private_dir_problem(private) is None
    private.chmod(0o750)
    assert paths.private_dir_problem(private) == "other users may use it (mode 750)"
    (tmp_path / "file").write_text("")
    assert paths.private_dir_problem(tmp_path / "file") == "it is not a directory"
    (tmp_path / "link").symlink_to(private)
    assert paths.private_dir_problem(tmp_path / "link") == "it is not a directory"  # lstat: the link itself
    assert paths.private_dir_problem(tmp_path / "missing").startswith("it cannot be used (")


@pytest.fixture
def temp_root(monkeypatch, tmp_path) -> Path:
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def test_a_private_xdg_runtime_dir_is_used(monkeypatch, tmp_path, temp_root):
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    monkeypatch.setenv(paths.ENV_RUNTIME_DIR, str(run))
    assert paths.runtime_dir() == run
    assert list(temp_root.iterdir()) == []


def test_an_open_xdg_runtime_dir_gives_way_to_our_own_private_dir(monkeypatch, tmp_path, temp_root):
    run = tmp_path / "run"
    run.mkdir()
    run.chmod(0o777)
    monkeypatch.setenv(paths.ENV_RUNTIME_DIR, str(run))
    own = paths.runtime_dir()
    assert own == temp_root / f"dictate-app-{os.getuid()}"
    assert own.stat().st_mode & 0o777 == 0o700


def test_our_own_dir_made_open_is_closed_again(monkeypatch, temp_root):
    monkeypatch.delenv(paths.ENV_RUNTIME_DIR, raising=False)
    own = temp_root / f"dictate-app-{os.getuid()}"
    own.mkdir()
    own.chmod(0o755)
    assert paths.runtime_dir() == own and own.stat().st_mode & 0o777 == 0o700


def test_a_file_in_our_dirs_place_is_refused_with_the_fix(monkeypatch, temp_root):
    monkeypatch.delenv(paths.ENV_RUNTIME_DIR, raising=False)
    (temp_root / f"dictate-app-{os.getuid()}").write_text("")
    with pytest.raises(paths.RuntimeDirError, match="because it is not a directory: remove it, or set XDG_RUNTIME_DIR"):
        paths.runtime_dir()
