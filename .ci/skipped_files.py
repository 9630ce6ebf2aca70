"""The test files in which a pytest run skipped something, read from its JUnit XML report.

CI's second pass, with every extra and service installed, runs these files again (not the
tests the README's run has already passed), so that each test runs unskipped once in CI.
Usage: python .ci/skipped_files.py REPORT.xml  (prints one path per line, sorted).
"""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def test_file(dotted: str) -> Path:
    """The file of a JUnit `classname` (`tests.app.test_server` or `...test_server.TestK`)."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        path = Path(*parts[:end]).with_suffix(".py")
        if path.is_file():
            return path
    raise SystemExit(f"No test file for {dotted!r} (run this from the repository root)")


def skipped_files(report: Path) -> list[Path]:
    """Every file with a skipped test or a module skipped at collection (whose name is then
    the module and whose classname is empty)."""
    files = {
        test_file(case.get("classname") or case.get("name", ""))
        for case in ET.parse(report).iter("testcase")
        if case.find("skipped") is not None
    }
    return sorted(files)


if __name__ == "__main__":
    for path in skipped_files(Path(sys.argv[1])):
        print(path)
