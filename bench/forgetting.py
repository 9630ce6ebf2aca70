"""Forgetting: add an entity type to a trained pipeline, with and without rehearsal.

    python -m bench.forgetting --base-steps 3000 --steps 2000 --seeds 0
    python -m bench.forgetting --smoke   # minutes: every path, tiny budgets

1. base: configs/ner.cfg trained on WNUT-17 (six types: person, location, group,
   creative-work, corporation, product; --base-train/--base-dev/--base-test, default
   ../shared/data/wnut17, read with the project's CoNLL reader), model-best on the dev set.
2. The new type: INGRED from food_ingredients (949 texts, split 80/20 by text with
   `random.Random(split_seed)`), or FASHION_BRAND from fashion_brands (its training and eval
   files), `--new-data`; or your own `--train` (and `--eval`) files.
3. Three models of the new type, all trained `--steps` steps and taken at model-last (no
   model selection, so the variants compare at the same budget):
   - plain: configs/ner_update.cfg (tok2vec and ner sourced from the base) on the new data;
   - rehearsed: the same on the new data with the base model's own entities of its six types
     added where the annotation says nothing about them (`binary.rehearse`, what
     `data-to-spacy --base-model --rehearse` writes);
   - alone: configs/ner.cfg from scratch on the new data (the new type's reference);
   - with --pseudo-texts N, rehearsed+pseudo: the rehearsed data plus N texts of the base
     model's own domain (WNUT-17 training texts, gold removed) labelled by the base model —
     pseudo-rehearsal, which `data-to-spacy --rehearse` does not do (it labels your texts only).
4. Scores: the base labels' micro F on WNUT-17 test (predictions of other labels dropped)
   for base, plain and rehearsed; the new label's F on the new data's held-out texts for
   plain, rehearsed and alone.

Goal (issue 18): rehearsed keeps >= 95% of the base labels' F, and its new-label F is within
2 points of alone's. Every training and scoring takes the shared lock (--lock, /tmp/bench.lock)
for its own duration, as the other benches do; do not wrap the command in `flock`.
"""

import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

import spacy
import srsly
import typer
from spacy.language import Language
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc
from spacy.training import Example
from wasabi import msg

from spacy_ner_plugin.annotations.convert import ner_label_data
from spacy_ner_plugin.annotations.gold import read_gold_docs
from spacy_ner_plugin.binary.rehearse import pipeline_labels, rehearse_docs
from spacy_ner_plugin.io.files import write_json_atomic

from .common import (
    CONFIGS,
    LOCK,
    RESULTS,
    ROOT,
    WNUT,
    Dataset,
    dataset,
    locked,
    read_docs,
    run_info,
    save_docs,
    spacy_train,
    words_only,
    write_results,
)


@dataclass(frozen=True)
class Budget:
    """Training budgets, and the pseudo-rehearsal texts (0: none)."""

    base_steps: int = 3000
    steps: int = 2000
    eval_frequency: int = 500
    pseudo_texts: int = 0


SMOKE = Budget(base_steps=20, steps=20, eval_frequency=10)
app = typer.Typer(add_completion=False)


