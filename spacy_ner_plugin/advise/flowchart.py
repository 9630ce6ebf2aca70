"""The NER flowchart (Prodigy's "NER flowchart v2.0") as data: every question, bar and outcome.

The chart starts with two questions and then splits into three columns (docs/advise.md draws
it; ../shared/FLOWCHART.md reads the PDF as this graph):

    start  model_available → add_types → column B (yes) / column C (no); no model → column A
    A      a_raw → a_rules_possible → a_rules → a_evaluation | a_happy → a_annotations →
           a_curve → proper_nouns → consistent → hyperparameters → error_fix
    B      b_many_types → b_overlap → b_raw → b_happy → b_annotations → b_curve →
           b_all_types → (column A from proper_nouns on)
    C      c_happy → c_annotations → c_curve → c_similar → c_hyperparameters → c_context

Each decision names the fact (`facts.py`) that answers it; a fact that cannot be measured is
asked through a command-line flag (`Decision.flag`). The chart's actions (ner.manual, train,
train-curve) are the steps whose output the facts read. Every bar is a module constant, so a
test (or a user) sees the numbers the walk compares against; the walk is in `walk.py`.
"""

from dataclasses import dataclass
from typing import Any, Callable, Dict, Union

from ..evaluation.rules import RULES_ALONE_F as RULES_F

FLOWCHART = "NER flowchart v2.0"

# The chart's columns.
START = "start"
NEW_MODEL = "train a new model from scratch"
NEW_TYPES = "add new entity types to a trained model"
CORRECT_BASE = "improve an existing pre-trained model"
COLUMNS = (NEW_MODEL, NEW_TYPES, CORRECT_BASE)

# The chart's bars.
RAW_SENTENCES = 1000
NEW_TOTAL, NEW_ADDITIONAL = 2000, 500  # new model: > 2,000 in total or > 500 additional
TYPES_TOTAL = 4000  # new types on a trained model
IMPROVE_TOTAL = 2000  # improving a pre-trained model
MAX_NEW_TYPES = 3
# "A large number of your entity types": the share of the user's labels the patterns cover.
RULES_LABEL_SHARE = 0.5
# "Do the texts of your new types overlap with the pre-trained model's types?": share of the
# new types' entities that share a token with an entity the base model predicts.
TYPE_OVERLAP_SHARE = 0.2
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
# "Did the hyperparameters help?": F points the sweep's best must gain over the config's own.
TUNING_GAIN = 1.0
# "Do your annotations appear inside text fragments?": a text is a bare list when its
# entities cover this share of its words; the data fails when most annotated texts are.
BARE_TEXT_COVER = 0.8
BARE_TEXT_SHARE = 0.5

Value = Dict[str, Any]


@dataclass(frozen=True)
class Decision:
    """A question of the chart: its column, the fact that answers it, its test, the next node
    for yes and no, the flag that answers it where the fact cannot be measured, and the answer
    that is worth a warning when the node is off the walk's path (None: never)."""

    name: str
    column: str
    question: str
    fact: str
    test: Callable[[Value], bool]
    yes: str
    no: str
    flag: str | None = None
    warn_if: bool | None = None


@dataclass(frozen=True)
class Outcome:
    """Where the walk ends: what to do, the step (a key of `walk.COMMANDS`) that does it,
    whether the chart calls it favourable, and the question to come back to afterwards."""

    name: str
    title: str
    text: str
    step: str
    favourable: bool = False
    back_to: str | None = None


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


def _new_enough(v: Value) -> bool:
    additional = v.get("additional")
    return v["annotations"] > NEW_TOTAL or (additional is not None and additional > NEW_ADDITIONAL)


def _answer(v: Value) -> bool:
    return bool(v["answer"])


A, B, C = NEW_MODEL, NEW_TYPES, CORRECT_BASE
HAPPY = "Are you happy with the results yet?"
CURVE = "Does the accuracy in the last 25% go up?"
RAW = f"Did you get more than {RAW_SENTENCES:,} sentences of raw unlabeled data?"
TUNE = "Try fine-tuning the hyperparameters (dropout, batch size): did it help?"
HAPPY_FLAG = "--happy/--not-happy (or --target-f F)"


def _curve_up(v: Value) -> bool:
    return v["verdict"] == "more data helps"


