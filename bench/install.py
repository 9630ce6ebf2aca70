"""What installing costs a user: the site-packages of a fresh venv with the core install and with
each extra, and start-up times as ratios in one run.

    python -m bench.install [--extras app,vectors,transformers,ray] [--rounds 7] \
        [--output bench/results/install.json]

Builds the wheel (pip's isolated build), installs it into one new venv per variant (`python -m
venv`, then `pip install WHEEL[EXTRA]`; the transformers extra with the CPU build of torch,
`torch==2.13.0`) and measures each venv's site-packages in MB. In the core venv, interleaved over
`--rounds` rounds (fresh processes, best time of each): `import spacy_ner_plugin` and `import
spacy_ner_plugin.cli` (what every command loads) as ratios to `import spacy`, and `python -m
spacy_ner_plugin --help` as a ratio to `python -m spacy --help`. Holds /tmp/bench.lock.
"""

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any, Dict, List

import typer

from .common import RESULTS, ROOT, best, interleaved, locked, run_info, timed, write_results

EXTRAS = ["app", "vectors", "transformers", "ray"]
# what an extra needs besides itself: torch pinned to the CPU build (an unpinned one is CUDA)
EXTRA_PINS = {"transformers": ["torch==2.13.0"]}
STARTUP = {
    "import spacy": ["-c", "import spacy"],
    "import spacy_ner_plugin": ["-c", "import spacy_ner_plugin"],
    "import spacy_ner_plugin.cli": ["-c", "import spacy_ner_plugin.cli"],
    "spacy --help": ["-m", "spacy", "--help"],
    "spacy_ner_plugin --help": ["-m", "spacy_ner_plugin", "--help"],
}


def run(*args: Any, cwd: Path) -> None:
    """Run a command; fail with its output."""
    out = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd)
    if out.returncode:
        raise RuntimeError(f"{args}: {out.stdout[-2000:]}{out.stderr[-2000:]}")


def build_wheel(work: Path) -> Path:
    """The wheel, built the standard way (pip, isolated build environment)."""
    dist = work / "dist"
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, ROOT, cwd=work)
    (wheel,) = dist.glob("*.whl")
    return wheel


def site_mb(venv: Path) -> float:
    """MB of the venv's site-packages."""
    (site,) = venv.glob("lib/python3*/site-packages")
    return round(sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) / 2**20, 1)


def install(wheel: Path, venv: Path, extra: str | None) -> Dict[str, float]:
    """A new venv with the wheel (and `extra`); its size and the install's seconds."""
    run(sys.executable, "-m", "venv", venv, cwd=venv.parent)
    target = f"{wheel}[{extra}]" if extra else str(wheel)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    seconds = timed(lambda: run(*pip, *EXTRA_PINS.get(extra or "", []), target, cwd=venv))
    return {"site_packages_mb": site_mb(venv), "install_seconds": round(seconds, 1)}


def startup(python: Path, rounds: int, cwd: Path) -> Dict[str, Any]:
    """Best seconds of each start-up command over interleaved rounds, and the ratios."""
    runs = {name: lambda _, a=args: run(python, *a, cwd=cwd) for name, args in STARTUP.items()}
    seconds = best(interleaved(runs, rounds))
    return {
        "seconds": {name: round(s, 3) for name, s in seconds.items()},
        "ratio": {
            "import spacy_ner_plugin / import spacy": round(
                seconds["import spacy_ner_plugin"] / seconds["import spacy"], 2
            ),
            "import spacy_ner_plugin.cli / import spacy": round(
                seconds["import spacy_ner_plugin.cli"] / seconds["import spacy"], 2
            ),
            "--help / spacy --help": round(
                seconds["spacy_ner_plugin --help"] / seconds["spacy --help"], 2
            ),
        },
    }


def measure(extras: List[str], rounds: int) -> Dict[str, Any]:
    """Sizes of the core venv and one venv per extra; start-up times in the core venv."""
    with tempfile.TemporaryDirectory(prefix="bench_install.") as tmp:
        work = Path(tmp)
        wheel = build_wheel(work)
        sizes = {"core": install(wheel, work / "core", None)}
        times = startup(work / "core" / "bin" / "python", rounds, work)
        for extra in extras:
            sizes[extra] = install(wheel, work / extra, extra)
    return {"venvs": sizes, "startup": times}


def install_cli(
    extras: Annotated[str, typer.Option(help="Comma-separated extras, one venv each")] = ",".join(
        EXTRAS
    ),
    rounds: Annotated[int, typer.Option(help="Interleaved rounds of the start-up runs")] = 7,
    output: Annotated[Path, typer.Option(help="Results file")] = RESULTS / "install.json",
) -> None:
    """Measure the installs and start-up times (see the module docstring)."""
    chosen = [extra for extra in extras.split(",") if extra]
    with locked():
        results = measure(chosen, rounds)
    results["run"] = run_info(extras=chosen, rounds=rounds)
    typer.echo(write_results(output, results).read_text())


if __name__ == "__main__":
    typer.run(install_cli)
