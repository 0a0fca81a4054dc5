"""The speech engine: SenseVoice through funasr, Qt-free.

Public surface: :class:`Transcript` (the result), :func:`parse_tagged` (tags to fields) and
:func:`load_engine` (model directory to a ready engine). Heavy imports (torch, funasr) happen only
inside the backend modules, so importing this package is cheap.
"""

from dictate_app.engine.result import Timings, Transcript
from dictate_app.engine.tags import parse_tagged

__all__ = ["Timings", "Transcript", "parse_tagged"]
