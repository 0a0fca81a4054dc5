"""Import only the parts of funasr that SenseVoice needs, quietly.

``import funasr`` runs ``import_submodules("funasr")``: about 430 modules and 57 model families,
5-11 s, and it prints notices to stdout (which would corrupt ``--json`` output). SenseVoice needs
three modules: the model, the wav frontend and the SentencePiece tokenizer. We put a bare package
entry for ``funasr`` in ``sys.modules`` so that importing those three does not run the package's
``__init__``; their own imports (the registry, utilities) resolve normally. If that fails for any
reason, we fall back to the full import, which is slower but equivalent.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import logging
import sys
import types

log = logging.getLogger(__name__)

SENSEVOICE_MODULES = (
    "funasr.models.sense_voice.model",
    "funasr.frontends.wav_frontend",
    "funasr.tokenizer.sentencepiece_tokenizer",
)


@contextlib.contextmanager
def quiet_stdout():
    """Send anything printed to stdout to the debug log instead (funasr prints notices)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        yield
    text = buffer.getvalue().strip()
    if text:
        log.debug("funasr printed: %s", text)


def _targeted_import() -> None:
    if "funasr" not in sys.modules:
        spec = importlib.util.find_spec("funasr")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("funasr is not installed")
        package = types.ModuleType("funasr")
        package.__path__ = list(spec.submodule_search_locations)
        package.__file__ = spec.origin
        package.__package__ = "funasr"
        package.__spec__ = spec
        sys.modules["funasr"] = package
    for name in SENSEVOICE_MODULES:
        importlib.import_module(name)


def sensevoice_tables():
    """funasr's class registry with SenseVoice's model, frontend and tokenizer registered."""
    with quiet_stdout():
        try:
            _targeted_import()
        except Exception as exc:  # any surprise in funasr's layout: take the slow, full import
            log.warning("targeted funasr import failed (%s); importing all of funasr", exc)
            for name in [m for m in sys.modules if m == "funasr" or m.startswith("funasr.")]:
                del sys.modules[name]
            importlib.import_module("funasr")
            for name in SENSEVOICE_MODULES:
                importlib.import_module(name)
    # funasr's modules log at INFO through the root logger; keep them to warnings.
    logging.getLogger("funasr").setLevel(logging.WARNING)
    from funasr.register import tables

    return tables
