"""Forgetting: add an entity type to a trained pipeline, with and without rehearsal.

    PYTHONPATH=. python bench/bench_forgetting.py --base-steps 3000 --steps 2000 --seeds 0
    PYTHONPATH=. python bench/bench_forgetting.py --smoke   # minutes: every path, tiny budgets

1. base: configs/ner.cfg trained on WNUT-17 (six types: person, location, group,
   creative-work, corporation, product; ../shared/data/wnut17 read with the project's CoNLL
   reader), model-best on WNUT dev.
2. The new type: INGRED from food_ingredients (949 texts, split 80/20 by text with
   `random.Random(split_seed)`), or FASHION_BRAND from fashion_brands (its training and eval
   files), `--new-data`.
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
for its own duration, as the other benches do; do not wrap the script in `flock`.
"""

import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Sequence, Set

import spacy
import srsly
import typer
from bench_accuracy import locked
from spacy.language import Language
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from wasabi import msg

from spacy_ner_plugin.annotations.gold import read_gold_docs
from spacy_ner_plugin.binary.rehearse import pipeline_labels, rehearse_docs
from spacy_ner_plugin.cli.data_to_spacy import ner_label_data
from spacy_ner_plugin.io.files import write_json_atomic

ROOT = Path(__file__).parent.parent
SHARED = ROOT.parent / "shared" / "data"
WNUT = SHARED / "wnut17"
NEW_DATA = {
    "food_ingredients": (SHARED / "food_ingredients" / "food_data.jsonl", None),
    "fashion_brands": (
        SHARED / "fashion_brands" / "fashion_brands_training.jsonl",
        SHARED / "fashion_brands" / "fashion_brands_eval.jsonl",
    ),
}


def save_docs(docs: Sequence[Doc], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs, store_user_data=False).to_disk(path)
    return path


def prepare(work: Path, new_data: str, split_seed: int) -> Dict[str, Any]:
    """WNUT train/dev/test and the new data's train/test as .spacy, and the label files."""
    nlp = spacy.blank("en")
    corpus = work / "corpus"
    files = {
        "base_train": WNUT / "wnut17train.conll",
        "base_dev": WNUT / "emerging.dev.conll",
        "base_test": WNUT / "emerging.test.annotated",
    }
    paths: Dict[str, Any] = {}
    for name, source in files.items():
        docs = list(read_gold_docs(source, nlp, []))
        paths[name] = save_docs(docs, corpus / f"{name}.spacy")
        paths[f"n_{name}"] = len(docs)
    base_labels = sorted(
        {
            e.label_
            for d in DocBin().from_disk(paths["base_train"]).get_docs(nlp.vocab)
            for e in d.ents
        }
    )
    train_path, eval_path = NEW_DATA[new_data]
    docs = list(read_gold_docs(train_path, nlp, []))
    if eval_path is None:
        random.Random(split_seed).shuffle(docs)
        cut = int(len(docs) * 0.8)
        train, test = docs[:cut], docs[cut:]
    else:
        train, test = docs, list(read_gold_docs(eval_path, nlp, []))
    paths["new_train"] = save_docs(train, corpus / "new_train.spacy")
    paths["new_test"] = save_docs(test, corpus / "new_test.spacy")
    paths["n_new_train"], paths["n_new_test"] = len(train), len(test)
    new_labels = sorted({e.label_ for d in train for e in d.ents})
    paths["base_labels"], paths["new_labels"] = base_labels, new_labels
    for name, labels in (("base", base_labels), ("new", new_labels)):
        paths[f"{name}_labels_json"] = corpus / f"{name}_labels.json"
        write_json_atomic(paths[f"{name}_labels_json"], ner_label_data(labels))
    return paths


