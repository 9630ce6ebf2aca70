"""Generate ``assets/spans_sample.jsonl``: a span categorization sample with nested spans.

The first ``N_RECORDS`` texts of ``assets/sample/train.jsonl`` keep their GEAR_BRAND and TRAIL
spans and gain a third label, GEAR_ITEM: a brand with the gear noun that follows it ("Osprey
pack", "MSR water filter", the nouns of ``sample_data/brands.txt``), which contains the
GEAR_BRAND span. The records are Prodigy ``spans.manual`` answers (``_view_id``
"spans_manual"), so ``data-to-spacy --spans-key sc`` keeps both spans of a nested pair, where
the ner path rejects the record. Deterministic (no randomness): run
``python scripts/make_spans_sample.py`` from the repository root.
"""

import json
from pathlib import Path
from typing import Any, Dict, List

from make_sample import BRANDS, GOLD_PATH

from spacy_ner_plugin.constants import SPANS_VIEW
from spacy_ner_plugin.io.files import write_jsonl_atomic
from spacy_ner_plugin.io.hashing import set_hashes

OUTPUT = Path(__file__).resolve().parent.parent / "assets" / "spans_sample.jsonl"
N_RECORDS = 200
BRAND, ITEM = "GEAR_BRAND", "GEAR_ITEM"
# longest noun first, so "water filter" wins over "filter"
NOUNS = {
    brand.lower(): sorted((noun.split() for noun in nouns), key=len, reverse=True)
    for brand, nouns in BRANDS.items()
}


def item_spans(record: Dict[str, Any]) -> List[Dict[str, Any]]:
    """A GEAR_ITEM span over each GEAR_BRAND span and the brand's gear noun right after it."""
    tokens = record["tokens"]
    items = []
    for span in record["spans"]:
        brand = record["text"][span["start"] : span["end"]].lower()
        if span["label"] != BRAND or brand not in NOUNS:
            continue
        after = span["token_end"] + 1
        for words in NOUNS[brand]:
            following = [t["text"].lower() for t in tokens[after : after + len(words)]]
            if following == words:
                last = after + len(words) - 1
                item = {"start": span["start"], "end": tokens[last]["end"], "label": ITEM}
                items.append({**item, "token_start": span["token_start"], "token_end": last})
                break
    return items


def spans_record(record: Dict[str, Any]) -> Dict[str, Any]:
    """The record as a spans.manual answer, its spans (nested ones included) in text order."""
    spans = sorted(
        record["spans"] + item_spans(record), key=lambda s: (s["start"], -s["end"], s["label"])
    )
    answer = {
        "text": record["text"],
        "meta": record["meta"],
        "tokens": record["tokens"],
        "spans": spans,
        "answer": "accept",
        "_view_id": SPANS_VIEW,
    }
    return set_hashes(answer, overwrite=True)


def main(output: Path = OUTPUT) -> None:
    """Write the sample to `output` from the first `N_RECORDS` texts of the sample."""
    with GOLD_PATH.open(encoding="utf8") as file_:
        records = [spans_record(json.loads(line)) for line, _ in zip(file_, range(N_RECORDS))]
    nested = sum(s["label"] == ITEM for r in records for s in r["spans"])
    if not nested:
        raise ValueError("no GEAR_ITEM span: the sample's brands or nouns changed")
    write_jsonl_atomic(output, records)
    print(f"Wrote {len(records)} records with {nested} nested GEAR_ITEM spans to {output}")


if __name__ == "__main__":
    main()
