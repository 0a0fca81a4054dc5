"""Dictate: offline push-to-talk dictation with SenseVoice."""
__version__ = "0.1.0"
