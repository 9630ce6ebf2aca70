"""The NER flowchart (Prodigy's "NER flowchart v2.0") as data: questions, thresholds, edges.

The chart is a chain of yes/no questions, each answered from one measured fact, ending in a
recommendation. As encoded here (the chart's order, as the workflow issue lists it):

    rules        Do rules alone get over 90% F?        yes → evaluation   no → annotations
    evaluation   Is the evaluation right?              yes → USE RULES    no → FIX EVALUATION
    annotations  More than N annotations? (N by path)  yes → curve        no → ANNOTATE MORE
    curve        Does the last 25% of the train
                 curve go up?                          yes → ANNOTATE MORE  no → all_types
    all_types    Does the data hold every entity
                 type, old and new?                    yes → shape        no → PREVENT FORGETTING
    shape        Proper nouns and short phrases?       yes → consistent   no → SPAN CATEGORIZATION
    consistent   Are the annotations consistent?       yes → similar      no → REVIEW
    similar      Is the data like what the base
                 model was trained on?                 yes → ERROR ANALYSIS  no → BLANK + PRETRAIN

N depends on the user's path: 2,000 annotations for a new model, 500 more for correcting the
entity types of a base model, 4,000 for adding new types to a base model (they must also keep
the old ones). `all_types` and `similar` only apply with a base model; on a new model's path
they are passed (answered "yes": there are no old types, nor a base model's data).

Every threshold below is a module constant, so a test (or a user) can see the numbers the
walk compares against; the walk itself is in `walk.py` and the facts in `facts.py`.
"""

from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, Union

from ..evaluation.rules import RULES_ALONE_F as RULES_F

FLOWCHART = "NER flowchart v2.0"

# The user's path through the chart.
NEW_MODEL = "new model"
NEW_TYPES = "new types on a base model"
CORRECT_BASE = "correcting a base model"
PATHS = (NEW_MODEL, NEW_TYPES, CORRECT_BASE)
BASE_PATHS = frozenset({NEW_TYPES, CORRECT_BASE})

# The chart's thresholds.
ANNOTATIONS = {NEW_MODEL: 2000, CORRECT_BASE: 500, NEW_TYPES: 4000}
# "Is the evaluation right?": enough texts, none shared with training, every label present.
EVAL_MIN_TEXTS = 100
# "Proper nouns and short phrases?": few long spans, few lower-case phrases, ~no overlaps.
LONG_SPAN_TOKENS = 3
LONG_SPAN_SHARE = 0.10
LOWER_PHRASE_TOKENS = 3
LOWER_PHRASE_SHARE = 0.10
OVERLAP_SHARE = 0.01
# "Are the annotations consistent?": occurrences of an annotated string treated against the
# string's majority (annotated as that label vs. left "O"), and texts with conflicting answers.
DISAGREEMENT_SHARE = 0.05
CONFLICT_SHARE = 0.01
# "Is the data like the base model's?": share of the data's content-word tokens (alphabetic, not
# stop words) in the base model's vocabulary. Measured with a CNN trained on WNUT-17 train: its
# own test set 67% (WNUT favours unseen entities), fashion_brands 74%, food_ingredients 66%.
VOCAB_COVERAGE = 0.6

Value = Dict[str, Any]


@dataclass(frozen=True)
class Decision:
    """A question, the fact that answers it, its test, and the next node for yes and no."""

    name: str
    question: str
    fact: str
    test: Callable[[Value], bool]
    yes: str
    no: str
    paths: FrozenSet[str] = frozenset(PATHS)


@dataclass(frozen=True)
class Outcome:
    """Where the walk ends: what to do, and the step (a key of `walk.COMMANDS`) that does it."""

    name: str
    title: str
    text: str
    step: str


Node = Union[Decision, Outcome]


def _eval_right(v: Value) -> bool:
    return v["n_eval"] >= EVAL_MIN_TEXTS and not v["shared"] and not v["labels_missing"]


def _shape_ok(v: Value) -> bool:
    return (
        v["long_share"] <= LONG_SPAN_SHARE
        and v["lower_phrase_share"] <= LOWER_PHRASE_SHARE
        and v["overlap_share"] <= OVERLAP_SHARE
    )


