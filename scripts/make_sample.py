"""Generate the shipped sample dataset for spacy_ner_plugin.

All texts are original, written for this project (hand-written sentence
templates combined with hand-picked entity lists, in ``scripts/sample_data/``:
plain text files, one item a line, and the patterns as JSONL), and released
under the project's MIT licence. The domain is hiking / backpacking trip
reports and outdoor-gear chatter in an informal forum-comment style, annotated
with two labels: ``GEAR_BRAND`` and ``TRAIL`` (named trails, peaks, parks and
areas).

Running ``python scripts/make_sample.py`` from the repository root writes:

* ``assets/sample/train.jsonl``   - 400 Prodigy ``ner.manual``
  style records (complete annotations, with ``tokens``).
* ``assets/sample/binary.jsonl`` - 300 Prodigy ``ner.teach``
  style binary answers (one span each; accept / reject / ignore).
* ``assets/sample/raw.jsonl`` - 1,200 raw, unannotated texts.
* ``assets/sample/patterns.jsonl`` - EntityRuler / Prodigy match patterns (partial
  coverage on purpose).
* ``assets/README.md``       - description of the files, with counts.
* ``assets/sample/annotator_b.jsonl``, ``annotator_c.jsonl`` - a second and third
  annotator's ``ner.manual`` answers on 100 of the train texts each (50 texts shared by
  both), with their own habits: boundaries (a leading "the", a gear noun after the brand, a
  trail without "Trail"), labels swapped on ambiguous names, missed (often lower-cased)
  spans, one text ignored or rejected. Drawn from a separate seeded stream
  (``ANNOTATOR_SEED``), so the files above are unchanged by them; ``review`` reads them
  together with ``train.jsonl`` (see docs/review.md).

The generator is deterministic (``random.Random(0)``): every run produces
byte-identical output. It only needs the standard library and spaCy
(``murmurhash`` ships as a spaCy dependency). After writing, the files are
re-read and validated; any problem raises an exception.

Template slots (inside sentence templates):

* ``{BRAND}`` a gear brand (GEAR_BRAND entity); ``{GEAR}`` a generic gear noun
  that fits the most recently inserted brand (not an entity).
* ``{TRAIL}`` a named trail, ``{PEAK}`` a peak, ``{PARK}`` a park / area,
  ``{PLACE}`` any of the three (all TRAIL entities). Names that take a
  definite article ("the Pacific Crest Trail") get it inserted automatically,
  outside the entity span.
* Fillers (never entities): ``{NUM}``, ``{DAYS}``, ``{MILES}``, ``{MONTH}``,
  ``{SEASON}``, ``{LBS}``, ``{TEMP}``, ``{PRICE}``, ``{SIZE}``, ``{GAIN}``.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Sequence, Tuple

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from spacy_ner_plugin.io.hashing import set_hashes

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
GOLD_PATH = ASSETS / "sample" / "train.jsonl"
BINARY_PATH = ASSETS / "sample" / "binary.jsonl"
RAW_PATH = ASSETS / "sample" / "raw.jsonl"
PATTERNS_PATH = ASSETS / "sample" / "patterns.jsonl"
README_PATH = ASSETS / "README.md"
ANNOTATOR_PATHS = {
    name: ASSETS / "sample" / f"{name}.jsonl" for name in ("annotator_b", "annotator_c")
}

SEED = 0
N_GOLD = 400
N_BINARY = 300
N_RAW = 1200
NO_ENTITY_RATE = 0.2
BINARY_ANSWERS = {"accept": 135, "reject": 150, "ignore": 15}
MIN_GOLD_SPANS_PER_LABEL = 300

BRAND = "GEAR_BRAND"
TRAIL = "TRAIL"
LABELS = (BRAND, TRAIL)

CharSpan = Tuple[int, int, str]

# ---------------------------------------------------------------------------
# Word lists, templates and patterns (sample_data/, hand-written for this project)
# ---------------------------------------------------------------------------

SAMPLE_DATA = Path(__file__).resolve().parent / "sample_data"


def read_items(name: str) -> List[str]:
    """The items of ``sample_data/NAME``: one a line; blank lines and ``#`` comments skipped."""
    text = (SAMPLE_DATA / name).read_text(encoding="utf8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def read_places(name: str) -> List[Tuple[str, bool]]:
    """(name, takes a definite article): a leading "the " in the file marks the article."""
    return [
        (item[4:], True) if item.startswith("the ") else (item, False) for item in read_items(name)
    ]


def read_brands() -> Dict[str, List[str]]:
    """Brand -> gear nouns that plausibly follow it ("my Osprey pack"): ``BRAND: NOUN, ...``."""
    pairs = (item.split(": ", 1) for item in read_items("brands.txt"))
    return {brand: nouns.split(", ") for brand, nouns in pairs}


BRANDS = read_brands()
TRAILS = read_places("trails.txt")
PEAKS = read_places("peaks.txt")
PARKS = read_places("parks.txt")
PLACES: List[Tuple[str, bool]] = TRAILS + PEAKS + PARKS
ENTITY_TEMPLATES = read_items("entity_templates.txt")
NO_ENTITY_TEMPLATES = read_items("no_entity_templates.txt")
MONTHS = read_items("months.txt")
SEASONS = read_items("seasons.txt")
SIZES = read_items("sizes.txt")

FILLERS: Dict[str, Callable[[random.Random], str]] = {
    "NUM": lambda r: str(r.randint(2, 14)),
    "DAYS": lambda r: str(r.randint(2, 30)),
    "MILES": lambda r: str(r.choice([r.randint(8, 95), r.randint(100, 2650)])),
    "MONTH": lambda r: r.choice(MONTHS),
    "SEASON": lambda r: r.choice(SEASONS),
    "LBS": lambda r: str(r.randint(7, 24)),
    "TEMP": lambda r: str(r.randint(12, 45)),
    "PRICE": lambda r: str(r.randrange(40, 460, 5)),
    "SIZE": lambda r: r.choice(SIZES),
    "GAIN": lambda r: f"{r.randrange(1500, 9000, 100):,}",
}

SLOT_RE = re.compile(r"\{([A-Z]+)\}")
INDEF_RE = re.compile(r"(?:^|\s)[Aa]n? $")  # literal ends with "a " / "an "
DET_RE = re.compile(r"(?:^|\s)(?:[Tt]he|[Mm]y|[Oo]ur) $")  # no extra "the" after these

PLURAL_GEAR = set(read_items("plural_gear.txt"))
SINGULAR_BRANDS = [b for b, gear in BRANDS.items() if any(g not in PLURAL_GEAR for g in gear)]

# Patterns, deliberately partial coverage (written to assets/sample/patterns.jsonl as they are)
PATTERNS: List[Dict[str, Any]] = [
    json.loads(line) for line in (SAMPLE_DATA / "patterns.jsonl").read_text("utf8").splitlines()
]

# ---------------------------------------------------------------------------
# Text generation
# ---------------------------------------------------------------------------


def _pick_place(rng: random.Random, slot: str) -> Tuple[str, bool]:
    pool = {"TRAIL": TRAILS, "PEAK": PEAKS, "PARK": PARKS, "PLACE": PLACES}[slot]
    return rng.choice(pool)


def fill_template(template: str, rng: random.Random) -> Tuple[str, List[CharSpan]]:
    """Fill one sentence template; return the text and its entity char spans."""
    out: List[str] = []
    spans: List[CharSpan] = []
    pos = 0
    last_brand: str | None = None
    singular = False
    cursor = 0
    for match in SLOT_RE.finditer(template):
        literal = template[cursor : match.start()]
        out.append(literal)
        pos += len(literal)
        cursor = match.end()
        slot = match.group(1)
        if slot == "BRAND":
            # After "a"/"an", use a brand + gear noun that can be singular and
            # fix the indefinite article ("an Osprey pack").
            singular = INDEF_RE.search(literal) is not None
            last_brand = rng.choice(SINGULAR_BRANDS if singular else list(BRANDS))
            value = last_brand.lower() if rng.random() < 0.1 else last_brand
            if singular:
                article_a = out[-1].rstrip().split(" ")[-1]
                wanted = "an" if value[0].lower() in "aeiou" else "a"
                wanted = wanted.capitalize() if article_a[0].isupper() else wanted
                if wanted != article_a:
                    fixed = out[-1][: len(out[-1]) - len(article_a) - 1] + wanted + " "
                    pos += len(fixed) - len(out[-1])
                    out[-1] = fixed
            spans.append((pos, pos + len(value), BRAND))
        elif slot == "GEAR":
            gear_pool = BRANDS[last_brand] if last_brand else ["pack", "tent", "stove"]
            if singular or INDEF_RE.search(literal):
                gear_pool = [g for g in gear_pool if g not in PLURAL_GEAR] or ["pack", "tent"]
            value = rng.choice(gear_pool)
        elif slot in ("TRAIL", "PEAK", "PARK", "PLACE"):
            name, article = _pick_place(rng, slot)
            if rng.random() < 0.03 and name != "AT":  # "at" would be a trap
                name = name.lower()
            if article and not DET_RE.search(literal):
                prefix = "The " if pos == 0 else "the "
                out.append(prefix)
                pos += len(prefix)
            value = name
            spans.append((pos, pos + len(value), TRAIL))
        elif slot in FILLERS:
            value = FILLERS[slot](rng)
        else:
            raise ValueError(f"Unknown slot {{{slot}}} in template: {template!r}")
        out.append(value)
        pos += len(value)
    out.append(template[cursor:])
    return "".join(out), spans


def compose_text(
    rng: random.Random, n_sents: int, with_entities: bool
) -> Tuple[str, List[CharSpan]]:
    """Join ``n_sents`` filled templates into one text (with or without entities)."""
    if with_entities:
        flags = [rng.random() < 0.5 for _ in range(n_sents)]
        flags[rng.randrange(n_sents)] = True
    else:
        flags = [False] * n_sents
    parts: List[str] = []
    spans: List[CharSpan] = []
    offset = 0
    for is_entity in flags:
        pool = ENTITY_TEMPLATES if is_entity else NO_ENTITY_TEMPLATES
        sent, sent_spans = fill_template(rng.choice(pool), rng)
        if parts:
            offset += 1  # the joining space
        parts.append(sent)
        spans.extend((s + offset, e + offset, label) for s, e, label in sent_spans)
        offset += len(sent)
    text = " ".join(parts)
    has_at = any(text[s:e] == "AT" for s, e, _ in spans)
    if rng.random() < 0.04 and not has_at:  # lazy all-lowercase forum post
        lowered = text.lower()
        if len(lowered) == len(text):
            text = lowered
    return text, spans


def sample_length(rng: random.Random, long_rate: float = 0.0) -> int:
    """Number of sentences: mostly 1-4, optionally some long 4-8 sentence texts."""
    if long_rate and rng.random() < long_rate:
        return rng.randint(4, 8)
    return rng.choices([1, 2, 3, 4], weights=[35, 30, 22, 13])[0]


class TextSource:
    """Produces globally unique texts (no text is ever returned twice)."""

    def __init__(self, rng: random.Random, nlp: Language) -> None:
        self.rng = rng
        self.nlp = nlp
        self.seen: set = set()

    def next(self, with_entities: bool, long_rate: float = 0.0) -> Tuple[str, List[CharSpan], Doc]:
        for _ in range(1000):
            text, spans = compose_text(self.rng, sample_length(self.rng, long_rate), with_entities)
            if text in self.seen:
                continue
            self.seen.add(text)
            doc = self.nlp.make_doc(text)
            check_alignment(doc, spans)
            return text, spans, doc
        raise RuntimeError("Could not generate a new unique text")


def check_alignment(doc: Doc, spans: Sequence[CharSpan]) -> None:
    """Fail loudly if a span is misaligned with the tokenization or overlaps."""
    last_end = -1
    for start, end, label in sorted(spans):
        if doc.char_span(start, end, label=label) is None:
            raise ValueError(
                f"Span {doc.text[start:end]!r} ({start}-{end}) does not align "
                f"with tokens in: {doc.text!r}"
            )
        if start < last_end:
            raise ValueError(f"Overlapping spans in: {doc.text!r}")
        last_end = end


# ---------------------------------------------------------------------------
# Record builders
# ---------------------------------------------------------------------------


def token_dicts(doc: Doc) -> List[Dict[str, Any]]:
    return [
        {
            "text": t.text,
            "start": t.idx,
            "end": t.idx + len(t.text),
            "id": t.i,
            "ws": t.whitespace_ != "",
        }
        for t in doc
    ]


def gold_record(idx: int, doc: Doc, spans: Sequence[CharSpan]) -> Dict[str, Any]:
    span_dicts: List[Dict[str, Any]] = []
    for start, end, label in sorted(spans):
        span = doc.char_span(start, end, label=label)
        assert span is not None  # checked in check_alignment
        span_dicts.append(
            {
                "start": start,
                "end": end,
                "token_start": span.start,
                "token_end": span.end - 1,
                "label": label,
            }
        )
    record = {
        "text": doc.text,
        "meta": {"source": "sample", "id": idx},
        "tokens": token_dicts(doc),
        "spans": span_dicts,
        "answer": "accept",
    }
    return set_hashes(record)


def _tok_span(doc: Doc, t_start: int, t_end: int, label: str) -> Dict[str, Any]:
    """Span dict for tokens t_start..t_end (inclusive)."""
    start = doc[t_start].idx
    end = doc[t_end].idx + len(doc[t_end].text)
    return {
        "start": start,
        "end": end,
        "text": doc.text[start:end],
        "label": label,
        "token_start": t_start,
        "token_end": t_end,
    }


def _other_label(label: str) -> str:
    return TRAIL if label == BRAND else BRAND


def _non_entity_tokens(doc: Doc, ents: Sequence[Tuple[int, int, str]]) -> List[int]:
    inside = {i for s, e, _ in ents for i in range(s, e + 1)}
    return [t.i for t in doc if t.is_alpha and len(t.text) >= 3 and t.i not in inside]


def binary_question(
    rng: random.Random, doc: Doc, spans: Sequence[CharSpan], answer: str
) -> Tuple[Dict[str, Any], str] | None:
    """Build one ner.teach-style question with the given answer, or None."""
    ents: List[Tuple[int, int, str]] = []
    for start, end, label in spans:
        span = doc.char_span(start, end)
        assert span is not None
        ents.append((span.start, span.end - 1, label))
    free = _non_entity_tokens(doc, ents)
    inside = {i for s, e, _ in ents for i in range(s, e + 1)}

    if answer == "accept":
        if not ents:
            return None
        s, e, label = rng.choice(ents)
        return _tok_span(doc, s, e, label), "correct"

    if answer == "ignore":
        if ents and rng.random() < 0.5:
            s, e, _ = rng.choice(ents)
            return _tok_span(doc, s, e, rng.choice(LABELS)), "unsure_entity"
        if not free:
            return None
        i = rng.choice(free)
        return _tok_span(doc, i, i, rng.choice(LABELS)), "unsure_token"

    kinds = ["wrong_label", "partial", "overlong", "non_entity"]
    kind = rng.choices(kinds, weights=[30, 20, 20, 30])[0]
    if not ents:
        kind = "non_entity"
    if kind == "partial":
        cuts: List[Tuple[int, int, str]] = []
        for s, e, label in ents:
            if e > s and doc[s + 1].is_alpha:
                cuts.append((s + 1, e, label))
            if e > s and doc[e - 1].is_alpha:
                cuts.append((s, e - 1, label))
        if cuts:
            s, e, label = rng.choice(cuts)
            return _tok_span(doc, s, e, label), "partial"
        kind = "overlong"
    if kind == "overlong":
        options: List[Tuple[int, int, str]] = []
        for s, e, label in ents:
            if s > 0 and doc[s - 1].is_alpha and s - 1 not in inside:
                options.append((s - 1, e, label))
            if e + 1 < len(doc) and doc[e + 1].is_alpha and e + 1 not in inside:
                options.append((s, e + 1, label))
        if options:
            s, e, label = rng.choice(options)
            return _tok_span(doc, s, e, label), "overlong"
        kind = "wrong_label"
    if kind == "wrong_label":
        s, e, label = rng.choice(ents)
        return _tok_span(doc, s, e, _other_label(label)), "wrong_label"
    # non_entity: prefer capitalised words (a typical model false positive)
    if not free:
        return None
    titled = [i for i in free if doc[i].is_title]
    pool = titled if titled and rng.random() < 0.5 else free
    i = rng.choice(pool)
    return _tok_span(doc, i, i, rng.choice(LABELS)), "non_entity"


def make_binary(rng: random.Random, source: TextSource) -> Tuple[List[Dict[str, Any]], Counter]:
    plan = [a for a, n in BINARY_ANSWERS.items() for _ in range(n)]
    rng.shuffle(plan)
    records: List[Dict[str, Any]] = []
    kinds: Counter = Counter()
    text_idx = 0
    while plan:
        with_entities = rng.random() >= 0.1
        text, spans, doc = source.next(with_entities)
        n_questions = 2 if rng.random() < 0.2 and len(plan) >= 2 else 1
        asked: set = set()
        made: List[Tuple[Dict[str, Any], str]] = []
        for _ in range(n_questions):
            answer = plan[-1]
            result = binary_question(rng, doc, spans, answer)
            if result is None:
                break
            span, kind = result
            key = (span["start"], span["end"], span["label"])
            if key in asked:
                break
            asked.add(key)
            plan.pop()
            made.append((span, answer))
            kinds[f"{answer}:{kind}"] += 1
        if not made:
            continue  # text unused for binary; it still stays out of other files
        for span, answer in made:
            records.append(
                set_hashes(
                    {
                        "text": text,
                        "meta": {"source": "sample", "id": text_idx},
                        "spans": [span],
                        "answer": answer,
                    }
                )
            )
        text_idx += 1
    return records, kinds


# ---------------------------------------------------------------------------
# Second and third annotators (for the review step)
# ---------------------------------------------------------------------------

ANNOTATOR_SEED = 17
N_SHARED, N_ALONE = 50, 50  # train texts both re-annotate; texts each re-annotates alone
# Each annotator's habits: the chance, per span, of each kind of disagreement with train.jsonl.
HABITS: Dict[str, Dict[str, float]] = {
    # includes "the" in trail names and the gear noun in brand mentions
    "annotator_b": {
        "article": 0.6,
        "gear_noun": 0.2,
        "trim": 0.03,
        "label": 0.02,
        "miss": 0.03,
        "miss_lower": 0.25,
    },
    # trims trail names, swaps labels on ambiguous names, misses lower-cased brands
    "annotator_c": {
        "article": 0.0,
        "gear_noun": 0.03,
        "trim": 0.25,
        "label": 0.04,
        "miss": 0.06,
        "miss_lower": 0.6,
    },
}
# Names a careless annotator can take for the other label (brands named like places and
# places named like brands).
AMBIGUOUS = set(read_items("ambiguous.txt"))
TRAIL_SUFFIXES = {"Trail", "Way", "Track", "Loop", "Traverse", "Peak", "Park", "Range"}
GEAR_WORDS = {word for gear in BRANDS.values() for noun in gear for word in noun.split()}
ODD_ANSWERS = {"annotator_b": "ignore", "annotator_c": "reject"}


def reannotate(
    rng: random.Random, doc: Doc, spans: List[Dict[str, Any]], habits: Dict[str, float]
) -> List[Tuple[int, int, str]]:
    """One annotator's token spans (inclusive ends) for a text whose gold spans are `spans`."""
    gold = [(s["token_start"], s["token_end"], s["label"]) for s in spans]
    taken = {i for s, e, _ in gold for i in range(s, e + 1)}
    result = []
    for s, e, label in gold:
        text = doc[s : e + 1].text
        miss = habits["miss_lower"] if text.islower() else habits["miss"]
        if rng.random() < miss:
            continue
        flip = habits["label"] * (6 if text in AMBIGUOUS else 1)
        if rng.random() < flip:
            label = _other_label(label)
        if label == TRAIL and s > 0 and doc[s - 1].lower_ == "the" and s - 1 not in taken:
            if rng.random() < habits["article"]:
                s -= 1
        if e + 1 < len(doc) and doc[e + 1].text in GEAR_WORDS and e + 1 not in taken:
            if label == BRAND and rng.random() < habits["gear_noun"]:
                e += 1  # the whole gear noun: "Osprey pack", "Leki trekking poles"
                if e + 1 < len(doc) and doc[e + 1].text in GEAR_WORDS and e + 1 not in taken:
                    e += 1
        if e > s and rng.random() < habits["trim"]:
            if doc[e].text in TRAIL_SUFFIXES:
                e -= 1
            elif doc[s].text in ("Mount", "Mt."):
                s += 1
        result.append((s, e, label))
    return result


def make_annotators(gold: List[Dict[str, Any]], nlp: Language) -> Dict[str, List[Dict[str, Any]]]:
    """Annotators b and c: 100 train texts each, 50 of them shared, with their own habits."""
    rng = random.Random(ANNOTATOR_SEED)
    chosen = rng.sample(range(len(gold)), N_SHARED + 2 * N_ALONE)
    texts = {
        "annotator_b": sorted(chosen[: N_SHARED + N_ALONE]),
        "annotator_c": sorted(chosen[:N_SHARED] + chosen[N_SHARED + N_ALONE :]),
    }
    out: Dict[str, List[Dict[str, Any]]] = {}
    for name, indices in texts.items():
        odd = rng.choice(indices)
        records = []
        for idx in indices:
            rec = gold[idx]
            doc = nlp.make_doc(rec["text"])
            spans = reannotate(rng, doc, rec["spans"], HABITS[name])
            record = {
                "text": rec["text"],
                "meta": rec["meta"],
                "tokens": rec["tokens"],
                "spans": [
                    {k: v for k, v in _tok_span(doc, s, e, label).items() if k != "text"}
                    for s, e, label in spans
                ],
                "answer": ODD_ANSWERS[name] if idx == odd else "accept",
                "_view_id": "ner_manual",
                "_annotator_id": name,
                "_session_id": f"sample-{name}",
            }
            records.append(set_hashes(record, overwrite=True))
        out[name] = records
    return out


def validate_annotators(nlp: Language) -> Dict[str, Counter]:
    """Re-read the annotator files: aligned, non-overlapping spans on train texts; the changes."""
    gold = {r["text"]: r for r in read_jsonl(GOLD_PATH)}
    changes: Dict[str, Counter] = {}
    for name, path in ANNOTATOR_PATHS.items():
        records = read_jsonl(path)
        if len(records) != N_SHARED + N_ALONE:
            _fail(f"{path.name}: {len(records)} records")
        found: Counter = Counter()
        for rec in records:
            if rec["text"] not in gold or rec["_annotator_id"] != name:
                _fail(f"{path.name}: not a train text, or wrong annotator: {rec['text']!r}")
            doc = nlp.make_doc(rec["text"])
            check_alignment(doc, [(s["start"], s["end"], s["label"]) for s in rec["spans"]])
            if rec != set_hashes(dict(rec), overwrite=True):
                _fail(f"bad hashes in {path.name}")
            mine = {(s["start"], s["end"], s["label"]) for s in rec["spans"]}
            theirs = {(s["start"], s["end"], s["label"]) for s in gold[rec["text"]]["spans"]}
            found["texts differing from train.jsonl"] += mine != theirs
            found["spans not in train.jsonl"] += len(mine - theirs)
            found["train.jsonl spans not here"] += len(theirs - mine)
            found[f"answer {rec['answer']}"] += 1
        changes[name] = found
    return changes


# ---------------------------------------------------------------------------
# Output + validation
# ---------------------------------------------------------------------------


def write_jsonl(path: Path, records: Iterable[Dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf8", newline="\n") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> List[Dict[str, Any]]:
    with path.open(encoding="utf8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _fail(msg: str) -> None:
    raise ValueError(f"make_sample validation failed: {msg}")


def validate(nlp: Language) -> Dict[str, Any]:
    """Re-read the written files and check them; return summary statistics."""
    gold = read_jsonl(GOLD_PATH)
    binary = read_jsonl(BINARY_PATH)
    raw = read_jsonl(RAW_PATH)
    patterns = read_jsonl(PATTERNS_PATH)
    if len(gold) != N_GOLD or len(binary) != N_BINARY or len(raw) != N_RAW:
        _fail(f"counts gold={len(gold)} binary={len(binary)} raw={len(raw)}")

    gold_labels: Counter = Counter()
    gold_empty = 0
    for rec in gold:
        doc = nlp.make_doc(rec["text"])
        if token_dicts(doc) != rec["tokens"]:
            _fail(f"tokens differ from spacy.blank('en') for {rec['text']!r}")
        last_end = -1
        for s in rec["spans"]:
            span = doc.char_span(s["start"], s["end"])
            if span is None or span.start != s["token_start"] or span.end - 1 != s["token_end"]:
                _fail(f"misaligned span {s} in {rec['text']!r}")
            if s["start"] < last_end:
                _fail(f"overlapping spans in {rec['text']!r}")
            last_end = s["end"]
            gold_labels[s["label"]] += 1
        gold_empty += not rec["spans"]
        if rec != set_hashes(dict(rec), overwrite=True):
            _fail("bad hashes in gold")
    for label in LABELS:
        if gold_labels[label] < MIN_GOLD_SPANS_PER_LABEL:
            _fail(f"only {gold_labels[label]} gold {label} spans")

    bin_answers: Counter = Counter()
    bin_labels: Counter = Counter()
    for rec in binary:
        if "tokens" in rec or len(rec["spans"]) != 1:
            _fail(f"binary record must have one span and no tokens: {rec['text']!r}")
        s = rec["spans"][0]
        doc = nlp.make_doc(rec["text"])
        span = doc.char_span(s["start"], s["end"])
        if (
            span is None
            or span.text != s["text"]
            or span.start != s["token_start"]
            or span.end - 1 != s["token_end"]
        ):
            _fail(f"misaligned binary span {s} in {rec['text']!r}")
        if rec != set_hashes(dict(rec), overwrite=True):
            _fail("bad hashes in binary")
        bin_answers[rec["answer"]] += 1
        bin_labels[(s["label"], rec["answer"])] += 1
    if len({r["_task_hash"] for r in binary}) != len(binary):
        _fail("duplicate _task_hash in binary")

    gold_texts = {r["text"] for r in gold}
    bin_texts = {r["text"] for r in binary}
    raw_texts = [r["text"] for r in raw]
    if len(gold_texts) != len(gold) or len(set(raw_texts)) != len(raw_texts):
        _fail("duplicate texts within gold or raw")
    if gold_texts & bin_texts or gold_texts & set(raw_texts) or bin_texts & set(raw_texts):
        _fail("texts shared between gold / binary / raw")

    raw_sents = Counter(min(len(list(_sentences(t))), 8) for t in raw_texts)
    return {
        "gold_labels": gold_labels,
        "gold_empty": gold_empty,
        "bin_answers": bin_answers,
        "bin_labels": bin_labels,
        "bin_texts": len(bin_texts),
        "raw_long": sum(n for k, n in raw_sents.items() if k >= 5),
        "patterns": Counter(p["label"] for p in patterns),
        "n_patterns": len(patterns),
        "n_token_patterns": sum(isinstance(p["pattern"], list) for p in patterns),
    }


def _sentences(text: str) -> Iterable[str]:
    """Rough sentence split, only used for README statistics."""
    return [s for s in re.split(r"(?<=[.!?)])\s+", text) if s]


README_TEMPLATE = """# Sample data: hiking & outdoor-gear NER

Small, **original** sample dataset shipped with `spacy_ner_plugin` so the
`spacy project` template and the tests run end to end without external data.
The domain is hiking / backpacking trip reports and outdoor-gear talk in an
informal forum-comment style. Two labels:

- `GEAR_BRAND` - outdoor gear brands (real ones such as Osprey or
  Black Diamond, plus a few invented ones such as Cairnworks).
- `TRAIL` - named trails, peaks, parks and hiking areas (e.g.
  "Pacific Crest Trail", "Mount Rainier", "Zion", "the Lake District").
  A leading "the" is never part of the span.

## Provenance and licence

All texts were written for this project: they are generated from hand-written
sentence templates and hand-picked entity lists in `scripts/make_sample.py`;
no third-party text was copied. Brand and place names are used only as names.
The data is released under the **MIT licence**, the same as the project.

Regenerate (deterministic, seeded `random.Random(0)`, identical output on every
run; the script validates the files after writing them):

```bash
python scripts/make_sample.py
```

## Files

| File | Records | Description |
| --- | ---: | --- |
| `sample/train.jsonl` | {n_gold} | complete annotations (`ner.manual`) |
| `sample/binary.jsonl` | {n_binary} | binary answers (`ner.teach`) |
| `sample/raw.jsonl` | {n_raw} | raw, unannotated texts |
| `sample/patterns.jsonl` | {n_patterns} | EntityRuler / Prodigy match patterns |

No text appears in more than one of `gold`, `binary` and `raw`, and texts are
unique within each file (in the binary file a text can carry up to two
questions, as in a real `ner.teach` session).

### `sample/train.jsonl`

{n_gold} texts (1-4 sentences each), all `"answer": "accept"`. Spans:
`GEAR_BRAND` {gold_brand}, `TRAIL` {gold_trail}. {gold_empty} texts
({gold_empty_pct}%) contain no entity at all (`"spans": []`); these are real
negatives. About 10% of brand mentions are lower-cased ("osprey"), and a few
texts are entirely lower-case.

One JSON object per line:

- `text`, `meta` (`{{"source": "sample", "id": n}}`), `_input_hash`,
  `_task_hash`, `answer`
- `tokens`: `{{"text", "start", "end", "id", "ws"}}` from the `spacy.blank("en")`
  tokenizer (`ws` is true when the token is followed by whitespace)
- `spans`: `{{"start", "end", "token_start", "token_end", "label"}}`; character
  offsets fall on token boundaries and `token_end` is **inclusive**.

### `sample/binary.jsonl`

{n_binary} answers on {bin_texts} texts. Each record has exactly one span
`{{"start", "end", "text", "label", "token_start", "token_end"}}` (no top-level
`tokens`, like a `ner.teach` export) and an `answer`:

| answer | GEAR_BRAND | TRAIL | total |
| --- | ---: | ---: | ---: |
{binary_table}

`accept` means the span is a true entity with the correct label. `reject`
covers wrong labels, partial or overlong boundaries ("Pacific Crest",
"Osprey pack") and plain non-entity words. `ignore` marks questions the
annotator skipped. A rejected span says nothing about other spans in the text.

### `sample/raw.jsonl`

{n_raw} unannotated texts, `{{"text": ..., "meta": {{"source": "sample"}}}}`, for
pretraining, `ner.teach` streams or prediction. Mostly 1-4 sentences, with
{raw_long} longer texts (up to 8 sentences); about 20% mention no entity.

### `sample/patterns.jsonl`

{n_patterns} patterns ({pat_brand} `GEAR_BRAND`, {pat_trail} `TRAIL`;
{n_token_patterns} token patterns such as
`{{"label": "GEAR_BRAND", "pattern": [{{"lower": "black"}}, {{"lower": "diamond"}}]}}`,
the rest exact-string phrase patterns such as
`{{"label": "TRAIL", "pattern": "Pacific Crest Trail"}}`; a few carry an `id`).
They deliberately cover only part of the brand and trail lists, so a
rules-only baseline has clearly incomplete recall.

## Hashes

`_input_hash` and `_task_hash` are computed by `spacy_ner_plugin.io.hashing`
(its module docstring documents the definition).
"""


def write_readme(stats: Dict[str, Any]) -> None:
    rows = []
    for answer in BINARY_ANSWERS:
        b = stats["bin_labels"][(BRAND, answer)]
        t = stats["bin_labels"][(TRAIL, answer)]
        rows.append(f"| {answer} | {b} | {t} | {b + t} |")
    text = README_TEMPLATE.format(
        n_gold=N_GOLD,
        n_binary=N_BINARY,
        n_raw=N_RAW,
        n_patterns=stats["n_patterns"],
        gold_brand=stats["gold_labels"][BRAND],
        gold_trail=stats["gold_labels"][TRAIL],
        gold_empty=stats["gold_empty"],
        gold_empty_pct=round(100 * stats["gold_empty"] / N_GOLD),
        bin_texts=stats["bin_texts"],
        binary_table="\n".join(rows),
        raw_long=stats["raw_long"],
        pat_brand=stats["patterns"][BRAND],
        pat_trail=stats["patterns"][TRAIL],
        n_token_patterns=stats["n_token_patterns"],
    )
    with README_PATH.open("w", encoding="utf8", newline="\n") as f:
        f.write(text)


def check_patterns() -> None:
    """Every exact-string pattern must name an entity from the lists."""
    known = set(BRANDS) | {name for name, _ in PLACES}
    for p in PATTERNS:
        if isinstance(p["pattern"], str) and p["pattern"] not in known:
            _fail(f"pattern {p['pattern']!r} is not in the entity lists")


def main() -> None:
    rng = random.Random(SEED)
    nlp = spacy.blank("en")
    source = TextSource(rng, nlp)
    check_patterns()

    gold: List[Dict[str, Any]] = []
    n_empty = round(N_GOLD * NO_ENTITY_RATE)
    empty_flags = [True] * n_empty + [False] * (N_GOLD - n_empty)
    rng.shuffle(empty_flags)
    for idx, empty in enumerate(empty_flags):
        _, spans, doc = source.next(with_entities=not empty)
        gold.append(gold_record(idx, doc, spans))

    binary, kinds = make_binary(rng, source)

    raw: List[Dict[str, Any]] = []
    for _ in range(N_RAW):
        text, _, _ = source.next(with_entities=rng.random() >= NO_ENTITY_RATE, long_rate=0.2)
        raw.append({"text": text, "meta": {"source": "sample"}})

    write_jsonl(GOLD_PATH, gold)
    write_jsonl(BINARY_PATH, binary)
    write_jsonl(RAW_PATH, raw)
    write_jsonl(PATTERNS_PATH, PATTERNS)
    stats = validate(nlp)
    write_readme(stats)
    for name, records in make_annotators(gold, nlp).items():
        write_jsonl(ANNOTATOR_PATHS[name], records)
    annotator_changes = validate_annotators(nlp)

    print(
        f"gold:     {len(gold)} texts, spans {dict(stats['gold_labels'])}, "
        f"{stats['gold_empty']} without entities"
    )
    print(
        f"binary:   {len(binary)} answers on {stats['bin_texts']} texts, "
        f"{dict(stats['bin_answers'])}"
    )
    print(f"          question kinds: {dict(sorted(kinds.items()))}")
    print(f"raw:      {len(raw)} texts ({stats['raw_long']} with 5+ sentences)")
    print(f"patterns: {stats['n_patterns']} ({dict(stats['patterns'])})")
    for name, found in annotator_changes.items():
        print(f"{name}: {dict(found)}")
    print(
        f"wrote {GOLD_PATH.relative_to(ROOT)}, {BINARY_PATH.relative_to(ROOT)}, "
        f"{RAW_PATH.relative_to(ROOT)}, {PATTERNS_PATH.relative_to(ROOT)}, "
        f"{README_PATH.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