@app.command()
def forgetting_cli(
    new_data: str | None = typer.Option(
        None, help="food_ingredients (default), fashion_brands, or a name for --train"
    ),
    train: Path | None = typer.Option(None, help="New type's annotated texts (own data)"),
    eval: Path | None = typer.Option(None, help="Their held-out texts (none: 20% split)"),
    base_train: Path = typer.Option(WNUT / "wnut17train.conll", help="Base model's training"),
    base_dev: Path = typer.Option(WNUT / "emerging.dev.conll", help="Base model's dev set"),
    base_test: Path = typer.Option(WNUT / "emerging.test.annotated", help="Base labels' test"),
    base_steps: int = typer.Option(3000, help="Training steps of the base model"),
    steps: int = typer.Option(2000, help="Training steps of each new-type model"),
    eval_frequency: int = typer.Option(500),
    seeds: str = typer.Option("0", help="Comma-separated training seeds"),
    split_seed: int = typer.Option(0, help="Seed of the 80/20 split of data without --eval"),
    work: Path = typer.Option(ROOT / "training" / "forgetting", help="Models and corpora"),
    output: Path = typer.Option(RESULTS / "forgetting.json"),
    lock: Path | None = typer.Option(LOCK),
    pseudo_texts: int = typer.Option(
        0,
        help="Also train rehearsed + this many base-domain texts labelled by the base model "
        "(pseudo-rehearsal, base training texts); 0: off",
    ),
    smoke: bool = typer.Option(False, help="Tiny budgets, to check every path"),
) -> None:
    """Add a new entity type to a base pipeline with and without rehearsal; score both types."""
    budget = Budget(base_steps, steps, eval_frequency, pseudo_texts)
    if smoke:
        budget = Budget(**{**asdict(SMOKE), "pseudo_texts": pseudo_texts})
        work = work.with_name(work.name + "_smoke")
        output = output.with_name(output.stem + "_smoke.json")
    new = dataset(new_data, train, eval, default="food_ingredients")
    base = {"base_train": base_train, "base_dev": base_dev, "base_test": base_test}
    seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    report = forgetting(new, base, budget, seed_list, work / new.name, output, split_seed, lock)
    srsly.write_json("-", {r["seed"]: r["summary"] for r in report["runs"]})


def forgetting(
    new: Dataset,
    base: Dict[str, Path],
    budget: Budget,
    seeds: List[int],
    work: Path,
    output: Path,
    split_seed: int = 0,
    lock: Path | None = LOCK,
) -> Dict[str, Any]:
    """Every seed's models and scores; write `output`."""
    start = time.perf_counter()
    data = prepare(work, base, new, split_seed)
    msg.info(
        f"base train/dev/test {data['n_base_train']}/{data['n_base_dev']}/"
        f"{data['n_base_test']} texts; {new.name} train/test {data['n_new_train']}/"
        f"{data['n_new_test']}"
    )
    results: List[Dict[str, Any]] = []
    for seed in seeds:
        result = run_seed(seed, data, work, budget, lock)
        results.append(result)
        for name, row in result["summary"].items():
            msg.info(
                f"seed {seed} {name}: base labels F {row['base_labels_f']} (kept "
                f"{row['kept']}), new label F {row['new_label_f']} ({row['new_vs_alone']:+} "
                "vs alone)"
            )
        msg.info(f"seed {seed}: goal met: {result['goal_met']}")
    report = {
        "new_data": new.name,
        "base_labels": data["base_labels"],
        "new_labels": data["new_labels"],
        "texts": {k: v for k, v in data.items() if k.startswith("n_")},
        **asdict(budget),
        "split_seed": split_seed,
        "configs": {"base": "configs/ner.cfg", "update": "configs/ner_update.cfg"},
        "wall_min": round((time.perf_counter() - start) / 60, 1),
        "runs": results,
        "run": run_info(new=asdict(new), base=base, seeds=seeds, split_seed=split_seed),
    }
    write_results(output, report)
    msg.good("Saved", str(output))
    return report


def prepare(work: Path, base: Dict[str, Path], new: Dataset, split_seed: int) -> Dict[str, Any]:
    """The base and the new data's train/test as .spacy, and the label files."""
    nlp = spacy.blank("en")
    corpus = work / "corpus"
    paths: Dict[str, Any] = {}
    for name, source in base.items():
        docs = list(read_gold_docs(source, nlp, []))
        paths[name] = save_docs(docs, corpus / f"{name}.spacy")
        paths[f"n_{name}"] = len(docs)
    base_docs = read_docs(paths["base_train"], nlp.vocab)
    base_labels = sorted({e.label_ for d in base_docs for e in d.ents})
    train, test = new_data_split(new, nlp, split_seed)
    paths["new_train"] = save_docs(train, corpus / "new_train.spacy")
    paths["new_test"] = save_docs(test, corpus / "new_test.spacy")
    paths["n_new_train"], paths["n_new_test"] = len(train), len(test)
    new_labels = sorted({e.label_ for d in train for e in d.ents})
    paths["base_labels"], paths["new_labels"] = base_labels, new_labels
    for name, labels in (("base", base_labels), ("new", new_labels)):
        paths[f"{name}_labels_json"] = corpus / f"{name}_labels.json"
        write_json_atomic(paths[f"{name}_labels_json"], ner_label_data(labels))
    return paths


