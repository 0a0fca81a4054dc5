"""Tests are not a library: nothing outside tests/ imports the ``tests`` package.

What the app, tools/, benchmarks/ and packaging/ share with the tests lives in testkit/ (the desktop
benches, the serve-process harness, the fake input stream, the fake language model); a test module
or conftest.py imported from there would tie a benchmark to test code. Every import statement of
every Python file under those folders is read with ``ast`` (nothing is imported).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

OUTSIDE_TESTS = ("dictate_app", "testkit", "tools", "benchmarks", "packaging")


def imports_tests(source: str, filename: str = "<source>") -> list[int]:
    """Line numbers of the statements in ``source`` that import ``tests`` or one of its modules."""
    lines = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if any(name == "tests" or name.startswith("tests.") for name in names):
            lines.append(node.lineno)
    return sorted(lines)


def test_the_check_sees_every_form_of_import():
    source = ("import tests\nimport os, tests.conftest as c\nfrom tests.desktop import bench\n"
              "def f():\n    from tests import conftest\nimport testkit\nfrom testkit.fake_llm import FakeLlm\n"
              "from . import tests\n")
    assert imports_tests(source) == [1, 2, 3, 5]


def test_nothing_outside_tests_imports_tests():
    offenders = [
        f"{path.relative_to(REPO)}:{line}"
        for folder in OUTSIDE_TESTS
        for path in sorted((REPO / folder).rglob("*.py"))
        for line in imports_tests(path.read_text(encoding="utf-8"), str(path))
    ]
    assert not offenders, (f"{', '.join(offenders)} import(s) the tests package; move what it needs into "
                           "testkit/ (shared by tests, tools and benchmarks) and import it from there.")
