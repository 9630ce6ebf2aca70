"""CI's second pass reruns the test files in which the README's run skipped something."""

import runpy

from .conftest import ROOT

skipped_files = runpy.run_path(str(ROOT / ".ci" / "skipped_files.py"))["skipped_files"]

# What pytest's --junitxml writes for a module skipped at collection, a skipped method of a
# class, a skipped and a passed parameter (pytest 8, xunit2).
REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" skipped="3" tests="5">
<testcase classname="" name="tests.sub.test_a" time="0.000">
<skipped message="collection skipped">('tests/sub/test_a.py', 2, "Skipped")</skipped>
</testcase>
<testcase classname="tests.sub.test_b.TestK" name="test_y" time="0.000">
<skipped type="pytest.skip" message="no">tests/sub/test_b.py:3: no</skipped>
</testcase>
<testcase classname="tests.sub.test_c" name="test_z[a b]" time="0.001">
<skipped type="pytest.skip" message="r">tests/sub/test_c.py:6: r</skipped>
</testcase>
<testcase classname="tests.sub.test_c" name="test_z[c::d]" time="0.000" />
<testcase classname="tests.sub.test_d" name="test_w" time="0.000" />
</testsuite></testsuites>
"""


def test_every_file_with_a_skip_is_listed_once_and_a_file_that_passed_is_not(tmp_path, monkeypatch):
    (tmp_path / "tests" / "sub").mkdir(parents=True)
    for name in "abcd":
        (tmp_path / "tests" / "sub" / f"test_{name}.py").write_text("", encoding="utf8")
    (tmp_path / "report.xml").write_text(REPORT, encoding="utf8")
    monkeypatch.chdir(tmp_path)
    files = [path.as_posix() for path in skipped_files(tmp_path / "report.xml")]
    assert files == ["tests/sub/test_a.py", "tests/sub/test_b.py", "tests/sub/test_c.py"]
