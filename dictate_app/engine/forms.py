"""The two forms SenseVoiceSmall comes in, which of them a folder holds, and which this install runs.

- ``onnx-int8``: sherpa-onnx's int8 conversion, ``model.int8.onnx`` + ``tokens.txt`` (240 MB), at
  the folder's top or in its ``onnx/`` subfolder; run by sherpa-onnx on the CPU, no PyTorch.
- ``pytorch``: the funasr directory (``config.yaml``, ``model.pt``... 940 MB) at the folder's top;
  run by funasr and PyTorch (the full install; a GPU).

Every message about a missing or unusable model names the form *this* install can run, so the CPU
flavour (no torch, no funasr) never sends anyone to the 940 MB download it cannot use. Looking is
cheap: file names only, and installed packages are looked up, never imported (torch only to ask for
a GPU, and only where an NVIDIA driver is installed: :func:`has_cuda`).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from dictate_app.engine.modeldir import MODEL_FILES
from dictate_app.engine.onnxdir import INT8_FILE, ONNX_SUBDIR, TOKENS_FILE

ONNX_INT8 = "onnx-int8"
PYTORCH = "pytorch"
FORMS = (ONNX_INT8, PYTORCH)
# For sentences: "... to fetch the int8 ONNX model (240 MB)".
FORM_NAMES = {
    ONNX_INT8: "the int8 ONNX model (model.int8.onnx and tokens.txt, 240 MB)",
    PYTORCH: "the PyTorch model for funasr (config.yaml, model.pt and three more files, 940 MB)",
}


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a broken or blocked installation counts as absent
        return False


# The packages each form needs; looked up only when that form is asked about, so the CPU
# flavour's everyday paths never even look for torch.
NEEDS = {ONNX_INT8: ("sherpa_onnx",), PYTORCH: ("torch", "funasr")}


def can_run(form: str) -> bool:
    """True when this install has what ``form`` needs (sherpa-onnx; torch and funasr)."""
    return all(_installed(name) for name in NEEDS[form])


def runnable_forms() -> tuple[str, ...]:
    """The forms this install can run (the CPU flavour: only ``onnx-int8``)."""
    return tuple(form for form in FORMS if can_run(form))


def gpu_wanted(device: str) -> bool:
    """True when ``device`` asks for (``cuda``) or will get (``auto`` with a GPU) the GPU, which
    only the funasr backend uses."""
    return device == "cuda" or (device == "auto" and has_cuda())


def has_cuda() -> bool:
    """True when torch sees a GPU. Without an NVIDIA driver on the machine torch is not even
    imported (2 s), so a CPU-only start with the ONNX model never pays for torch."""
    driver = Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None
    if not driver or os.environ.get("CUDA_VISIBLE_DEVICES") == "":
        return False
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def preferred_form(device: str = "auto") -> str:
    """The form this install should download for ``device``: what ``backend="auto"`` then loads.

    funasr on a CUDA GPU, else the int8 ONNX model (1.7x faster on a CPU, a third of the memory);
    a build that lacks one of them gets the other.
    """
    if gpu_wanted(device) and can_run(PYTORCH):
        return PYTORCH
    return ONNX_INT8 if can_run(ONNX_INT8) or not can_run(PYTORCH) else PYTORCH


def forms_in(model_dir: str | Path) -> tuple[str, ...]:
    """The forms of which ``model_dir`` holds at least one file (complete or not; ``.part``
    files of an unfinished download and empty folders do not count)."""
    path = Path(model_dir).expanduser()
    if not path.is_dir():
        return ()
    forms = []
    if any((folder / name).is_file() for folder in (path, path / ONNX_SUBDIR) for name in (INT8_FILE, TOKENS_FILE)):
        forms.append(ONNX_INT8)
    if any((path / name).is_file() for name in MODEL_FILES):
        forms.append(PYTORCH)
    return tuple(forms)


def download_hint(device: str = "auto") -> str:
    """``run `dictate-app model download` to fetch <the form this install runs>``."""
    return f"run `dictate-app model download` to fetch {FORM_NAMES[preferred_form(device)]}"


def no_model_message(model_dir: str | Path, device: str = "auto") -> str:
    """The sentence for a folder without any model file (missing, empty, or only an unfinished
    download): the first run, not a fault."""
    path = Path(model_dir).expanduser()
    return (f"there is no speech model in {path} yet; {download_hint(device)}, "
            "or choose a folder that holds one (--model DIR, or the model_dir setting)")


def unrunnable_message(model_dir: str | Path) -> str:
    """The sentence for a folder that holds only a form this install cannot run."""
    path = Path(model_dir).expanduser()
    if not can_run(PYTORCH):
        missing = [name for name in NEEDS[PYTORCH] if not _installed(name)]
        return (f"{path} holds the PyTorch model, which needs funasr, but this Dictate has no "
                f"{' or '.join(missing)} (the CPU build); run `dictate-app model download` to fetch "
                f"{FORM_NAMES[ONNX_INT8]} it runs")
    return (f"{path} holds the int8 ONNX model, which needs sherpa-onnx; install it with "
            "`pip install --no-deps -r requirements/app.txt`, or run `dictate-app model download "
            f"--format {PYTORCH}`")
