import random

import pytest
import spacy
from spacy.tokens import DocBin, Span
from spacy.training import Example
from thinc.api import Config

from spacy_ner_plugin.readers.sampling import (
    EvaluationCorpus,
    SampledCorpus,
    sample_size,
    take_sample,
)

from ..conftest import task

TEXTS = [f"Trip report number {i} with my Osprey pack" for i in range(40)]


def examples(nlp, texts=TEXTS):
    return [Example(nlp.make_doc(text), nlp.make_doc(text)) for text in texts]


def texts_of(sample):
    return [eg.reference.text for eg in sample]


@pytest.mark.parametrize("n,fraction,size", [(40, 0.25, 10), (3, 0.5, 2), (3, 0.1, 0), (7, 1.0, 7)])
def test_sample_size_rounds_half_up(n, fraction, size):
    assert sample_size(n, fraction) == size


def test_samples_are_nested_and_grow_with_the_fraction(nlp):
    egs = examples(nlp)
    samples = [set(texts_of(take_sample(egs, f, seed=3))) for f in (0.25, 0.5, 0.75, 1.0)]
    assert [len(s) for s in samples] == [10, 20, 30, 40]
    for smaller, larger in zip(samples, samples[1:]):
        assert smaller < larger


def test_same_seed_same_sample_other_seed_other_sample(nlp):
    egs = examples(nlp)
    assert texts_of(take_sample(egs, 0.25, 0)) == texts_of(take_sample(egs, 0.25, 0))
    assert texts_of(take_sample(egs, 0.25, 0)) != texts_of(take_sample(egs, 0.25, 1))


def test_sample_keeps_corpus_order_and_ignores_file_order(nlp):
    shuffled = list(TEXTS)
    random.Random(0).shuffle(shuffled)
    sample = texts_of(take_sample(examples(nlp), 0.5, 0))
    assert sample == sorted(sample, key=TEXTS.index)
    assert set(texts_of(take_sample(examples(nlp, shuffled), 0.5, 0))) == set(sample)


@pytest.mark.parametrize("fraction", [0.0, -0.5, 1.5])
def test_fraction_outside_0_1_is_refused(fraction):
    with pytest.raises(ValueError, match="fraction"):
        SampledCorpus(lambda nlp: [], fraction, 0)


def test_empty_sample_is_an_error(nlp):
    reader = SampledCorpus(lambda nlp: examples(nlp, TEXTS[:1]), 0.25, 0)
    with pytest.raises(ValueError, match="25% sample of 1 examples is empty"):
        list(reader(nlp))


def resolve_reader(corpus_block: str, fraction: float, seed: int):
    config = Config().from_str(
        "[corpora]\n[corpora.train]\n"
        f'@readers = "spacy_ner_plugin.SampledCorpus.v1"\nfraction = {fraction}\nseed = {seed}\n'
        f"[corpora.train.corpus]\n{corpus_block}"
    )
    return spacy.registry.resolve(config)["corpora"]["train"]


def test_config_block_wraps_spacy_corpus_and_keeps_binary_annotations(nlp, tmp_path):
    """Missing (unknown) tokens and rejected spans of binary answers survive sampling."""
    docbin = DocBin()
    for text in TEXTS:
        doc = nlp.make_doc(text)
        doc.set_ents([Span(doc, 4, 5, "BRAND")], default="missing")
        doc.spans["incorrect_spans"] = [Span(doc, 0, 1, "BRAND")]
        docbin.add(doc)
    docbin.to_disk(tmp_path / "train.spacy")
    block = (
        f'@readers = "spacy.Corpus.v1"\npath = "{tmp_path / "train.spacy"}"\ngold_preproc = false\n'
    )
    sample = list(resolve_reader(block, 0.5, 7)(nlp))
    assert texts_of(sample) == texts_of(take_sample(examples(nlp), 0.5, 7))
    for eg in sample:
        assert [t.ent_iob_ for t in eg.reference] == ["", "", "", "", "B", "", "", ""]
        assert [s.text for s in eg.reference.spans["incorrect_spans"]] == ["Trip"]


def test_config_block_wraps_the_jsonl_reader(nlp, write_jsonl):
    path = write_jsonl([task(text, "Osprey") for text in TEXTS])
    block = f'@readers = "spacy_ner_plugin.JsonlCorpus.v1"\npath = "{path}"\n'
    sample = list(resolve_reader(block, 0.75, 0)(nlp))
    assert texts_of(sample) == texts_of(take_sample(examples(nlp), 0.75, 0))
    assert all([e.text for e in eg.reference.ents] == ["Osprey"] for eg in sample)


def test_later_calls_yield_fresh_copies_of_the_sample_without_reading_again(nlp):
    read = []

    def corpus(nlp):
        for eg in examples(nlp):
            read.append(eg)
            yield eg

    reader = SampledCorpus(corpus, 0.5, 0)
    first = list(reader(nlp))
    assert len(read) == len(TEXTS)
    again = list(reader(nlp))
    assert len(read) == len(TEXTS)  # the wrapped corpus was read once
    assert texts_of(again) == texts_of(first) == texts_of(take_sample(examples(nlp), 0.5, 0))
    # a copy, as fresh as a re-read: changing one call's docs leaves the next call's alone
    again[0].predicted.ents = [Span(again[0].predicted, 0, 1, "X")]
    assert not next(reader(nlp)).predicted.ents


def test_evaluation_corpus_reads_once_and_can_skip_the_first_call(nlp):
    reads = []

    def corpus(nlp):
        reads.append(1)
        yield from examples(nlp, TEXTS[:3])

    reader = EvaluationCorpus(corpus, skip_first=True)
    assert list(reader(nlp)) == [] and not reads
    first = list(reader(nlp))
    assert texts_of(first) == TEXTS[:3]
    assert list(reader(nlp)) == first and len(reads) == 1
    assert texts_of(EvaluationCorpus(corpus)(nlp)) == TEXTS[:3]  # no skip by default


def test_evaluation_corpus_survives_language_evaluate(nlp):
    """`Language.evaluate` scores copies, so the examples read once stay as they were read."""

    def gold(nlp):
        for eg in examples(nlp, TEXTS[:3]):
            eg.reference.ents = [Span(eg.reference, 6, 7, "X")]
            yield eg

    ruler = spacy.blank("en")
    ruler.add_pipe("entity_ruler").add_patterns([{"label": "X", "pattern": "Osprey"}])
    reader = EvaluationCorpus(gold)
    assert [ruler.evaluate(reader(ruler))["ents_f"] for _ in range(2)] == [1.0, 1.0]
    assert all(not eg.predicted.ents for eg in reader(ruler))
