"""Errors that speak to the user.

Every exception the user can see derives from :class:`DictateError`: its message is one sentence
saying what happened and what to do. The CLI prints it without a traceback and exits with
``exit_code``; the tray app shows it as a notification.
"""

from __future__ import annotations


class DictateError(Exception):
    """An error with a message meant for the user (what happened, what to do)."""

    exit_code = 1


class BadAudioError(DictateError):
    """Audio input that cannot be transcribed: missing, unreadable, empty, too short, NaN."""

    exit_code = 2


class ModelError(DictateError):
    """The model directory is missing, incomplete, corrupt or of the wrong shape."""

    exit_code = 3


class MicrophoneError(DictateError):
    """No usable microphone, or no audio library."""

    exit_code = 4


class VadError(DictateError):
    """Silero VAD cannot run: its model file or its runtime (onnxruntime) is missing or failed.
    (Here, not in audio/vad.py, because audio/silero_runtime.py raises it too.)"""
