"""find-errors on injected noise: are the injected errors among the top suspects, and does fixing
them pay?

    flock /tmp/bench.lock python -m bench.find_errors --datasets fashion_brands,food_ingredients \
        --max-steps 500 --eval-frequency 250 --folds 5 --n-process 2

For each dataset: the training gold (fashion_brands: its training file, scored on its eval file;
food_ingredients: a seeded 80% of its texts, scored on the other 20%) gets seeded noise: 5% of
its entities dropped, 5% of its boundaries moved by one token (start or end, out or in), 3% of
its labels swapped (to another label of the data; in a one-label dataset to the decoy label
`OTHER`, as a slip in a label menu would). `find-errors` (folds × `configs/ner.cfg` at
--max-steps, `--min-score 0` so every suspect is ranked) ranks the noisy data. An injected
error is found by a suspect in the same text whose span overlaps it (the original or the moved
span); precision and recall of the top K suspects are reported for K = 1× and 2× the number
injected (the data's own annotation errors count against precision). Then the oracle fixes
the injected errors among the top K and the model is retrained (same config, steps and seed)
on the noisy, the top-K-fixed and the clean data: F on the eval set of each.
"""

import json
import random
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

import spacy
import srsly
import typer
from spacy.tokens import Doc
from wasabi import msg

from spacy_ner_plugin.annotations.docs import prodigy_tokens
from spacy_ner_plugin.cli.data_to_spacy import data_to_spacy
from spacy_ner_plugin.curve.folds import find_errors

from .common import NER_CONFIG, RESULTS, Corpus, dataset, run_info, train_model, write_results

app = typer.Typer(add_completion=False)
Span = Tuple[int, int, str]
DECOY = "OTHER"


def gold_records(path: Path) -> List[Dict[str, Any]]:
    """The accepted records of an annotation file."""
    return [r for r in srsly.read_jsonl(path) if r.get("answer", "accept") == "accept"]


def token_spans(nlp, record: Dict[str, Any]) -> Tuple[Doc, List[Span]]:
    """The record's doc (its own tokens) and its spans as token offsets."""
    tokens = record.get("tokens")
    if tokens:
        words = [t["text"] for t in tokens]
        spaces = [
            i + 1 < len(tokens) and tokens[i + 1]["start"] > t["end"] for i, t in enumerate(tokens)
        ]
        doc = Doc(nlp.vocab, words=words, spaces=spaces)
    else:
        doc = nlp.make_doc(record["text"])
    spans = []
    for span in record.get("spans", []):
        found = doc.char_span(span["start"], span["end"])
        if found is not None:
            spans.append((found.start, found.end, span["label"]))
    return doc, sorted(spans)


def as_record(doc: Doc, spans: List[Span], meta: Dict[str, Any]) -> Dict[str, Any]:
    """A Prodigy gold record of `doc` with `spans`."""
    return {
        "text": doc.text,
        "tokens": prodigy_tokens(doc),
        "spans": [
            {
                "start": doc[s].idx,
                "end": doc[e - 1].idx + len(doc[e - 1]),
                "token_start": s,
                "token_end": e - 1,
                "label": label,
            }
            for s, e, label in sorted(spans)
        ],
        "meta": meta,
        "answer": "accept",
        "_view_id": "ner_manual",
    }


def moved(doc: Doc, span: Span, others: List[Span], rng: random.Random) -> Span | None:
    """The span with its start or end moved by one token, where that keeps it valid."""
    start, end, label = span
    options = [(start - 1, end), (start + 1, end), (start, end - 1), (start, end + 1)]
    valid = [
        (s, e)
        for s, e in options
        if 0 <= s < e <= len(doc)
        and not doc[s].is_space
        and not doc[e - 1].is_space
        and not any(o != span and s < o[1] and o[0] < e for o in others)
    ]
    if not valid:
        return None
    s, e = rng.choice(valid)
    return (s, e, label)


def inject(
    docs: List[Doc], spans: List[List[Span]], seed: int, rates: Dict[str, float]
) -> Tuple[List[List[Span]], List[Dict[str, Any]]]:
    """Noisy copies of `spans` and the injected errors: `(text, kind, original, noisy)`."""
    rng = random.Random(seed)
    labels = sorted({label for text in spans for *_, label in text})
    places = [(i, span) for i, text in enumerate(spans) for span in text]
    rng.shuffle(places)
    counts = {kind: round(rate * len(places)) for kind, rate in rates.items()}
    noisy = [list(text) for text in spans]
    errors = []
    queue = iter(places)
    for kind in ("dropped", "boundary", "label"):
        done = 0
        while done < counts[kind]:
            i, span = next(queue)
            if kind == "dropped":
                new = None
            elif kind == "boundary":
                new = moved(docs[i], span, noisy[i], rng)
                if new is None:
                    continue
            else:
                others = [label for label in labels if label != span[2]] or [DECOY]
                new = (span[0], span[1], rng.choice(others))
            noisy[i].remove(span)
            if new is not None:
                noisy[i].append(new)
            errors.append({"text": i, "kind": kind, "original": span, "noisy": new})
            done += 1
    return noisy, errors