def _consistent(v: Value) -> bool:
    return v["disagreement_share"] <= DISAGREEMENT_SHARE and v["conflict_share"] <= CONFLICT_SHARE


NODES: Dict[str, Node] = {
    node.name: node
    for node in (
        Decision(
            "rules",
            f"Do rules alone get over {RULES_F:.0%} F?",
            "rules",
            lambda v: v["f"] > RULES_F,
            yes="evaluation",
            no="annotations",
        ),
        Decision(
            "evaluation",
            "Is the evaluation right?",
            "evaluation",
            _eval_right,
            yes="use_rules",
            no="fix_evaluation",
        ),
        Decision(
            "annotations",
            "More than {threshold:,} annotations?",
            "annotations",
            lambda v: v["annotations"] > v["threshold"],
            yes="curve",
            no="annotate_more",
        ),
        Decision(
            "curve",
            "Does the last 25% of the train curve go up?",
            "curve",
            lambda v: v["verdict"] == "more data helps",
            yes="annotate_more",
            no="all_types",
        ),
        Decision(
            "all_types",
            "Does the data hold every entity type, old and new?",
            "labels",
            lambda v: not v["missing"],
            yes="shape",
            no="prevent_forgetting",
            paths=BASE_PATHS,
        ),
        Decision(
            "shape",
            "Are the entities proper nouns and short phrases?",
            "shape",
            _shape_ok,
            yes="consistent",
            no="span_categorization",
        ),
        Decision(
            "consistent",
            "Are the annotations consistent?",
            "consistency",
            _consistent,
            yes="similar",
            no="review",
        ),
        Decision(
            "similar",
            "Is the data like what the base model was trained on?",
            "vocabulary",
            lambda v: v["coverage"] >= VOCAB_COVERAGE,
            yes="error_analysis",
            no="blank_and_pretrain",
            paths=BASE_PATHS,
        ),
        Outcome(
            "use_rules",
            "Use the rules",
            "Rules alone pass the bar on a sound evaluation: an entity_ruler with your patterns "
            "may be all you need. Confirm on more gold data before deciding against a model.",
            "evaluate_patterns",
        ),
        Outcome(
            "fix_evaluation",
            "Fix the evaluation",
            f"Annotate a separate eval set of at least {EVAL_MIN_TEXTS} texts, none of them in "
            "the training data, with every label present; scores on a small or leaky eval set "
            "say little.",
            "annotate_eval",
        ),
        Outcome(
            "annotate_more",
            "Annotate more data",
            "More annotations of the same kind are likely to help: pre-annotate raw texts and "
            "correct the suggestions (or answer teach questions), then retrain.",
            "preannotate",
        ),
        Outcome(
            "prevent_forgetting",
            "Prevent forgetting",
            "The base model's other entity types are missing from your data: training on it "
            "would teach the model that they are not entities. Label them in your texts with the "
            "base model's own predictions (data-to-spacy --rehearse) and train on top of the "
            "base pipeline (configs/ner_update.cfg).",
            "rehearse",
        ),
        Outcome(
            "span_categorization",
            "Consider span categorization",
            "Many entities are long or common-noun phrases, or overlap: boundaries of such "
            "spans are hard for ner to learn. spaCy's spancat predicts overlapping spans of any "
            "length.",
            "spancat",
        ),
        Outcome(
            "review",
            "Make the annotations consistent",
            "The same strings are annotated in some texts and left out (or labelled otherwise) "
            "in others, or answers conflict: review them and write down the annotation guidelines "
            "before annotating more.",
            "review",
        ),
        Outcome(
            "blank_and_pretrain",
            "Start from a blank model with pretraining",
            "Much of the data's vocabulary is new to the base model: its weights help little. "
            "Train from a blank pipeline, with a tok2vec pretrained (or vectors trained) on your "
            "raw texts.",
            "pretrain",
        ),
        Outcome(
            "error_analysis",
            "Conduct error analysis",
            "None of the chart's questions points to a cause: look at the model's errors by class "
            "and label, and at the texts it gets most wrong.",
            "error_analysis",
        ),
    )
}
START = "rules"
