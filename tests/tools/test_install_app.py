"""tools/install-app.sh (the README's app command): the flavour it picks, and the launcher it puts on
PATH and in the desktop menu. The pip and apt steps are the README's own commands; here the
script's decisions and files are checked, with a stand-in for nvidia-smi and for the venv."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "tools" / "install-app.sh"


def run(*args: str, home, path_dirs=(), **env) -> subprocess.CompletedProcess:
    path = os.pathsep.join([*map(str, path_dirs), "/usr/bin", "/bin"])
    return subprocess.run(["sh", str(SCRIPT), *args], capture_output=True, text=True, timeout=60,
                          env={"HOME": str(home), "PATH": path, **env})


def fake_nvidia_smi(folder, listing: str):
    folder.mkdir(exist_ok=True)
    tool = folder / "nvidia-smi"
    tool.write_text(f"#!/bin/sh\nprintf '%s' '{listing}'\n")
    tool.chmod(0o755)
    return folder


def test_a_gpu_gets_the_full_flavour_and_no_gpu_the_cpu_one(tmp_path):
    assert run("plan", home=tmp_path).stdout.startswith("flavour: cpu because no NVIDIA GPU was found")
    gpu = fake_nvidia_smi(tmp_path / "gpu", "GPU 0: NVIDIA GeForce RTX 4070 (UUID: GPU-1)\n")
    assert run("plan", home=tmp_path, path_dirs=[gpu]).stdout.startswith("flavour: full because nvidia-smi lists a GPU")
    none = fake_nvidia_smi(tmp_path / "none", "No devices were found\n")  # a driver without a card
    assert run("plan", home=tmp_path, path_dirs=[none]).stdout.startswith("flavour: cpu")
    assert run("plan", home=tmp_path, path_dirs=[gpu], FLAVOUR="cpu").stdout.startswith("flavour: cpu chosen")
    bad = run("plan", home=tmp_path, FLAVOUR="gpu")
    assert bad.returncode == 2 and "FLAVOUR=gpu is not cpu or full" in bad.stderr


def test_the_launcher_puts_dictate_app_on_path_and_in_the_menu(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    exe = venv / "bin" / "dictate-app"
    exe.write_text("#!/bin/sh\necho dictate-app 0.1.0\n")  # stands in for the venv's entry point
    exe.chmod(0o755)
    home = tmp_path / "home"
    done = run("launcher", home=home, VENV=str(venv))
    assert done.returncode == 0, done.stderr
    launcher = home / ".local" / "bin" / "dictate-app"
    assert launcher.is_symlink() and launcher.resolve() == exe.resolve()
    assert f"note: {home / '.local' / 'bin'} is not on this shell's PATH yet" in done.stdout
    on_path = run("launcher", home=home, path_dirs=[home / ".local" / "bin"], VENV=str(venv))
    assert "note:" not in on_path.stdout  # idempotent, and quiet once the folder is on PATH
    found = subprocess.run(["dictate-app"], capture_output=True, text=True,
                           env={"PATH": f"{home / '.local' / 'bin'}:/usr/bin:/bin"})
    assert found.stdout == "dictate-app 0.1.0\n"
    entry = home / ".local" / "share" / "applications" / "dictate-app.desktop"
    assert f"Exec={launcher}\n" in entry.read_text() and "Name=Dictate\n" in entry.read_text()
    assert (home / ".local" / "share" / "icons" / "hicolor" / "256x256" / "apps" / "dictate-app.png").is_file()
    if shutil.which("desktop-file-validate"):
        assert subprocess.run(["desktop-file-validate", str(entry)], capture_output=True).returncode == 0


def test_the_launcher_without_a_venv_says_what_to_run(tmp_path):
    done = run("launcher", home=tmp_path, VENV=str(tmp_path / "missing"))
    assert done.returncode == 1 and "run sh tools/install-app.sh" in done.stderr


@pytest.mark.parametrize("word", ["install", "--help"])
def test_an_unknown_argument_prints_the_usage(tmp_path, word):
    done = run(word, home=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("usage: sh tools/install-app.sh [plan|launcher]")
