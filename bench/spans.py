"""Span categorization against NER on data both can learn (issue 32, point 3): the same files,
steps and seed, scored by the same span scorer.

The training file is converted twice, by `data-to-spacy` (entities, configs/ner.cfg) and by
`data-to-spacy --spans-key sc` (doc.spans["sc"], configs/spancat.cfg), each with --eval as its
dev set; both train for --max-steps with no early stop, and each model-best is scored by
`evaluate --spans-key sc` on the --eval file: the ner's entities and the spancat's spans against
the same gold spans (spaCy's `Scorer.score_spans`, exact span and label). The ner is also scored
as `evaluate` scores it (`ents_*`), which must agree on data without overlaps. Defaults: the
shared fashion brands files (skipped, with a message, when absent).

    flock /tmp/bench.lock nice -n 5 python -m bench.spans --max-steps 4000 --eval-frequency 400 \
        --output bench/results/spans.json
"""

from pathlib import Path
from typing import Any, Dict, List

import typer
from wasabi import msg

from spacy_ner_plugin.annotations.spans import DEFAULT_SPANS_KEY as KEY
from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.cli.evaluate import evaluate

from .common import (
    CONFIGS,
    DATASETS,
    NER_CONFIG,
    RESULTS,
    ROOT,
    run_info,
    spacy_train,
    write_results,
)

FASHION = DATASETS["fashion_brands"]
MODELS = {"ner": NER_CONFIG, "spancat": CONFIGS / "spancat.cfg"}

app = typer.Typer(add_completion=False)


@app.command()
def main(
    train: Path = typer.Option(FASHION.train, "--train", help="Annotations to train on"),
    eval_path: Path = typer.Option(FASHION.eval, "--eval", help="Annotations to score on"),
    output: Path = typer.Option(RESULTS / "spans.json", "--output", "-o"),
    work: Path = typer.Option(Path("/tmp/bench_spans"), "--work", help="Corpora and models"),
    max_steps: int = typer.Option(1200, "--max-steps", help="Training steps of each model"),
    eval_frequency: int = typer.Option(200, "--eval-frequency"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Train ner and spancat on --train with the same budget; P/R/F of each on --eval."""
    missing = [str(path) for path in (train, eval_path) if not path.exists()]
    if missing:
        msg.warn("Skipped: no data", ", ".join(missing))
        raise typer.Exit(0)
    results = []
    for name, config in MODELS.items():
        corpus = work / name / "corpus"
        spans_key = KEY if name == "spancat" else None
        data_to_spacy([train], corpus, eval_path=eval_path, seed=seed, spans_key=spans_key)
        settings = {
            "paths.train": corpus / "train.spacy",
            "paths.dev": corpus / "dev.spacy",
            "paths.labels": corpus / "labels.json",
            "training.max_steps": max_steps,
            "training.eval_frequency": eval_frequency,
            "training.patience": 0,
            "system.seed": seed,
        }
        trained = spacy_train(config, work / name / "model", settings)
        model = str(work / name / "model" / "model-best")
        scores = _scores(model, eval_path)
        curve = _dev_curve(work / name / "model" / "train.log")
        results.append(
            {"model": name, "config": config.relative_to(ROOT), **trained, **scores, "curve": curve}
        )
        msg.info(name, {k: results[-1][k] for k in ("p", "r", "f", "wall_s")})
    config = dict(train=train, eval=eval_path, max_steps=max_steps, seed=seed, spans_key=KEY)
    write_results(output, {"run": run_info(**config), "results": results})
    msg.good("Saved", str(output))


def _scores(model: str, eval_path: Path) -> Dict[str, Any]:
    """Span P/R/F (points) of `model` on `eval_path`, per label; with `ents_f` for a ner."""
    spans = evaluate(model, eval_path, spans_key=KEY)
    points = {k: round(spans[f"spans_{KEY}_{k}"] * 100, 2) for k in "prf"}
    per_type = {
        label: {k: round(v * 100, 2) for k, v in s.items()}
        for label, s in spans[f"spans_{KEY}_per_type"].items()
    }
    found = {**points, "per_type": per_type, "predicted": spans["spans_predicted"]}
    if spans["spans_predicted"] == "doc.ents":
        ents = evaluate(model, eval_path)
        found["ents_f"] = round(ents["ents_f"] * 100, 2)
    return found


def _dev_curve(log: Path) -> List[List[float]]:
    """`[step, F]` of each evaluation in spaCy's training log (the dev set's F in points): rows
    of epoch, step, the tok2vec's and the component's loss, F, P, R and the weighted score."""
    rows = [line.split() for line in log.read_text(encoding="utf8").splitlines()]
    evals = [r for r in rows if len(r) == 8 and r[0].isdigit() and r[1].isdigit()]
    return [[int(row[1]), float(row[4])] for row in evals]


if __name__ == "__main__":
    app()
