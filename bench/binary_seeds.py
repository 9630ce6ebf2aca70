"""Mean ± sample standard deviation of bench_binary.py's scores over runs with different seeds.

python bench/binary_seeds.py bench/results/binary_seed0.json bench/results/binary_seed1.json
"""

import json
from pathlib import Path
from statistics import mean, stdev
from typing import Dict, List

import typer


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


def main(
    results: List[Path] = typer.Argument(..., help="results.json files of bench_binary.py"),
    variant: str = typer.Option("a_binary_propagate+outside", help="Variant to compare"),
    baselines: str = typer.Option("b_naive,b_naive_all,d_seed_only", help="Compared against"),
) -> None:
    runs = [json.loads(path.read_text()) for path in results]
    print(f"seeds {[run['seed'] for run in runs]}, accepts {[run['n_accept'] for run in runs]}")
    print("| variant | P | R | F |\n|---|---|---|---|")
    for name, row in summarize(runs).items():
        print(f"| {name} | {row['ents_p']} | {row['ents_r']} | {row['ents_f']} |")
    for base, gains in f_gains(runs, variant, baselines.split(",")).items():
        print(f"{variant} - {base}: F {gains} (mean {mean(gains):+.1f})")


if __name__ == "__main__":
    typer.run(main)
