"""A team's progress on one dataset: what each annotator answered and how fast, the labels so
far, agreement on the texts several annotators answered, and the answers over time.

One plain function (`team_progress`, or `dataset_progress` on a database) gives the figures
that the app's /progress page shows and `stats dataset:NAME` prints. The annotator of an answer
is the review's (`_annotator_id`, else `_session_id`). The pace comes from the stored
`_timestamp`s: the answers saved at one time over the time since that annotator's previous
save, summed over the saves that came within `BREAK_S` of the one before (a longer gap is a
break, not work). Agreement is `review.agreement`'s, on the texts (and binary questions) that
two or more annotators answered, read as `review` reads them.
"""

import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Sequence, Tuple

from spacy.language import Language

from ..annotations.kinds import answer_kind
from ..annotations.merge import Answer
from ..annotations.stats import CorpusStats, advice
from ..db.database import Database
from ..io.records import Reject
from ..messages import Message
from .agreement import Agreement
from .settle import measure, settle
from .versions import annotator_of

BREAK_S = 600
MAX_POINTS = 200
ANSWERS = ("accept", "reject", "ignore")


@dataclass
class AnnotatorProgress:
    """One annotator's answers (latest ones: superseded answers are not counted)."""

    annotator: str
    answers: int = 0
    accept: int = 0
    reject: int = 0
    ignore: int = 0
    spans: int = 0
    first: int | None = None
    last: int | None = None
    per_hour: float | None = None


@dataclass
class TeamProgress:
    """Everything the progress page shows; `to_json` for the page and `--json`."""

    dataset: str
    answers: int = 0
    annotators: List[AnnotatorProgress] = field(default_factory=list)
    labels: Dict[str, int] = field(default_factory=dict)
    agreement: Dict[str, Any] = field(default_factory=dict)
    # hours since `start` and answers so far, per annotator (at most MAX_POINTS points each)
    timeline: Dict[str, Any] = field(default_factory=dict)
    unreadable: int = 0

    def to_json(self) -> Dict[str, Any]:
        return asdict(self)

    def tables(self) -> List[tuple]:
        """The figures as (title, header, rows, aligns) tables, for the CLI to print."""
        rows = [
            (a.annotator, a.answers, a.accept, a.reject, a.ignore, a.spans, _when(a.first),
             _when(a.last), "-" if a.per_hour is None else f"{a.per_hour:.0f}")
            for a in self.annotators
        ]  # fmt: skip
        header = ("annotator", "answers", "accept", "reject", "ignore", "spans", "first (UTC)",
                  "last (UTC)", "per hour")  # fmt: skip
        tables = [
            (f"Progress of dataset:{self.dataset}: {self.answers} answers", header, rows,
             ("l", *"r" * 5, "l", "l", "r")),
            ("Labels so far (accepted spans)", ("label", "spans"),
             sorted(self.labels.items(), key=lambda item: -item[1]), ("l", "r")),
        ]  # fmt: skip
        pairs = [
            (f"{p['reference']} / {p['other']}", p["texts"], _num(p["f"]), _num(p["token_kappa"]))
            for p in self.agreement.get("pairs", [])
        ]
        pairs += [
            (f"{b['reference']} / {b['other']}", b["tasks"], _num(b["agreement"]), _num(b["kappa"]))
            for b in self.agreement.get("binary", [])
        ]
        if pairs:
            header = ("annotators", "texts", "span F / agree", "κ")
            title = f"Agreement on {self.agreement['texts']} texts answered by several annotators"
            tables.append((title, header, pairs, ("l", "r", "r", "r")))
        return tables

    def messages(self) -> List[Message]:
        """What the tables leave out, as (level, title, text): no agreement figures, and
        answers that could not be read."""
        lines = []
        if not self.agreement["texts"]:
            lines.append(
                ("info", "No text was answered by two annotators: no agreement figures", "")
            )
        if self.unreadable:
            unread = f"{self.unreadable} answers to shared texts could not be read"
            lines.append(("warn", unread, "review dataset:NAME names them"))
        return lines


def _when(timestamp: int | None) -> str:
    return "-" if timestamp is None else time.strftime("%Y-%m-%d %H:%M", time.gmtime(timestamp))


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def answers_per_hour(timestamps: Sequence[int], break_s: float = BREAK_S) -> float | None:
    """Answers per hour of work from one annotator's answer times (see the module docstring);
    None without two saves within `break_s` of each other."""
    saves = sorted(Counter(timestamps).items())
    answered = busy = 0
    for (before, _), (at, n) in zip(saves, saves[1:]):
        if at - before <= break_s:
            answered += n
            busy += at - before
    return answered * 3600 / busy if busy else None


def accepted_labels(record: Dict[str, Any]) -> List[str]:
    """The labels of the spans an answer accepts (none for a rejected or ignored answer)."""
    if record.get("answer") != "accept" or not isinstance(record.get("spans"), list):
        return []
    return [
        str(span["label"])
        for span in record["spans"]
        if isinstance(span, dict) and "label" in span and span.get("answer", "accept") == "accept"
    ]


