"""Is one dataset internally consistent? Findings a person can look up and fix.

Over the chosen annotation of every text (the settled version, or a conflict's leading one):

- `label_conflicts`: the same surface string (case-insensitive) labelled with different labels;
- `unlabelled`: a labelled surface string (exact case) that also occurs unlabelled, in a
  similar context: the same word before or after it as one of its labelled occurrences;
- `boundaries`: surface forms whose boundaries vary: a labelled form and the longer labelled
  forms it sits inside ("North Face" and "the North Face"), one finding per shorter form;
- `label_confusion`: label pairs, counted over the conflicting surface strings.

Every finding lists its texts by `_input_hash` and file:line (at most `MAX_PLACES` each),
each with the words around the span (`before`, `after`: up to `CONTEXT_TOKENS` tokens).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Dict, List, Set, Tuple

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from ..annotations.merge import SpanKey

MAX_PLACES = 10
CONTEXT_TOKENS = 12


@dataclass
class _Text:
    words: List[str]
    spaces: List[str]
    ents: List[Tuple[int, int, str]]
    where: Dict[str, Any]


class Consistency:
    """Collects the chosen annotation of each text; `report()` gives the findings."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.texts: List[_Text] = []

    def add(self, doc: Doc, spans: List[SpanKey], where: Dict[str, Any]) -> None:
        ents = []
        for start, end, label in spans:
            span = doc.char_span(start, end)
            ents.append((span.start, span.end, label))
        words, spaces = [t.text for t in doc], [t.whitespace_ for t in doc]
        self.texts.append(_Text(words, spaces, sorted(ents), where))

    def report(self) -> Dict[str, Any]:
        forms: Dict[Tuple[str, ...], List[Tuple[int, int, int, str]]] = defaultdict(list)
        for i, text in enumerate(self.texts):
            for start, end, label in text.ents:
                key = tuple(w.lower() for w in text.words[start:end])
                forms[key].append((i, start, end, label))
        conflicts = self._label_conflicts(forms)
        confusion: Counter = Counter()
        for finding in conflicts:
            labels = sorted(finding["labels"])
            for n, a in enumerate(labels):
                for b in labels[n + 1 :]:
                    confusion[(a, b)] += 1
        return {
            "texts": len(self.texts),
            "label_conflicts": conflicts,
            "unlabelled": self._unlabelled(),
            "boundaries": self._boundaries(forms),
            "label_confusion": [
                {"labels": [a, b], "surface_forms": n} for (a, b), n in confusion.most_common()
            ],
        }

    def _place(self, i: int, start: int, end: int) -> Dict[str, Any]:
        text = self.texts[i]

        def joined(first: int, last: int) -> str:
            return "".join(w + s for w, s in zip(text.words[first:last], text.spaces[first:last]))

        return {
            **text.where,
            "span": " ".join(text.words[start:end]),
            "before": joined(max(0, start - CONTEXT_TOKENS), start),
            "after": text.spaces[end - 1] + joined(end, end + CONTEXT_TOKENS).rstrip(),
        }

    def _places(self, occurrences) -> Dict[str, Any]:
        shown = [self._place(i, s, e) for i, s, e, *_ in occurrences[:MAX_PLACES]]
        return {"count": len(occurrences), "texts": shown}

    def _label_conflicts(self, forms) -> List[Dict[str, Any]]:
        findings = []
        for key, occurrences in forms.items():
            by_label = defaultdict(list)
            for occurrence in occurrences:
                by_label[occurrence[3]].append(occurrence)
            if len(by_label) > 1:
                labels = {label: self._places(occ) for label, occ in sorted(by_label.items())}
                findings.append({"surface": " ".join(key), "labels": labels})
        findings.sort(key=lambda f: -sum(p["count"] for p in f["labels"].values()))
        return findings

    def _unlabelled(self) -> List[Dict[str, Any]]:
        """Exact surface strings labelled somewhere and left unlabelled in a similar context."""
        labelled: Dict[Tuple[str, ...], List] = defaultdict(list)
        context: Dict[Tuple[str, ...], Tuple[Set[str], Set[str]]] = {}
        for i, text in enumerate(self.texts):
            for start, end, label in text.ents:
                key = tuple(text.words[start:end])
                labelled[key].append((i, start, end, label))
                before, after = context.setdefault(key, (set(), set()))
                before.add(_word(text.words, start - 1))
                after.add(_word(text.words, end))
        matcher = PhraseMatcher(self.vocab, attr="ORTH")
        keys = {}
        for n, key in enumerate(labelled):
            keys[str(n)] = key
            matcher.add(str(n), [Doc(self.vocab, words=list(key))])
        found: Dict[Tuple[str, ...], List] = defaultdict(list)
        for i, text in enumerate(self.texts):
            doc = Doc(self.vocab, words=text.words)
            taken = [False] * len(text.words)
            for start, end, _ in text.ents:
                taken[start:end] = [True] * (end - start)
            for match_id, start, end in matcher(doc):
                if any(taken[start:end]):
                    continue
                key = keys[self.vocab.strings[match_id]]
                before, after = context[key]
                if _word(text.words, start - 1) in before or _word(text.words, end) in after:
                    found[key].append((i, start, end))
        findings = []
        for key, occurrences in found.items():
            labels = Counter(label for *_, label in labelled[key])
            findings.append(
                {
                    "surface": " ".join(key),
                    "labelled": {**self._places(labelled[key]), "labels": dict(labels)},
                    "unlabelled": self._places(occurrences),
                }
            )
        findings.sort(key=lambda f: -f["unlabelled"]["count"])
        return findings

    def _boundaries(self, forms) -> List[Dict[str, Any]]:
        """Labelled forms that sit inside longer labelled forms, one finding per shorter form."""
        longer: Dict[Tuple[str, ...], List[Tuple[str, ...]]] = defaultdict(list)
        for long_key in forms:
            inside = {
                long_key[start:end]
                for start in range(len(long_key))
                for end in range(start + 1, len(long_key) + 1)
            }
            for short_key in sorted(inside - {long_key}):
                if short_key in forms:
                    longer[short_key].append(long_key)
        findings = [
            {
                "short": " ".join(short_key),
                "short_labelled": {
                    **self._places(forms[short_key]),
                    "labels": dict(Counter(label for *_, label in forms[short_key])),
                },
                "longer": [
                    {"long": " ".join(key), "labelled": self._places(forms[key])}
                    for key in sorted(keys, key=lambda k: -len(forms[k]))
                ],
            }
            for short_key, keys in longer.items()
        ]
        findings.sort(key=lambda f: -sum(x["labelled"]["count"] for x in f["longer"]))
        return findings


def _word(words: List[str], i: int) -> str | None:
    """The lower-cased word at `i`, None past either end (start and end of text match)."""
    return words[i].lower() if 0 <= i < len(words) else None
