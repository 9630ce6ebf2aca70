"""Names shared across the package: answer kinds, Prodigy view ids, span keys, file suffixes.

The bottom of the import graph: every layer may read these, and this module imports nothing.
"""

# What an annotator can answer, in Prodigy's words.
ANSWERS = ("accept", "reject", "ignore")

# Kinds of answer: a complete (gold) annotation of a text, or a yes/no answer about one span.
GOLD, BINARY = "gold", "binary"

# Prodigy `_view_id`s that say which kind a record is.
BINARY_VIEW, MANUAL_VIEW = "ner", "ner_manual"
BINARY_VIEWS = (BINARY_VIEW, "binary")
SPANS_VIEW = "spans_manual"  # manual spans that may overlap (span categorization)
MANUAL_VIEWS = (MANUAL_VIEW, SPANS_VIEW)
VIEW_IDS = {GOLD: MANUAL_VIEW, BINARY: BINARY_VIEW}
# Prodigy's review recipe writes `_view_id: "review"` and keeps the reviewed interface in
# `view_id` (and in each of its `versions`).
REVIEW_VIEW = "review"

# The span group of rejected spans, read by the `ner` component's `incorrect_spans_key`.
INCORRECT_SPANS_KEY = "incorrect_spans"

# Raw text inputs: plain text (one text per line) or JSONL with a `text` field.
TEXT_SUFFIXES = (".txt", ".text")
RAW_SUFFIXES = (".jsonl", *TEXT_SUFFIXES)