def team_progress(
    records: Iterable[Dict[str, Any]], nlp: Language, dataset: str = ""
) -> TeamProgress:
    """The progress figures of a dataset's answer records (in the order they were saved);
    `nlp` tokenizes the texts of records without tokens, for agreement."""
    result = TeamProgress(dataset)
    counts: Dict[str, AnnotatorProgress] = {}
    times: Dict[str, List[int]] = defaultdict(list)
    labels: Counter = Counter()
    by_text: Dict[Any, List[Answer]] = defaultdict(list)
    source = f"dataset:{dataset}"
    for line, record in enumerate(records, 1):
        name = annotator_of(record, source)
        counts.setdefault(name, AnnotatorProgress(name))
        _count(counts[name], record, times[name])
        labels.update(accepted_labels(record))
        kind = answer_kind(record)
        by_text[record.get("_input_hash")].append(Answer(source, line, record, kind))
    result.answers = sum(a.answers for a in counts.values())
    result.annotators = sorted(counts.values(), key=lambda a: (-a.answers, a.annotator))
    for progress in result.annotators:
        progress.per_hour = answers_per_hour(times[progress.annotator])
    result.labels = dict(labels.most_common())
    result.agreement, result.unreadable = _agreement(by_text.values(), nlp, source)
    result.timeline = timeline(times)
    return result


def _count(progress: AnnotatorProgress, record: Dict[str, Any], times: List[int]) -> None:
    progress.answers += 1
    answer = record.get("answer")
    if answer in ANSWERS:
        setattr(progress, answer, getattr(progress, answer) + 1)
    progress.spans += len(accepted_labels(record))
    stamp = record.get("_timestamp")
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
        stamp = int(stamp)
        times.append(stamp)
        progress.first = stamp if progress.first is None else min(progress.first, stamp)
        progress.last = stamp if progress.last is None else max(progress.last, stamp)


def _agreement(
    groups: Iterable[List[Answer]], nlp: Language, source: str
) -> Tuple[Dict[str, Any], int]:
    """Agreement figures on the texts several annotators answered, and how many of their
    answers could not be read (as `review` would reject them)."""
    shared = [g for g in groups if len({annotator_of(a.record, source) for a in g}) > 1]
    rejected: List[Reject] = []
    agreement = Agreement()
    for outcome in settle(shared, nlp, rejected.append):
        measure(outcome, agreement, None)
    report = agreement.report()
    pairs = [
        {"reference": p["reference"], "other": p["other"], "texts": p["texts"],
         "f": p["exact"]["f"], "token_kappa": p["token_kappa"]}
        for p in report["pairs"]
    ]  # fmt: skip
    binary = [{k: b[k] for k in ("reference", "other", "tasks", "agreement", "kappa")}
              for b in report["binary"]]  # fmt: skip
    figures = {
        "texts": sum(report["texts_by_annotators"].values()),
        "pairs": pairs,
        "binary": binary,
        "alpha": report["krippendorff_alpha"].get("alpha"),
    }
    return figures, len(rejected)


def timeline(times: Dict[str, List[int]]) -> Dict[str, Any]:
    """Answers so far against hours since the first answer, per annotator: every answer's
    point, or `MAX_POINTS` evenly spaced ones (the last always kept)."""
    stamps = [t for ts in times.values() for t in ts]
    if not stamps:
        return {"start": None, "series": {}}
    start = min(stamps)
    series = {}
    for name, ts in times.items():
        ts = sorted(ts)
        if not ts:
            continue
        keep = sorted({round(i * (len(ts) - 1) / (MAX_POINTS - 1)) for i in range(MAX_POINTS)})
        series[name] = [[round((ts[i] - start) / 3600, 4), i + 1] for i in keep if i < len(ts)]
    return {"start": start, "series": series}


def dataset_progress(database: Database, name: str, nlp: Language) -> TeamProgress:
    """`team_progress` of dataset `name` of `database` (`UsageError` if there is none)."""
    return team_progress(database.get_answers(name), nlp, name)


def stats_json(stats: CorpusStats, progress: Sequence[TeamProgress]) -> Dict[str, Any]:
    """What `stats --json` prints: the corpus statistics with their advice, and the progress
    of each dataset among the inputs (no key without one)."""
    data = {**stats.to_json(), "advice": advice(stats)}
    if progress:
        data["progress"] = {found.dataset: found.to_json() for found in progress}
    return data


def datasets_progress(
    db: str | None, names: Iterable[str], nlp: Language
) -> Iterator[TeamProgress]:
    """`dataset_progress` of each dataset of `names` of database `db` once, in order, one at a
    time (the database open until the last)."""
    with Database(db) as database:
        for name in dict.fromkeys(names):
            yield dataset_progress(database, name, nlp)