def new_data_split(new: Dataset, nlp: Language, split_seed: int) -> Tuple[List[Doc], List[Doc]]:
    """The new data's training and test docs: its eval file, or 20% of its texts, seeded."""
    docs = list(read_gold_docs(new.train, nlp, []))
    if new.eval is not None:
        return docs, list(read_gold_docs(new.eval, nlp, []))
    random.Random(split_seed).shuffle(docs)
    cut = int(len(docs) * 0.8)
    return docs[:cut], docs[cut:]


def train(config: str, output: Path, overrides: Dict[str, Any], lock: Path | None) -> Dict:
    """`spacy train` under the lock (log in output/train.log); wall minutes and command."""
    with locked(lock):
        info = spacy_train(CONFIGS / config, output, overrides)
    return {"wall_min": round(info["wall_s"] / 60, 2), "command": info["command"]}


def run_seed(
    seed: int, data: Dict[str, Any], work: Path, budget: Budget, lock: Path | None
) -> Dict[str, Any]:
    """The base model (once), the rehearsed data, every variant's training and scores."""
    runs = work / f"seed{seed}"
    result: Dict[str, Any] = {"seed": seed, "train": {}}
    common = {"system.seed": seed, "training.eval_frequency": budget.eval_frequency}
    base_model = runs / "base" / "model-best"
    if not base_model.exists():
        base_settings = {
            "paths.train": data["base_train"],
            "paths.dev": data["base_dev"],
            "paths.labels": data["base_labels_json"],
            "training.max_steps": budget.base_steps,
            **common,
        }
        result["train"]["base"] = train("ner.cfg", runs / "base", base_settings, lock)
    with locked(lock):
        result["rehearsal"] = rehearse(base_model, data, runs, budget.pseudo_texts, seed)
    variants = variant_settings(data, base_model, runs, budget, common)
    for name, (config, overrides) in variants.items():
        if not (runs / name / "model-last").exists():
            result["train"][name] = train(config, runs / name, overrides, lock)
    with locked(lock):
        result["scores"] = scores = score_variants(runs, list(variants), data)
    result["summary"] = summarize(scores, [name for name in variants if name != "alone"])
    rehearsed = result["summary"]["rehearsed"]
    result["goal_met"] = bool(
        rehearsed["kept"] is not None
        and rehearsed["kept"] >= 0.95
        and rehearsed["new_vs_alone"] >= -2.0
    )
    return result


def rehearse(
    base_model: Path, data: Dict[str, Any], runs: Path, pseudo_texts: int, seed: int
) -> Dict[str, Any]:
    """Write the rehearsed training data (and with `pseudo_texts`, the pseudo-rehearsed);
    what rehearsal added."""
    base = spacy.load(base_model)
    rehearsed_labels = pipeline_labels(base) - set(data["new_labels"])
    new_train = read_docs(data["new_train"], base.vocab)
    rehearsed, added = [], 0
    for doc, n in rehearse_docs(new_train, base, rehearsed_labels):
        rehearsed.append(doc)
        added += n
    save_docs(rehearsed, runs / "new_train.rehearsed.spacy")
    if pseudo_texts:
        pseudo = pseudo_labelled(base, data["base_train"], pseudo_texts, seed)
        save_docs(rehearsed + pseudo, runs / "new_train.pseudo.spacy")
    return {
        "labels": sorted(rehearsed_labels),
        "entities_added": added,
        "texts": len(rehearsed),
        "texts_with_added": sum(
            any(e.label_ in rehearsed_labels for e in d.ents) for d in rehearsed
        ),
    }


