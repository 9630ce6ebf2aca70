"""The README stays current: its project.yml block and its links."""

import re
import shutil

from weasel.cli.document import MARKER_END, MARKER_START, project_document

from .conftest import ROOT

READMES = [ROOT / "README.md", ROOT / "bench" / "README.md"]


def test_project_block_is_what_weasel_document_generates_from_project_yml(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf8")
    for marker in (MARKER_START, MARKER_END):
        assert readme.count(marker.format(tag="WEASEL")) == 1
    regenerated = tmp_path / "README.md"
    shutil.copy(ROOT / "README.md", regenerated)
    # what `python -m weasel document --output README.md` does: replace the marked block only
    project_document(ROOT, regenerated)
    assert regenerated.read_text(encoding="utf8") == readme, (
        "README.md's project.yml block is out of date: run `python -m weasel document "
        "--output README.md`"
    )


def test_readme_starts_with_the_two_commands_for_a_fresh_machine():
    lines = (ROOT / "README.md").read_text(encoding="utf8").splitlines()
    assert lines[2:6] == [
        "```bash",
        "pip install -e . && python -m spacy project run all",
        'pip install -e ".[test]" && python -m pytest',
        "```",
    ]


def test_python_floor_is_the_same_in_pyproject_ruff_and_the_readme():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf8")
    (requires,) = re.findall(r'^requires-python = "(.+)"$', pyproject, flags=re.M)
    floor = re.match(r">=3\.(\d+),<3\.(\d+)$", requires)
    assert floor, requires
    low, high = int(floor.group(1)), int(floor.group(2)) - 1
    assert re.findall(r'^target-version = "(.+)"$', pyproject, flags=re.M) == [f"py3{low}"]
    classifiers = re.findall(r'"Programming Language :: Python :: 3\.(\d+)"', pyproject)
    assert [int(c) for c in classifiers] == list(range(low, high + 1))
    readme = (ROOT / "README.md").read_text(encoding="utf8")
    assert f"Python 3.{low} to 3.{high}" in readme and f'`requires-python = "{requires}"`' in readme


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path) -> set:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf8"), flags=re.S)
    return {slug(m) for m in re.findall(r"^#+ (.+)$", text, flags=re.M)}


def test_relative_links_point_at_files_and_headings_that_exist():
    for readme in READMES:
        text = readme.read_text(encoding="utf8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if target.startswith(("http://", "https://")):
                continue
            path, _, anchor = target.partition("#")
            linked = (readme.parent / path).resolve() if path else readme
            assert linked.exists(), f"{readme.name}: broken link {target}"
            if anchor:
                assert anchor in anchors(linked), f"{readme.name}: no heading for {target}"
