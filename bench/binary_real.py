"""Binary-only training on real ner.teach answers (Prodigy's 1,800 PRODUCT answers on Reddit).

No gold text and no base model: the answers are split 80/20 by text (seeded), the training
part is filled with each strategy and trained with configs/ner.cfg, and the held-out answers
are scored by `evaluate --binary` (accuracy and exact-span P/R/F). "self" bootstraps: train on
the 'outside' fill, then refill with that model ('constrained') and train again.

    python bench/bench_binary_real.py --out bench/results/binary_real --max-steps 1000
"""

import time
from pathlib import Path
from typing import Dict

import typer
from bench_binary import save_summary, spacy_train

from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.cli.evaluate import evaluate
from spacy_ner_plugin.cli.fill_binary import fill_binary

ROOT = Path(__file__).parent.parent
ANSWERS = (
    ROOT.parent / "shared" / "data" / "prodigy_examples" / "example-datasets"
    / "annotated_reddit-PRODUCT-ner.jsonl"
)  # fmt: skip
CONFIG = ROOT / "configs" / "ner.cfg"


def train(train_path: Path, corpus: Path, out: Path, steps: int, seed: int) -> Path:
    """configs/ner.cfg with a fixed step budget, choosing the best checkpoint by binary F."""
    binary_scoring = (
        "--components.ner.scorer.@scorers", "spacy_ner_plugin.ner_binary_scorer.v1",
        "--training.score_weights", '{"binary_f": 1.0}',
    )  # fmt: skip
    dev, labels = corpus / "dev.spacy", corpus / "labels.json"
    return spacy_train(train_path, dev, labels, out, steps, seed, 100, binary_scoring)


def main(
    out: Path = typer.Option(Path("bench/results/binary_real"), help="Working/result directory"),
    max_steps: int = typer.Option(1000, help="Training steps per model"),
    seed: int = typer.Option(0, help="Split and training seed"),
    strategies: str = typer.Option("missing,outside,self", help="Fill strategies to compare"),
) -> None:
    start = time.time()
    corpus = out / "corpus"
    data_to_spacy([ANSWERS], corpus, eval_split=0.2, seed=seed)
    results: Dict[str, Dict] = {}
    for name in strategies.split(","):
        filled = out / name / "train.spacy"
        fill_binary(corpus / "train.spacy", filled, strategy="outside" if name == "self" else name)
        model = train(filled, corpus, out / name / "model", max_steps, seed)
        if name == "self":
            refilled = out / name / "train.refilled.spacy"
            fill_binary(
                corpus / "train.spacy", refilled, base_model=str(model), strategy="constrained"
            )
            model = train(refilled, corpus, out / name / "model2", max_steps, seed)
        scores = evaluate(str(model), corpus / "dev.spacy", binary=True)
        results[name] = {k: v for k, v in scores.items() if k.startswith("binary_")}
    summary = {
        "dataset": "prodigy_examples annotated_reddit-PRODUCT-ner.jsonl, 20% of texts held out",
        "config": str(CONFIG.relative_to(ROOT)),
        "max_steps": max_steps,
        "seed": seed,
        "scores": results,
        "wall_s": round(time.time() - start),
    }
    save_summary(out, summary)


if __name__ == "__main__":
    typer.run(main)