DECISIONS = (
    Decision(
        "model_available",
        START,
        "Is there an NER model available for your use-case?",
        "base",
        lambda v: v["base_model"] is not None,
        yes="add_types",
        no="a_raw",
    ),
    Decision(
        "add_types",
        START,
        "Do you want to add new entity types to a trained model?",
        "base",
        lambda v: bool(v["new_labels"]),
        yes="b_many_types",
        no="c_happy",
    ),
    Decision("a_raw", A, RAW, "raw", _answer, yes="a_rules_possible", no="get_raw_data"),
    Decision(
        "a_rules_possible",
        A,
        "Can you write rules (regular expressions, Matcher patterns) that capture a large "
        "number of your entity types?",
        "rules_possible",
        _answer,
        yes="a_rules",
        no="a_happy",
        flag="--rules-possible/--no-rules-possible",
    ),
    Decision(
        "a_rules",
        A,
        f"Do you get more than {RULES_F:.0%} accuracy with only rules on your evaluation data?",
        "rules",
        lambda v: v["f"] > RULES_F,
        yes="a_evaluation",
        no="a_happy",
    ),
    Decision(
        "a_evaluation",
        A,
        "Are you sure your evaluation is correct?",
        "evaluation",
        _eval_right,
        yes="use_rules",
        no="fix_evaluation",
        warn_if=False,
    ),
    Decision(
        "a_happy",
        A,
        HAPPY,
        "happy",
        _answer,
        yes="export_model",
        no="a_annotations",
        flag=HAPPY_FLAG,
    ),  # fmt: skip
    Decision(
        "a_annotations",
        A,
        f"Did you collect more than {NEW_TOTAL:,} annotations in total or more than "
        f"{NEW_ADDITIONAL:,} additional annotations?",
        "annotations",
        _new_enough,
        yes="a_curve",
        no="annotate_more",
    ),
    Decision("a_curve", A, CURVE, "curve", _curve_up, yes="annotate_more", no="proper_nouns"),
    Decision(
        "proper_nouns",
        A,
        "Are you annotating proper nouns & very short phrases?",
        "shape",
        _shape_ok,
        yes="consistent",
        no="span_categorization",
        warn_if=False,
    ),
    Decision(
        "consistent",
        A,
        "Are your annotations internally consistent?",
        "consistency",
        _consistent,
        yes="hyperparameters",
        no="review",
        warn_if=False,
    ),
    Decision("hyperparameters", A, TUNE, "tuning", _answer, yes="use_tuned", no="error_fix"),
    Decision(
        "error_fix",
        A,
        "Conduct error analysis to understand problems: does it show a fix?",
        "error_fix",
        _answer,
        yes="error_analysis",
        no="not_a_fit",
        flag="--fix-found/--no-fix-found",
    ),
    Decision(
        "b_many_types",
        B,
        f"Do you want to add more than {MAX_NEW_TYPES} entities?",
        "base",
        lambda v: len(v["new_labels"]) > MAX_NEW_TYPES,
        yes="train_from_scratch",
        no="b_overlap",
    ),
    Decision(
        "b_overlap",
        B,
        "Do the texts of your new types overlap with the text of the pre-trained model's types?",
        "type_overlap",
        lambda v: v["share"] > TYPE_OVERLAP_SHARE,
        yes="train_from_scratch",
        no="b_raw",
    ),
    Decision("b_raw", B, RAW, "raw", _answer, yes="b_happy", no="get_raw_data"),
    Decision(
        "b_happy",
        B,
        HAPPY,
        "happy",
        _answer,
        yes="export_model",
        no="b_annotations",
        flag=HAPPY_FLAG,
    ),  # fmt: skip
    Decision(
        "b_annotations",
        B,
        f"Did you collect more than {TYPES_TOTAL:,} annotations?",
        "annotations",
        lambda v: v["annotations"] > TYPES_TOTAL,
        yes="b_curve",
        no="annotate_more",
    ),
    Decision("b_curve", B, CURVE, "curve", _curve_up, yes="annotate_more", no="b_all_types"),
    Decision(
        "b_all_types",
        B,
        "Does your training data include examples of all entity types (existing and new)?",
        "labels",
        lambda v: not v["missing"],
        yes="proper_nouns",
        no="prevent_forgetting",
        warn_if=False,
    ),
    Decision(
        "c_happy",
        C,
        HAPPY,
        "happy",
        _answer,
        yes="export_model",
        no="c_annotations",
        flag=HAPPY_FLAG,
    ),  # fmt: skip
    Decision(
        "c_annotations",
        C,
        f"Did you collect more than {IMPROVE_TOTAL:,} annotations?",
        "annotations",
        lambda v: v["annotations"] > IMPROVE_TOTAL,
        yes="c_curve",
        no="annotate_more",
    ),
    Decision("c_curve", C, CURVE, "curve", _curve_up, yes="annotate_more", no="c_similar"),
    Decision(
        "c_similar",
        C,
        "Is your data similar to what the original model was trained on? (news, web text, ...)",
        "vocabulary",
        lambda v: v["coverage"] >= VOCAB_COVERAGE,
        yes="c_hyperparameters",
        no="from_scratch_instead",
        warn_if=False,
    ),
    Decision("c_hyperparameters", C, TUNE, "tuning", _answer, yes="use_tuned", no="c_context"),
    Decision(
        "c_context",
        C,
        "Do your annotations at least appear inside text fragments or full texts?",
        "context",
        lambda v: v["bare_share"] <= BARE_TEXT_SHARE,
        yes="error_analysis",
        no="no_word_lists",
        warn_if=False,
    ),
)