def matches(error: Dict[str, Any], text: int, start: int, end: int) -> bool:
    """Whether a suspect at token span [start, end) of `text` finds `error`."""
    if error["text"] != text:
        return False
    spans = [s for s in (error["original"], error["noisy"]) if s is not None]
    return any(start < s[1] and s[0] < end for s in spans)


def ranked_hits(
    suspects: List[Dict[str, Any]], docs: List[Doc], errors: List[Dict[str, Any]]
) -> List[List[int]]:
    """For each suspect in rank order, the injected errors it finds (by index)."""
    by_text = {doc.text: i for i, doc in enumerate(docs)}
    hits = []
    for task in suspects:
        suspect, text = task["meta"]["suspect"], by_text[task["text"]]
        span = docs[text].char_span(suspect["start"], suspect["end"])
        spans = [(span.start, span.end)]
        annotated = suspect.get("annotated")
        if annotated:
            other = docs[text].char_span(annotated["start"], annotated["end"])
            spans.append((other.start, other.end))
        hits.append(
            [n for n, e in enumerate(errors) if any(matches(e, text, s, t) for s, t in spans)]
        )
    return hits


def top_k(hits: List[List[int]], suspects: List[Dict], errors: List[Dict], k: int) -> Dict:
    """Precision and recall of the top `k` suspects, and what they found per kind."""
    top = hits[:k]
    found = sorted({n for h in top for n in h})
    by_kind = {}
    for kind in ("dropped", "boundary", "label"):
        injected = [n for n, e in enumerate(errors) if e["kind"] == kind]
        by_kind[kind] = {"injected": len(injected), "found": len(set(injected) & set(found))}
    expected = {"dropped": "missed", "boundary": "boundary", "label": "label"}
    right_kind = sum(
        1
        for h, task in zip(top, suspects[:k])
        if h and task["meta"]["suspect"]["kind"] == expected[errors[h[0]]["kind"]]
    )
    return {
        "k": k,
        "precision": round(sum(1 for h in top if h) / max(len(top), 1), 4),
        "recall": round(len(found) / len(errors), 4),
        "suspects_with_the_injected_kind": right_kind,
        "by_kind": by_kind,
        "found": found,
    }


def fixed(
    spans: List[List[Span]], noisy: List[List[Span]], errors: List[Dict], found: List[int]
) -> List[List[Span]]:
    """The noisy spans with the oracle's fix of the errors `found`."""
    result = [list(text) for text in noisy]
    for n in found:
        error = errors[n]
        text = result[error["text"]]
        if error["noisy"] is not None:
            text.remove(error["noisy"])
        text.append(error["original"])
    return result


def retrain(
    name: str,
    docs: List[Doc],
    spans: List[List[Span]],
    metas: List[Dict],
    eval_path: Path,
    work: Path,
    steps: int,
    eval_frequency: int,
    seed: int,
) -> Dict[str, Any]:
    """F of configs/ner.cfg trained on the annotation `spans`, scored on `eval_path`."""
    path = work / f"{name}.jsonl"
    srsly.write_jsonl(path, [as_record(d, s, m) for d, s, m in zip(docs, spans, metas)])
    out = work / f"{name}_corpus"
    data_to_spacy([path], out, eval_path=eval_path, seed=seed)
    data = Corpus(out / "train.spacy", out / "dev.spacy", out / "labels.json")
    start = time.perf_counter()
    model = train_model(data.train, data, work / f"{name}_model", steps, seed, eval_frequency)
    performance = srsly.read_json(model / "meta.json")["performance"]
    return {
        "ents_f": round(performance["ents_f"] * 100, 2),
        "ents_p": round(performance["ents_p"] * 100, 2),
        "ents_r": round(performance["ents_r"] * 100, 2),
        "seconds": round(time.perf_counter() - start, 1),
    }


