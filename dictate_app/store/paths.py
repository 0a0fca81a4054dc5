"""Where Dictate keeps the user's files: data (history, models) and configuration (rules, settings).

Both follow the platform's conventions through platformdirs (``~/.local/share/dictate-app`` and
``~/.config/dictate-app`` on Linux) and can be moved with an environment variable, which tests and
portable installs use.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "dictate-app"
ENV_DATA_DIR = "DICTATE_DATA_DIR"
ENV_CONFIG_DIR = "DICTATE_CONFIG_DIR"


def data_dir() -> Path:
    """``$DICTATE_DATA_DIR`` if set, else the user data directory (``~/.local/share/dictate-app``)."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """``$DICTATE_CONFIG_DIR`` if set, else the user config directory (``~/.config/dictate-app``)."""
    override = os.environ.get(ENV_CONFIG_DIR)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
