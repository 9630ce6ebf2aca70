"""Binary-only training on real ner.teach answers (Prodigy's 1,800 PRODUCT answers on Reddit).

No gold text and no base model: the answers (--answers, any binary answer file) are split
80/20 by text (seeded), the training part is filled with each strategy and trained with
configs/ner.cfg, and the held-out answers are scored by `evaluate --binary` (accuracy and
exact-span P/R/F). "self" bootstraps: train on the 'outside' fill, then refill with that model
('constrained') and train again.

    python -m bench.binary_real --output bench/results/binary_real.json --max-steps 1000
"""

import time
from pathlib import Path
from typing import Dict, List

import typer
from wasabi import msg

from spacy_ner_plugin.cli.evaluate import evaluate
from spacy_ner_plugin.cli.fill_binary import fill_binary

from .common import (
    NER_CONFIG,
    PRODUCT_ANSWERS,
    ROOT,
    Corpus,
    Dataset,
    corpus,
    data_name,
    run_info,
    train_model,
    write_results,
)

# choose model-best by binary F
BINARY_SCORING = {
    "components.ner.scorer.@scorers": "spacy_ner_plugin.ner_binary_scorer.v1",
    "training.score_weights": '{"binary_f": 1.0}',
}

app = typer.Typer(add_completion=False)


@app.command()
def binary_real_cli(
    answers: Path = typer.Option(PRODUCT_ANSWERS, help="Binary answers (Prodigy JSONL)"),
    work: Path = typer.Option(Path("/tmp/bench_binary_real"), help="Working directory"),
    output: Path | None = typer.Option(None, help="Results JSON (default: WORK/results.json)"),
    max_steps: int = typer.Option(1000, help="Training steps per model"),
    seed: int = typer.Option(0, help="Split and training seed"),
    strategies: str = typer.Option("missing,outside,self", help="Fill strategies to compare"),
) -> None:
    """Train on 80% of real binary answers with each fill; score on the held-out 20%."""
    output = output or work / "results.json"
    binary_real(answers, strategies.split(","), work, output, max_steps=max_steps, seed=seed)


def binary_real(
    answers: Path,
    strategies: List[str],
    work: Path,
    output: Path,
    max_steps: int = 1000,
    seed: int = 0,
) -> Dict:
    """Fill, train and score with each strategy; write `output`."""
    start = time.time()
    files = corpus(Dataset(data_name(answers), answers), work / "corpus", split_seed=seed)
    results: Dict[str, Dict] = {}
    for name in strategies:
        model = train_filled(name, files, work / name, max_steps, seed)
        scores = evaluate(str(model), files.dev, binary=True)
        results[name] = {k: v for k, v in scores.items() if k.startswith("binary_")}
    summary = {
        "dataset": f"{answers.parent.parent.name} {answers.name}, 20% of texts held out",
        "config": str(NER_CONFIG.relative_to(ROOT)),
        "max_steps": max_steps,
        "seed": seed,
        "scores": results,
        "wall_s": round(time.time() - start),
        "run": run_info(answers=answers, strategies=strategies, max_steps=max_steps, seed=seed),
    }
    write_results(output, summary)
    msg.good(f"Saved {output}")
    return summary


def train_filled(name: str, files: Corpus, work: Path, steps: int, seed: int) -> Path:
    """Fill the training answers with strategy `name` and train; return model-best."""
    filled = work / "train.spacy"
    fill_binary(files.train, filled, strategy="outside" if name == "self" else name)
    model = train_model(filled, files, work / "model", steps, seed, 100, BINARY_SCORING)
    if name == "self":
        refilled = work / "train.refilled.spacy"
        fill_binary(files.train, refilled, base_model=str(model), strategy="constrained")
        model = train_model(refilled, files, work / "model2", steps, seed, 100, BINARY_SCORING)
    return model


if __name__ == "__main__":
    app()