def train(
    config: str, output: Path, overrides: Dict[str, Any], lock: Path | None
) -> Dict[str, Any]:
    """`spacy train` in a subprocess (log in output/train.log); wall time."""
    flat = [arg for key, value in overrides.items() for arg in (f"--{key}", str(value))]
    command = [sys.executable, "-m", "spacy", "train", str(ROOT / "configs" / config)]
    command += ["-o", str(output), *flat]
    output.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with locked(lock), (output / "train.log").open("w") as log:
        subprocess.run(command, check=True, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    return {"wall_min": round((time.perf_counter() - start) / 60, 2), "command": " ".join(command)}


def score(nlp: Language, path: Path, labels: Set[str]) -> Dict[str, Any]:
    """Micro and per-label P/R/F of `nlp` on the docs of `path`, counting only `labels`."""
    references = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    copies = (
        Doc(nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d])
        for d in references
    )
    examples = []
    for predicted, reference in zip(nlp.pipe(copies), references):
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
    rehearsal): WNUT-17 training texts with their gold entities replaced by predictions."""
    texts = list(DocBin().from_disk(path).get_docs(base.vocab))
    random.Random(seed).shuffle(texts)
    words = [
        Doc(base.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d])
        for d in texts[:n]
    ]
    return list(base.pipe(words))


def run_seed(seed: int, data: Dict[str, Any], work: Path, args: Dict[str, Any]) -> Dict[str, Any]:
    lock = args["lock"]
    runs = work / f"seed{seed}"
    base_labels, new_labels = set(data["base_labels"]), set(data["new_labels"])
    result: Dict[str, Any] = {"seed": seed, "train": {}}
    base_dir = runs / "base"
    common = {"system.seed": seed, "training.eval_frequency": args["eval_frequency"]}
    if not (base_dir / "model-best").exists():
        result["train"]["base"] = train(
            "ner.cfg",
            base_dir,
            {
                "paths.train": data["base_train"],
                "paths.dev": data["base_dev"],
                "paths.labels": data["base_labels_json"],
                "training.max_steps": args["base_steps"],
                **common,
            },
            lock,
        )
    base_model = base_dir / "model-best"
    with locked(lock):
        base = spacy.load(base_model)
        rehearsed_labels = pipeline_labels(base) - new_labels
        new_train = list(DocBin().from_disk(data["new_train"]).get_docs(base.vocab))
        rehearsed, added = [], 0
        for doc, n in rehearse_docs(new_train, base, rehearsed_labels):
            rehearsed.append(doc)
            added += n
        save_docs(rehearsed, runs / "new_train.rehearsed.spacy")
        if args["pseudo_texts"]:
            pseudo = pseudo_labelled(base, data["base_train"], args["pseudo_texts"], seed)
            save_docs(rehearsed + pseudo, runs / "new_train.pseudo.spacy")
    result["rehearsal"] = {
        "labels": sorted(rehearsed_labels),
        "entities_added": added,
        "texts": len(rehearsed),
        "texts_with_added": sum(
            any(e.label_ in rehearsed_labels for e in d.ents) for d in rehearsed
        ),
    }
    update = {
        "paths.base_model": base_model,
        "paths.dev": data["new_test"],
        "training.max_steps": args["steps"],
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
                "training.max_steps": args["steps"],
                **common,
            },
        ),
    }
    if not args["pseudo_texts"]:
        del variants["rehearsed+pseudo"]
    for name, (config, overrides) in variants.items():
        if not (runs / name / "model-last").exists():
            result["train"][name] = train(config, runs / name, overrides, lock)
    scores: Dict[str, Any] = {}
    with locked(lock):
        for name in ("base", *variants):
            model = runs / name / ("model-best" if name == "base" else "model-last")
            nlp = spacy.load(model)
            scores[name] = {}
            if name != "alone":
                scores[name]["base_labels"] = score(nlp, data["base_test"], base_labels)
            if name != "base":
                scores[name]["new_label"] = score(nlp, data["new_test"], new_labels)
    result["scores"] = scores
    base_f = scores["base"]["base_labels"]["f"]
    alone_f = scores["alone"]["new_label"]["f"]
    result["summary"] = {
        name: {
            "base_labels_f": scores[name]["base_labels"]["f"],
            "kept": round(scores[name]["base_labels"]["f"] / base_f, 3) if base_f else None,
            "new_label_f": scores[name]["new_label"]["f"],
            "new_vs_alone": round(scores[name]["new_label"]["f"] - alone_f, 2),
        }
        for name in variants
        if name != "alone"
    }
    rehearsed_summary = result["summary"]["rehearsed"]
    result["goal_met"] = bool(
        rehearsed_summary["kept"] is not None
        and rehearsed_summary["kept"] >= 0.95
        and rehearsed_summary["new_vs_alone"] >= -2.0
    )
    return result


def main(
    # fmt: off
    new_data: str = typer.Option(
        "food_ingredients", "--new-data", help="food_ingredients or fashion_brands"
    ),
    base_steps: int = typer.Option(
        3000, "--base-steps", help="Training steps of the WNUT base model"
    ),
    steps: int = typer.Option(2000, "--steps", help="Training steps of each new-type model"),
    eval_frequency: int = typer.Option(500, "--eval-frequency"),
    seeds: str = typer.Option("0", "--seeds", help="Comma-separated training seeds"),
    split_seed: int = typer.Option(0, "--split-seed", help="Seed of the 80/20 split of food data"),
    work: Path = typer.Option(
        ROOT / "training" / "forgetting", "--work", help="Models and corpora"
    ),
    output: Path = typer.Option(ROOT / "bench" / "results" / "forgetting.json", "--output"),
    lock: Path | None = typer.Option(Path("/tmp/bench.lock"), "--lock"),
    pseudo_texts: int = typer.Option(
        0,
        "--pseudo-texts",
        help="Also train rehearsed + this many base-domain texts labelled "
        "by the base model (pseudo-rehearsal, WNUT-17 train texts); 0: off",
    ),
    smoke: bool = typer.Option(False, "--smoke", help="Tiny budgets, to check every path"),
    # fmt: on
) -> None:
    if new_data not in NEW_DATA:
        msg.fail(f"--new-data must be one of {', '.join(NEW_DATA)}", exits=2)
    if smoke:
        base_steps, steps, eval_frequency = 20, 20, 10
        work = work.with_name(work.name + "_smoke")
        output = output.with_name(output.stem + "_smoke.json")
    work = work / new_data
    args = {
        "base_steps": base_steps,
        "steps": steps,
        "eval_frequency": eval_frequency,
        "lock": lock,
        "pseudo_texts": pseudo_texts,
    }
    start = time.perf_counter()
    data = prepare(work, new_data, split_seed)
    msg.info(
        f"WNUT-17 train/dev/test {data['n_base_train']}/{data['n_base_dev']}/"
        f"{data['n_base_test']} texts; {new_data} train/test {data['n_new_train']}/"
        f"{data['n_new_test']}"
    )
    results: List[Dict[str, Any]] = []
    for seed in [int(s) for s in seeds.split(",") if s.strip()]:
        result = run_seed(seed, data, work, args)
        results.append(result)
        for name, row in result["summary"].items():
            msg.info(
                f"seed {seed} {name}: base labels F {row['base_labels_f']} (kept "
                f"{row['kept']}), new label F {row['new_label_f']} ({row['new_vs_alone']:+} "
                "vs alone)"
            )
        msg.info(f"seed {seed}: goal met: {result['goal_met']}")
    report = {
        "new_data": new_data,
        "base_labels": data["base_labels"],
        "new_labels": data["new_labels"],
        "texts": {k: v for k, v in data.items() if k.startswith("n_")},
        "base_steps": base_steps,
        "steps": steps,
        "eval_frequency": eval_frequency,
        "split_seed": split_seed,
        "pseudo_texts": pseudo_texts,
        "configs": {"base": "configs/ner.cfg", "update": "configs/ner_update.cfg"},
        "wall_min": round((time.perf_counter() - start) / 60, 1),
        "runs": results,
    }
    write_json_atomic(output, report)
    msg.good("Saved", str(output))
    srsly.write_json("-", {r["seed"]: r["summary"] for r in results})


if __name__ == "__main__":
    typer.run(main)