def run_dataset(name: str, work: Path, options: Dict[str, Any]) -> Dict[str, Any]:
    """Noise, find-errors, precision/recall at K and the oracle-fixed retrainings of one dataset."""
    data = dataset(name)
    nlp = spacy.blank("en")
    records = gold_records(data.train)
    work.mkdir(parents=True, exist_ok=True)
    eval_path = data.eval
    if eval_path is None:  # a seeded 80/20 split of the texts
        order = list(range(len(records)))
        random.Random(options["seed"]).shuffle(order)
        held = set(order[: len(records) // 5])
        eval_path = work / "eval.jsonl"
        srsly.write_jsonl(eval_path, [r for i, r in enumerate(records) if i in held])
        records = [r for i, r in enumerate(records) if i not in held]
    parsed = [token_spans(nlp, r) for r in records]
    docs, spans = [d for d, _ in parsed], [s for _, s in parsed]
    metas = [r.get("meta") or {} for r in records]
    rates = {"dropped": 0.05, "boundary": 0.05, "label": 0.03}
    noisy, errors = inject(docs, spans, options["seed"], rates)
    noisy_path = work / "noisy.jsonl"
    srsly.write_jsonl(noisy_path, [as_record(d, s, m) for d, s, m in zip(docs, noisy, metas)])
    overrides = {
        "training.max_steps": options["max_steps"],
        "training.eval_frequency": options["eval_frequency"],
    }
    start = time.perf_counter()
    result = find_errors(
        [noisy_path], work / "suspects.jsonl", config=NER_CONFIG, folds=options["folds"],
        n_process=options["n_process"], overrides=overrides, seed=options["seed"], min_score=0.0,
        training_dir=work / "folds",
    )  # fmt: skip
    seconds = round(time.perf_counter() - start, 1)
    hits = ranked_hits(result.suspects, docs, errors)
    n = len(errors)
    at_k = {f"{m}x": top_k(hits, result.suspects, errors, m * n) for m in (1, 2)}
    msg.info(f"{name}: {n} injected; " + ", ".join(
        f"top {v['k']}: P {v['precision']:.2f} R {v['recall']:.2f}" for v in at_k.values()
    ))  # fmt: skip
    train_args = (
        metas,
        eval_path,
        work,
        options["max_steps"],
        options["eval_frequency"],
        options["seed"],
    )
    retrained = {"noisy": retrain("noisy", docs, noisy, *train_args)}
    for key, found in at_k.items():
        fix = fixed(spans, noisy, errors, found["found"])
        retrained[f"fixed_top_{key}"] = retrain(f"fixed_{key}", docs, fix, *train_args)
    retrained["clean"] = retrain("clean", docs, spans, *train_args)
    for key in at_k:
        gain = retrained[f"fixed_top_{key}"]["ents_f"] - retrained["noisy"]["ents_f"]
        at_k[key]["f_gain"] = round(gain, 2)
    kinds: Dict[str, int] = {}
    for task in result.suspects:
        kind = task["meta"]["suspect"]["kind"]
        kinds[kind] = kinds.get(kind, 0) + 1
    return {
        "texts": len(docs),
        "entities": sum(len(s) for s in spans),
        "injected": {kind: sum(e["kind"] == kind for e in errors) for kind in rates} | {"all": n},
        "eval": str(eval_path),
        "find_errors_seconds": seconds,
        "folds": [
            {k: f[k] for k in ("fold", "texts", "ents_f", "seconds") if k in f}
            for f in result.folds
        ],
        "suspects": len(result.suspects),
        "suspects_by_kind": kinds,
        "top_k": at_k,
        "retrained": retrained,
    }


@app.command()
def main(
    datasets: str = typer.Option("fashion_brands,food_ingredients", help="Comma-separated"),
    max_steps: int = typer.Option(500, help="Steps of every training (folds and retrainings)"),
    eval_frequency: int = typer.Option(250),
    folds: int = typer.Option(5),
    n_process: int = typer.Option(2),
    seed: int = typer.Option(0, help="Seed of the noise, the folds and the trainings"),
    work: Path = typer.Option(Path("training/bench_find_errors"), help="Work folder"),
    output: Path = typer.Option(RESULTS / "find_errors.json"),
) -> None:
    """Inject noise, run find-errors, report precision/recall at K and the F the fixes gain."""
    options = {
        "max_steps": max_steps,
        "eval_frequency": eval_frequency,
        "folds": folds,
        "n_process": n_process,
        "seed": seed,
        "config": NER_CONFIG,
    }
    results = {}
    for name in datasets.split(","):
        results[name] = run_dataset(name, work / name, options)
        msg.info(json.dumps(results[name]["top_k"], default=str)[:400])
        msg.info(json.dumps(results[name]["retrained"]))
    write_results(output, {"run": run_info(**options), "datasets": results})
    msg.good(f"Saved {output}")


if __name__ == "__main__":
    app()
