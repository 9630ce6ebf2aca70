"""The `spacy project` template (project.yml, configs, scripts, sample) that `init` writes.

The template ships as package data (`spacy_ner_plugin/template/`), so a user who installed
the wheel gets the same project a clone of the repository has, as `spacy init config` writes a
config from the installed package.
"""

from pathlib import Path
from typing import List

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
