"""Mean ± sample standard deviation of `bench.binary`'s scores over runs with different seeds.

python -m bench.binary_seeds bench/results/binary_seed0.json bench/results/binary_seed1.json
"""

import json
from pathlib import Path
from statistics import mean, stdev
from typing import Any, Dict, List

import typer

app = typer.Typer(add_completion=False)


@app.command()
def binary_seeds_cli(
    results: List[Path] = typer.Argument(..., help="Results files of bench.binary"),
    variant: str = typer.Option("a_binary_propagate+outside", help="Variant to compare"),
    baselines: str = typer.Option("b_naive,b_naive_all,d_seed_only", help="Compared against"),
) -> None:
    """Print a Markdown table of P/R/F per variant over the runs, and the paired F gains."""
    found = binary_seeds(results, variant, baselines.split(","))
    typer.echo(f"seeds {found['seeds']}, accepts {found['accepts']}")
    typer.echo("| variant | P | R | F |")
    typer.echo("|---|---|---|---|")
    for name, row in found["table"].items():
        typer.echo(f"| {name} | {row['ents_p']} | {row['ents_r']} | {row['ents_f']} |")
    for base, gains in found["gains"].items():
        typer.echo(f"{variant} - {base}: F {gains} (mean {mean(gains):+.1f})")


def binary_seeds(results: List[Path], variant: str, baselines: List[str]) -> Dict[str, Any]:
    """The runs' seeds and accepts, the table of `summarize` and the gains of `f_gains`."""
    runs = [json.loads(path.read_text()) for path in results]
    return {
        "seeds": [run["seed"] for run in runs],
        "accepts": [run["n_accept"] for run in runs],
        "table": summarize(runs),
        "gains": f_gains(runs, variant, baselines),
    }


def summarize(runs: List[Dict]) -> Dict[str, Dict[str, str]]:
    """Per variant measured in every run: 'mean ± std' of P, R and F (points)."""
    variants = [name for name in runs[0]["scores"] if all(name in run["scores"] for run in runs)]
    table = {}
    for name in variants:
        row = {}
        for key in ("ents_p", "ents_r", "ents_f"):
            values = [run["scores"][name][key] for run in runs]
            spread = stdev(values) if len(values) > 1 else 0.0
            row[key] = f"{mean(values):.1f} ± {spread:.1f}"
        table[name] = row
    return table


def f_gains(runs: List[Dict], variant: str, baselines: List[str]) -> Dict[str, List[float]]:
    """Per run, how many F points `variant` scores above each baseline (paired by seed)."""
    f = [{name: score["ents_f"] for name, score in run["scores"].items()} for run in runs]
    return {base: [round(s[variant] - s[base], 1) for s in f] for base in baselines}


if __name__ == "__main__":
    app()