def variant_settings(
    data: Dict[str, Any], base_model: Path, runs: Path, budget: Budget, common: Dict[str, Any]
) -> Dict[str, Tuple[str, Dict[str, Any]]]:
    """Config and overrides of each new-type model."""
    update = {
        "paths.base_model": base_model,
        "paths.dev": data["new_test"],
        "training.max_steps": budget.steps,
        **common,
    }
    variants = {
        "plain": ("ner_update.cfg", {**update, "paths.train": data["new_train"]}),
        "rehearsed": (
            "ner_update.cfg",
            {**update, "paths.train": runs / "new_train.rehearsed.spacy"},
        ),
        "rehearsed+pseudo": (
            "ner_update.cfg",
            {**update, "paths.train": runs / "new_train.pseudo.spacy"},
        ),
        "alone": (
            "ner.cfg",
            {
                "paths.train": data["new_train"],
                "paths.dev": data["new_test"],
                "paths.labels": data["new_labels_json"],
                "training.max_steps": budget.steps,
                **common,
            },
        ),
    }
    if not budget.pseudo_texts:
        del variants["rehearsed+pseudo"]
    return variants


def score_variants(runs: Path, variants: List[str], data: Dict[str, Any]) -> Dict[str, Any]:
    """The base labels' scores on the base test set (all but 'alone'), the new label's on the
    new test set (all but 'base')."""
    base_labels, new_labels = set(data["base_labels"]), set(data["new_labels"])
    scores: Dict[str, Any] = {}
    for name in ("base", *variants):
        nlp = spacy.load(runs / name / ("model-best" if name == "base" else "model-last"))
        scores[name] = {}
        if name != "alone":
            scores[name]["base_labels"] = score(nlp, data["base_test"], base_labels)
        if name != "base":
            scores[name]["new_label"] = score(nlp, data["new_test"], new_labels)
    return scores


def summarize(scores: Dict[str, Any], names: List[str]) -> Dict[str, Any]:
    """Per variant: base labels' F and the share of the base model's kept, new label's F and
    its difference to 'alone'."""
    base_f = scores["base"]["base_labels"]["f"]
    alone_f = scores["alone"]["new_label"]["f"]
    return {
        name: {
            "base_labels_f": scores[name]["base_labels"]["f"],
            "kept": round(scores[name]["base_labels"]["f"] / base_f, 3) if base_f else None,
            "new_label_f": scores[name]["new_label"]["f"],
            "new_vs_alone": round(scores[name]["new_label"]["f"] - alone_f, 2),
        }
        for name in names
    }


def score(nlp: Language, path: Path, labels: Set[str]) -> Dict[str, Any]:
    """Micro and per-label P/R/F of `nlp` on the docs of `path`, counting only `labels`."""
    references = read_docs(path, nlp.vocab)
    examples = []
    for predicted, reference in zip(nlp.pipe(map(words_only, references)), references):
        predicted.ents = [e for e in predicted.ents if e.label_ in labels]
        reference.ents = [e for e in reference.ents if e.label_ in labels]
        examples.append(Example(predicted, reference))
    prf = get_ner_prf(examples)
    per_type = {
        label: {k: round(v * 100, 2) for k, v in s.items()}
        for label, s in sorted((prf.get("ents_per_type") or {}).items())
    }
    return {
        "f": round(prf["ents_f"] * 100, 2),
        "p": round(prf["ents_p"] * 100, 2),
        "r": round(prf["ents_r"] * 100, 2),
        "per_type": per_type,
    }


def pseudo_labelled(base: Language, path: Path, n: int, seed: int) -> List[Doc]:
    """`n` texts of the base model's own domain labelled by the base model alone (pseudo-
    rehearsal): base training texts with their gold entities replaced by predictions."""
    texts = read_docs(path, base.vocab)
    random.Random(seed).shuffle(texts)
    return list(base.pipe(words_only(doc) for doc in texts[:n]))


if __name__ == "__main__":
    app()
