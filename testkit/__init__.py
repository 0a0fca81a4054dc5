"""The shared test harness: what the tests, tools/ and benchmarks/ all use to drive Dictate from
outside (the desktop benches and the app on them, a real ``dictate-app serve`` process, a fake
microphone stream, hostile audio, a fake OpenAI-compatible language model).

Not part of the app: the wheel takes only ``dictate_app*`` (pyproject.toml) and the frozen bundle
excludes it (packaging/dictate.spec). Nothing here imports ``tests``, so tools/ and benchmarks/ never
depend on a test module (tests/test_testkit.py checks it); pytest fixtures stay in the tests'
conftest.py files and take their helpers from here. Paths mirror tests/ (``testkit/desktop/bench.py``
was ``tests/desktop/bench.py``), except server/harness.py: the helpers that were in
tests/server/conftest.py.
"""
