"""Fixtures shared by every test tier.

Models: ``tiny_model_dir`` is a randomly initialised SenseVoice in the real format (fast load
tests: structure, errors, plumbing); ``fixture_model_dir`` is the miniature SenseVoice trained on
synthetic speech (``tests/fixtures/mini-sensevoice``), the one end-to-end tests assert real words
with. Both load through the app's own engine code, and funasr is imported once per session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURE_MODEL = REPO / "tests" / "fixtures" / "mini-sensevoice"


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    from tools.minisv.modeldir import build_random_model_dir

    return build_random_model_dir(tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture(scope="session")
def tiny_engine(tiny_model_dir):
    from dictate_app.engine.loader import load_engine

    return load_engine(tiny_model_dir, device="cpu")


@pytest.fixture(scope="session")
def fixture_model_dir() -> Path:
    if not (FIXTURE_MODEL / "model.pt").is_file():
        pytest.fail(f"the trained fixture model is missing from {FIXTURE_MODEL}; see its README to rebuild it")
    return FIXTURE_MODEL


@pytest.fixture(scope="session")
def fixture_engine(fixture_model_dir):
    from dictate_app.engine.loader import load_engine

    return load_engine(fixture_model_dir, device="cpu")


@pytest.fixture(scope="session")
def fixture_onnx_dir(fixture_model_dir, tmp_path_factory) -> Path:
    """The fixture model exported by the real command (`dictate-app model export-onnx --fp32`):
    model.int8.onnx, model.onnx and tokens.txt (about a minute, once per session)."""
    out = tmp_path_factory.mktemp("fixture-onnx")
    proc = run_cli("model", "export-onnx", fixture_model_dir, "--out", out, "--fp32", timeout=900)
    assert proc.returncode == 0, proc.stderr
    assert f"ONNX model written to {out}" in proc.stdout
    return out


def run_cli(*args: str, env: dict | None = None, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """Run ``python -m dictate_app ARGS`` as the user would, capturing text output."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "dictate_app", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env=full_env, cwd=REPO, **kwargs,
    )


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def fake_llm():
    """An OpenAI-compatible language-model server on loopback (testkit/fake_llm.py), behaviour "ok";
    ``fake_llm.set("slow", delay_s=2)`` changes it, ``fake_llm.requests`` holds what it received."""
    from testkit.fake_llm import FakeLlm

    with FakeLlm() as server:
        yield server
