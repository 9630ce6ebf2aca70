"""`review` on real data: two independent annotation passes over the same texts.

    python -m bench.review [--output bench/results/review_real.json]
    python -m bench.review --gold my_gold.jsonl --patterns my_patterns.jsonl --output out.json

No shared dataset holds several annotators' answers on the same texts (the Prodigy exports
have one session each), so the second annotator is made: the shipped pattern file of each
dataset run over the gold texts by `preannotate` (one task per text, blank English tokenizer).
The passes are `gold` (the dataset's Prodigy annotations) and `patterns`; `review` reads both
with `--auto-accept` and reports their agreement. Taking gold as the reference, the exact
span P/R/F of `patterns` is a rules-only baseline, so it can be checked against the
EntityRuler figures in shared/BENCHMARKS.md (fashion eval P 96.1 R 30.7 F 46.5; food, all
949 texts, P 83.0 R 26.1 F 39.7), which were measured independently. The consistency check
runs on the gold annotations alone. Datasets (--gold and --patterns, in pairs): by default
fashion_brands eval (500 texts) and food_ingredients (949 texts).
"""

import json
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

import typer
from wasabi import msg

from spacy_ner_plugin.cli.preannotate import preannotate
from spacy_ner_plugin.cli.review import review
from spacy_ner_plugin.io.records import json_line

from .common import DATASETS, RESULTS, data_name, run_info, write_results

FASHION, FOOD = DATASETS["fashion_brands"], DATASETS["food_ingredients"]
# The rules-only figures of shared/BENCHMARKS.md, by data_name of the gold file.
BENCHMARKS_MD = {
    "fashion_brands_eval": {"p": 0.961, "r": 0.307, "f": 0.465},
    "food_ingredients": {"p": 0.830, "r": 0.261, "f": 0.397},
}
FINDINGS_KEPT = 10
KINDS = ("label_conflicts", "unlabelled", "boundaries")


def with_annotator(source: Path, target: Path, name: str) -> None:
    """Copy a JSONL file with `_annotator_id` set on every record."""
    with source.open(encoding="utf8") as lines, target.open("w", encoding="utf8") as out:
        for line in lines:
            if line.strip():
                out.write(json_line({**json.loads(line), "_annotator_id": name}) + "\n")


def run_dataset(gold: Path, patterns: Path, tmp: Path) -> Dict[str, Any]:
    tasks = tmp / "patterns_tasks.jsonl"
    overrides = {"paths.patterns": str(patterns), "preannotate.segment": False}
    preannotate(gold, tasks, overrides=overrides)
    with_annotator(gold, tmp / "gold.jsonl", "gold")
    with_annotator(tasks, tmp / "patterns.jsonl", "patterns")
    start = time.perf_counter()
    result = review(
        [tmp / "gold.jsonl", tmp / "patterns.jsonl"],
        tmp / "reviewed.jsonl",
        auto_accept=True,
        silent=False,
    )
    seconds = time.perf_counter() - start
    consistency = review([gold], tmp / "gold_only.jsonl", auto_accept=True, consistency=True)
    findings = consistency.consistency
    report = result.to_json()
    report.pop("paths")
    report["agreement"]["worst_texts"] = report["agreement"]["worst_texts"][:5]
    summary = {
        "inputs": {"gold": gold.name, "patterns": patterns.name},
        "review_seconds": round(seconds, 2),
        **report,
        "consistency_of_gold": {
            "texts": findings["texts"],
            "counts": {kind: len(findings[kind]) for kind in KINDS},
            **{kind: findings[kind][:FINDINGS_KEPT] for kind in KINDS},
        },
    }
    # file:line places name the temporary copies and the shared folder: keep the file names
    text = json.dumps(summary).replace(f"{tmp}/", "").replace(f"{gold.parent}/", "")
    return json.loads(text)


app = typer.Typer(add_completion=False)


@app.command()
def review_cli(
    gold: List[Path] = typer.Option(
        [FASHION.eval, FOOD.train], help="Gold annotations (Prodigy JSONL), one per dataset"
    ),
    patterns: List[Path] = typer.Option(
        [FASHION.patterns, FOOD.patterns], help="Pattern file of each --gold, in order"
    ),
    output: Path = typer.Option(RESULTS / "review_real.json", help="Results JSON"),
) -> None:
    """Review gold against a patterns-only second pass on each dataset; agreement, consistency."""
    if len(gold) != len(patterns):
        raise typer.BadParameter("give one --patterns per --gold")
    review_real(list(zip(gold, patterns)), output)


def review_real(datasets: List[tuple], output: Path) -> Dict[str, Any]:
    """`run_dataset` on each (gold, patterns) pair; write `output`."""
    results: Dict[str, Any] = {"note": __doc__.split("\n\n")[2].replace("\n", " ")}
    for gold, patterns in datasets:
        name = data_name(gold)
        msg.divider(name)
        with tempfile.TemporaryDirectory() as tmp:
            results[name] = run_dataset(gold, patterns, Path(tmp))
        (pair,) = results[name]["agreement"]["pairs"]
        msg.info(f"{name}: patterns vs gold exact {pair['exact']}")
        if name in BENCHMARKS_MD:
            results[name]["rules_only_in_benchmarks_md"] = BENCHMARKS_MD[name]
            msg.info(f"BENCHMARKS.md: {BENCHMARKS_MD[name]}")
    results["run"] = run_info(datasets=datasets)
    write_results(output, results)
    msg.good("Saved", str(output))
    return results


if __name__ == "__main__":
    app()
