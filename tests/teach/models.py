"""Tiny pipelines for the teach tests, trained in seconds on inline texts."""

from typing import List, Sequence

import spacy
from spacy.language import Language
from spacy.training import Example

BRANDS = ["Osprey", "Deuter", "Gregory"]
LISTENER_NER = {
    "model": {
        "@architectures": "spacy.TransitionBasedParser.v2",
        "state_type": "ner",
        "extra_state_tokens": False,
        "hidden_width": 32,
        "maxout_pieces": 2,
        "use_upper": True,
        "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 96, "upstream": "*"},
    }
}


def brand_texts(n: int = 6) -> List[dict]:
    """Texts with a brand (token 3) and texts without any entity."""
    texts = []
    for i in range(n):
        brand = BRANDS[i % len(BRANDS)]
        text = f"I took my {brand} pack on trip {i}."
        texts.append({"text": text, "ents": [(10, 10 + len(brand), "BRAND")]})
        texts.append({"text": f"It rained on day {i} of the hike.", "ents": []})
    return texts


def train_tiny(
    pipes: Sequence[str] = ("ner",),
    n_iter: int = 30,
    texts: List[dict] | None = None,
) -> Language:
    """A pipeline with `pipes`: "tok2vec" makes the ner listen to it; a "parser" is added
    initialized but untrained."""
    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    for name in pipes:
        nlp.add_pipe(name, config=LISTENER_NER if name == "ner" and "tok2vec" in pipes else {})
    examples = []
    for record in texts or brand_texts():
        doc = nlp.make_doc(record["text"])
        annotation = {"entities": record["ents"]}
        if "parser" in pipes:  # only to initialize it (a chain: each token heads the one before)
            annotation["heads"] = [min(i + 1, len(doc) - 1) for i in range(len(doc))]
            annotation["deps"] = ["dep"] * (len(doc) - 1) + ["ROOT"]
        examples.append(Example.from_dict(doc, annotation))
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(n_iter):  # the parser is only there, untrained: the ner is under test
        nlp.update(examples, sgd=optimizer, exclude=["parser"])
    return nlp
