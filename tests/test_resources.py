"""Where the package data is (dictate_app/resources.py): beside the package in a checkout or an
install, under the extraction directory in a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import dictate_app
from dictate_app.resources import resource_dir


def test_the_data_is_beside_the_package():
    here = Path(dictate_app.__file__).resolve().parent / "data"
    assert resource_dir("sounds") == here / "sounds"
    assert (resource_dir("sounds") / "start.wav").is_file()
    assert (resource_dir("vad") / "silero_vad.onnx").is_file()


def test_a_frozen_bundle_finds_it_under_its_extraction_directory(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_dir("vad") == tmp_path / "dictate_app" / "data" / "vad"
