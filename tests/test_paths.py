"""Where the user's files go: the environment moves them, and the control socket's directory must be
private to this user."""

import os
import tempfile

import pytest

from dictate_app import paths


def test_the_environment_moves_data_and_config(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "data"))
    monkeypatch.setenv(paths.ENV_CONFIG_DIR, str(tmp_path / "config"))
    assert (paths.data_dir(), paths.config_dir()) == (tmp_path / "data", tmp_path / "config")


def test_a_private_dir_is_ours_closed_and_a_directory(tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    assert paths.private_dir_problem(private) is None
    os.chmod(private, 0o755)
    assert "other users may use it" in paths.private_dir_problem(private)
    (tmp_path / "file").write_text("")
    assert paths.private_dir_problem(tmp_path / "file") == "it is not a directory"
    assert "cannot be used" in paths.private_dir_problem(tmp_path / "missing")


@pytest.mark.skipif(os.name != "posix", reason="the control socket's directory is a Unix matter")
def test_an_open_xdg_runtime_dir_is_passed_over_for_our_own(monkeypatch, tmp_path):
    xdg = tmp_path / "xdg"
    xdg.mkdir(mode=0o777)
    os.chmod(xdg, 0o777)
    monkeypatch.setenv(paths.ENV_RUNTIME_DIR, str(xdg))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    own = paths.runtime_dir()
    assert own == tmp_path / f"{paths.APP_NAME}-{os.getuid()}"
    assert paths.private_dir_problem(own) is None
    os.chmod(xdg, 0o700)
    assert paths.runtime_dir() == xdg
