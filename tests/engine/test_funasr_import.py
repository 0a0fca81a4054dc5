"""Importing only SenseVoice's parts of funasr (engine/funasr_import.py): its model, frontend and
tokenizer are registered from a few dozen modules instead of ~430, and funasr's notices never
reach stdout (they would corrupt --json output)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from dictate_app.engine.funasr_import import quiet_stdout
from tests.conftest import REPO

PROBE = """
import json, sys
from dictate_app.engine.funasr_import import sensevoice_tables
tables = sensevoice_tables()
sys.stderr.write(json.dumps({
    "model": "SenseVoiceSmall" in tables.model_classes,
    "frontend": "WavFrontend" in tables.frontend_classes,
    "tokenizer": "SentencepiecesTokenizer" in tables.tokenizer_classes,
    "modules": len([m for m in sys.modules if m == "funasr" or m.startswith("funasr.")]),
}))
"""


def test_what_is_printed_goes_to_the_debug_log(capsys, caplog):
    with caplog.at_level(logging.DEBUG, logger="dictate_app.engine.funasr_import"), quiet_stdout():
        print("funasr version: 1.4.16")
    assert capsys.readouterr().out == ""
    assert "funasr printed: funasr version: 1.4.16" in caplog.text


@pytest.mark.slow
def test_sensevoice_is_registered_from_a_few_modules_and_stdout_stays_clean():
    pytest.importorskip("funasr")
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout == ""
    facts = json.loads(proc.stderr.strip().splitlines()[-1])
    print(f"\nfunasr modules imported: {facts['modules']}")
    assert facts["model"] and facts["frontend"] and facts["tokenizer"]
    assert facts["modules"] < 100  # the full `import funasr` loads about 430