OUTCOMES = (
    Outcome(
        "export_model",
        "Export model",
        "Your project is ready to go: package the trained pipeline (spacy package) and use it.",
        "export",
        favourable=True,
    ),
    Outcome(
        "use_rules",
        "Stick with rules, probably not worth training a model",
        "Rules alone pass the bar on a sound evaluation: an entity_ruler with your patterns "
        "may be all you need. Confirm on more gold data before deciding against a model.",
        "evaluate_patterns",
        favourable=True,
    ),
    Outcome(
        "fix_evaluation",
        "Fix your evaluation",
        f"Annotate a separate eval set of at least {EVAL_MIN_TEXTS} texts, none of them in "
        "the training data, with every label present; scores on a small or leaky eval set "
        "say little.",
        "annotate_eval",
    ),
    Outcome(
        "get_raw_data",
        f"Get more than {RAW_SENTENCES:,} sentences of raw unlabeled data",
        "Collect raw texts like the ones the model will see (one JSONL line or text line each) "
        "before annotating: the chart starts every new model and new type from them.",
        "raw_data",
    ),
    Outcome(
        "annotate_more",
        "Collect more annotations",
        "More annotations of the same kind are likely to help: pre-annotate raw texts and "
        "correct the suggestions (or answer teach questions), then retrain.",
        "preannotate",
    ),
    Outcome(
        "span_categorization",
        "Span categorization might be a better fit for your project",
        "Many entities are long or common-noun phrases, or overlap: boundaries of such "
        "spans are hard for ner to learn. spaCy's spancat predicts overlapping spans of any "
        "length: convert with data-to-spacy --spans-key sc (overlaps kept), train "
        "configs/spancat.cfg and compare evaluate --spans-key sc with the ner's scores.",
        "spancat",
    ),
    Outcome(
        "review",
        "Review: make the annotations consistent",
        "The same strings are annotated in some texts and left out (or labelled otherwise) "
        "in others, or answers conflict: review them (find-errors ranks the annotations most "
        "likely wrong) and write down the annotation guidelines before annotating more.",
        "review",
    ),
    Outcome(
        "use_tuned",
        "Train with the tuned hyperparameters",
        "The sweep's best dropout and batch size beat the config's own: train with the config "
        "it wrote, then ask again whether you are happy with the results.",
        "train_tuned",
        back_to=HAPPY,
    ),
    Outcome(
        "error_analysis",
        "Conduct error analysis to understand problems",
        "None of the chart's measured questions points to a cause: look at the annotations the "
        "models of k folds confidently disagree with (find-errors, most likely errors first, "
        "for annotate review), and at the model's errors by class and label; fix what they show "
        "and retrain.",
        "find_errors",
    ),
    Outcome(
        "not_a_fit",
        "Probably not a good fit for a classic NER task",
        "Neither more data, consistent annotations, tuning nor error analysis helps: the task "
        "may need another formulation (span categorization, text classification, relations); "
        "span categorization runs from data-to-spacy --spans-key sc to configs/spancat.cfg.",
        "spancat",
    ),
    Outcome(
        "train_from_scratch",
        "Train a new model from scratch",
        "Many new types, or new types whose text overlaps the base model's types, fight the "
        "trained weights: annotate all your types (the base model can pre-highlight its own) and "
        "train a new model (column A of the chart).",
        "preannotate",
    ),
    Outcome(
        "prevent_forgetting",
        "Data should include all entity types (prevent forgetting)",
        "The base model's other entity types are missing from your data: training on it "
        "would teach the model that they are not entities. Label them in your texts with the "
        "base model's own predictions (data-to-spacy --rehearse) and train on top of the "
        "base pipeline (configs/ner_update.cfg).",
        "rehearse",
    ),
    Outcome(
        "from_scratch_instead",
        "Try training a new model from scratch instead of modifying a pre-trained model",
        "Much of the data's vocabulary is new to the base model: its weights help little. "
        "Train from a blank pipeline, with a tok2vec pretrained (or vectors trained) on your "
        "raw texts.",
        "pretrain",
    ),
    Outcome(
        "no_word_lists",
        "Refrain from annotating lists of words or short phrases",
        "Context is necessary for training NER models: most annotated texts are little more "
        "than their entities. Change your data (annotate the entities inside the sentences or "
        "texts they come from) and start again.",
        "preannotate",
    ),
)

NODES: Dict[str, Node] = {node.name: node for node in (*DECISIONS, *OUTCOMES)}
FIRST = "model_available"
