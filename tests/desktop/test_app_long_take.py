"""A minute-long dictation on the real bench (slow tier): every phrase's words arrive, in order.

The ten-minute version with the memory bound (RSS within 50 MB of its minute-1 value) and the CPU
share of 10 s and 60 s takes is ``benchmarks/long_take.py`` (about 13 minutes: too long for every
CI run); both use :mod:`testkit.desktop.long_take`.
"""

from __future__ import annotations

import pytest

from testkit.desktop.app_harness import App, Target
from testkit.desktop.long_take import dictate_long

pytestmark = [pytest.mark.desktop, pytest.mark.slow]


def test_a_minute_of_phrases_arrives_whole_and_in_order(desktop, fixture_model_dir, tmp_path):
    target = Target(desktop, tmp_path / "target.txt")
    app = App(desktop, fixture_model_dir, tmp_path, "--mode", "toggle", "--auto-stop", "0")
    try:
        result = dictate_long(desktop, app, target, tmp_path, 60.0)
    finally:
        rc = app.close()
        target.close()
    ok, where = result.words_in_order()
    print(f"\n{result.spoken_s:.0f} s, {len(result.phrases)} phrases: CPU {result.cpu_percent_of_one_core:.1f} % "
          f"of one core while speaking; stop to text {result.stop_to_text_s:.2f} s; RSS {result.rss_mb}")
    assert ok, where
    assert rc == 0, app.stderr()[-3000:]
    # No length limit in sight and nothing dropped: the app did not warn about one.
    assert "limit" not in app.stderr()
