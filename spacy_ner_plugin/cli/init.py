"""`init`: write the `spacy project` template (`project_template`) to a folder."""

from pathlib import Path
from typing import List

import typer

from ..project_template import write_template
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
    """Write the template to `output_dir` (`project_template.write_template`: staged, so an
    interrupted run writes nothing); return the paths written."""
    msg = printer(silent)
    output_dir = Path(output_dir)
    written = write_template(output_dir, force)
    msg.good(f"Wrote the project template to {output_dir} ({len(written)} files)")
    msg.text(f"Next: cd {output_dir} && python -m spacy project run all")
    msg.text(f"Steps: {COMMAND} --help; the template's README: {output_dir / 'assets/README.md'}")
    return written
