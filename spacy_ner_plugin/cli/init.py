"""`init`: write the `spacy project` template (project.yml, configs, scripts, sample) to a
folder."""

import os
import shutil
from pathlib import Path
from typing import List

import typer

from ..errors import UsageError
from ..io.files import temp_directory
from ..project_template import TEMPLATE_DIR, template_files
from ._util import COMMAND, app, printer, reports_errors


@app.command("init")
def init_cli(
    output_dir: Path = typer.Argument(..., help="Folder to write the project to (new or empty)"),
    force: bool = typer.Option(False, "--force", "-F",
        help="Write into a non-empty folder (template files replaced)"),
) -> None:  # fmt: skip
    """Write the project template to a folder: project.yml, configs/, scripts/ and the sample
    data in assets/, ready for `python -m spacy project run all` there.

    Refuses a folder that is not empty unless --force is given; then the template's files
    replace those of the same name and every other file is left as it is.
    """
    with reports_errors():
        init(output_dir, force=force, silent=False)


def init(output_dir: Path, force: bool = False, silent: bool = True) -> List[Path]:
    """Write the template to `output_dir`; return the paths written.

    The files are staged in a temporary folder beside `output_dir` and moved in at the end, so
    an interrupted run writes nothing. Raises `UsageError` for a file, or a non-empty folder
    without `force`.
    """
    msg = printer(silent)
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
    written = [output_dir / rel for rel in files]
    msg.good(f"Wrote the project template to {output_dir} ({len(written)} files)")
    msg.text(f"Next: cd {output_dir} && python -m spacy project run all")
    msg.text(f"Steps: {COMMAND} --help; the template's README: {output_dir / 'assets/README.md'}")
    return written
