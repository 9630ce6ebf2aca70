"""The `spacy project` template (project.yml, configs, scripts, sample) that `init` writes.

The template ships as package data (`spacy_ner_plugin/template/`), so a user who installed
the wheel gets the same project a clone of the repository has, as `spacy init config` writes a
config from the installed package.
"""

import os
import shutil
from pathlib import Path
from typing import List

from .errors import UsageError
from .io.files import temp_directory

TEMPLATE_DIR = Path(__file__).parent / "template"
# What the template is; pyproject.toml's package-data lists the same globs under template/.
TEMPLATE_FILES = (
    "project.yml",
    "configs/*.cfg",
    "scripts/*.py",
    "scripts/sample_data/*",
    "assets/README.md",
    "assets/sample/*.jsonl",
)


def template_files() -> List[Path]:
    """The template's files, relative to the template folder, in a stable order."""
    return sorted(
        path.relative_to(TEMPLATE_DIR)
        for pattern in TEMPLATE_FILES
        for path in TEMPLATE_DIR.glob(pattern)
        if path.is_file()
    )


def write_template(output_dir: Path, force: bool = False) -> List[Path]:
    """Write the template to `output_dir`; return the paths written.

    The files are staged in a temporary folder beside `output_dir` and moved in at the end, so
    an interrupted run writes nothing. Raises `UsageError` for a file, or a non-empty folder
    without `force`.
    """
    output_dir = Path(output_dir)
    if output_dir.exists() and not output_dir.is_dir():
        raise UsageError(f"{output_dir} is a file", "give a new or empty folder")
    if output_dir.is_dir() and any(output_dir.iterdir()) and not force:
        raise UsageError(
            f"{output_dir} is not empty",
            "give a new or empty folder, or --force to write the template's files into it",
        )
    files = template_files()
    with temp_directory(output_dir) as staging:
        for rel in files:
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(TEMPLATE_DIR / rel, staging / rel)
        if output_dir.is_dir() and not any(output_dir.iterdir()):
            output_dir.rmdir()
        if not output_dir.exists():
            staging.rename(output_dir)
        else:
            for rel in files:
                (output_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / rel, output_dir / rel)
    return [output_dir / rel for rel in files]
