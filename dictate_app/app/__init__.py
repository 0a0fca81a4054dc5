"""The Qt shell of the tray app: coordinator, ASR worker thread, hotkey bridge, tray, popup.

Decisions live in :mod:`dictate_app.lifecycle` (pure); this package only wires them to Qt, the
microphone, the model worker and the insertion backends. Module map:

- ``coordinator``: executes the lifecycle's actions; the one place events enter.
- ``worker``: model loading, speech trimming and transcription on a QThread.
- ``hotkey``: a desktop's hotkey source -> queued Qt signals, one press and release per hold.
- ``tray``, ``icons``: tray icon, tooltip and menu; state icons drawn at run time.
- ``popup``, ``popup_text``: the focus-less popup and its (Qt-free) contents.
- ``model_setup``: the first-run window that downloads the model or takes its folder; ``first_run``:
  the Qt-free model setup behind it and behind ``dictate-app model download``.
"""
