"""The settings dialog's tooltips, one per setting, kept apart from the layout code. Qt-free.

A tooltip says what the setting changes and when to change it, in the user's words; settings
whose label says it all still get one line, so hovering never shows nothing."""

from __future__ import annotations

from dictate_app.server.settings import DEFAULT_PORT

SERVER_EXAMPLE = f"http://host:{DEFAULT_PORT}"

TOOLTIPS = {
    "hotkey": "The key you hold (or press) to dictate. Click, then press the new key; Esc keeps the old one.",
    "mode": "Hold: record while the key is down. Press: the first press starts, the second stops.",
    "auto_stop_s": "In press-to-start mode (and for hands-free dictation from the tray or `dictate-app start "
                   "--hands-free`) recording stops by itself after this long a pause, and the words go in. "
                   "Off: only the key stops it. Holding the key always stops at release.",
    "language": "Detect automatically works for mixed speech; choose one language if short words come out "
                "in the wrong one.",
    "itn": "“twenty five” becomes “25”, and sentences get commas and full stops.",
    "insert_method": "Paste puts the text on the clipboard and presses the paste keys (exact for every script; "
                     "the clipboard is restored). Type keys presses each key (for apps that refuse paste).",
    "insert_live": "Each sentence is inserted as soon as you pause after it, while you go on speaking, "
                   "instead of all the words at the end. Off: everything is inserted when you stop.",
    "paste_keys": "The keys that paste in most of your apps; terminals often want Ctrl+Shift+V "
                  "(set that per application below).",
    "app_overrides": "Rules for some applications: when the focused window's class or title contains the text, "
                     "use this way of inserting, these paste keys, and press Enter afterwards if ticked.",
    "microphone": "The microphone Dictate records from. System default follows your desktop's sound settings.",
    "keep_mic_ready": "The microphone stays open between dictations: recording starts at once and keeps the "
                      "half second before the key. Your desktop shows the microphone as in use meanwhile.",
    "tail_ms": "How long recording goes on after you release the key, so the last word is not cut off.",
    "sounds": "A short sound when recording starts and when it stops.",
    "sound_volume": "How loud the start and stop sounds are.",
    "popup_seconds": "How long the result (text, language, emotion) stays on screen after each dictation.",
    "model_dir": "The folder with the speech model. Empty: the folder Dictate downloads it to.",
    "device": "Where the model runs. The graphics card (CUDA) is faster for long dictations; "
              "the processor is enough for short ones.",
    "server_url": f"Send the audio to a Dictate server (dictate-app serve, port {DEFAULT_PORT} by default) "
                  "instead of recognising on this computer. Empty: this computer.",
    "start_at_login": "Start Dictate in the tray when you log in.",
    "history_audio": "Keep the recording of each dictation with its text, to listen again or to export.",
    "history_audio_cap_mb": "The oldest recordings are deleted (their text stays) when the audio kept "
                            "grows beyond this size.",
    "history_retention_days": "Dictations older than this are deleted, text and audio. Never: keep everything.",
    "ai_mode": "A language model rewrites what you said before it goes in: clean it up, make it an email or a "
               "list, translate it (type “translate to German” for any language). As spoken: off. Your own "
               "modes are in modes.txt beside rules.txt (`dictate-app modes path`).",
    "ai_mode_shift": "Hold Shift with the hotkey to use this mode for one dictation (where it is the mode that "
                     "would run anyway, Shift gives the words as spoken). X11, Windows and macOS.",
    "llm_url": "An OpenAI-compatible endpoint ending in /v1: Ollama (http://127.0.0.1:11434/v1), llama.cpp's "
               "llama-server (http://127.0.0.1:8080/v1), LM Studio, vLLM. The text of each dictation an AI mode "
               "runs on is sent there; never the audio.",
    "llm_model": "The model's name at the endpoint (e.g. llama3.2). Empty: the first model the endpoint lists.",
    "llm_timeout_s": "How long the words wait for the model's answer; after that the words go in as spoken.",
    "ai_mode_min_words": "Shorter dictations go in as spoken: a model adds nothing to “yes” or “thanks”.",
}
API_KEY_NOTE = ("An API key, if the endpoint needs one, comes from the DICTATE_LLM_API_KEY environment variable "
                "or the system keyring (service dictate-app, user: the endpoint's host), never from settings.ini.")
AS_SET_ABOVE = "As set above"
# Why a setting is greyed out (its tooltip then).
NO_AUDIO_KEPT = "Only used while “Keep the audio of each dictation” is ticked."
CPU_BUILD = ("This Dictate is the CPU build: the model runs on the processor. The graphics card needs the "
             "full build (see “GPU” in the README).")
# The per-application table's column headers and what each one means.
OVERRIDE_COLUMNS = (
    ("App (window contains)", "Part of the window's class or title, e.g. kitty, Slack, Terminal"),
    ("Insert by", "Paste or type keys in this app; As set above: the Insert text by setting"),
    ("Paste keys", "The keys that paste in this app; As set above: the Paste keys setting"),
    ("Enter after", "Press Enter after the text (chat apps: send the message)"),
    ("AI mode", "The AI mode for text going into this app (email in the mail client, as spoken in the "
                "terminal); As set above: the AI mode setting"),
)
