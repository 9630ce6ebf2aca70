import pytest
import spacy
from spacy.tokens import DocBin

from spacy_ner_plugin.readers.raw_text import RawTextCorpus

READER = "spacy_ner_plugin.RawTextCorpus.v1"


def texts(corpus, nlp):
    return [eg.reference.text for eg in corpus(nlp)]


def test_registered_reader_reads_jsonl_and_skips_duplicates(write_jsonl, nlp):
    path = write_jsonl([{"text": "a b c"}, {"text": "d e"}, {"text": "a b c"}, {"text": " d e "}])
    corpus = spacy.registry.readers.get(READER)(path)
    assert texts(corpus, nlp) == ["a b c", "d e"]
    assert (corpus.counts.read, corpus.counts.used, corpus.counts.duplicate) == (4, 2, 2)


def test_examples_are_unannotated_copies_of_the_text(write_jsonl, nlp):
    corpus = RawTextCorpus(write_jsonl([{"text": "Osprey packs rock"}]))
    (example,) = list(corpus(nlp))
    assert [t.text for t in example.reference] == ["Osprey", "packs", "rock"]
    assert example.predicted is not example.reference
    assert not example.reference.ents


def test_min_and_max_length_count_tokens(write_jsonl, nlp):
    path = write_jsonl([{"text": "one"}, {"text": "one two three"}, {"text": "1 2 3 4 5 6"}])
    corpus = RawTextCorpus(path, min_length=2, max_length=5)
    assert texts(corpus, nlp) == ["one two three"]
    assert (corpus.counts.too_short, corpus.counts.too_long) == (1, 1)


def test_plain_text_is_one_text_per_line(tmp_path, nlp):
    path = tmp_path / "raw.txt"
    path.write_bytes(b"\xef\xbb\xbffirst line\r\n\n  second line  \nfirst line\n")
    assert texts(RawTextCorpus(path), nlp) == ["first line", "second line"]


def test_bad_lines_are_rejected_with_file_and_line_and_counted(write_jsonl, nlp, capsys):
    path = write_jsonl(
        [{"text": "good text"}, "{not json", {"text": ""}, {"meta": 1}, {"text": 5}, b"\xff\xfe"]
    )
    corpus = RawTextCorpus(path)
    assert texts(corpus, nlp) == ["good text"]
    rejects = corpus.counts.rejects
    assert [(r.line, r.field) for r in rejects] == [
        (2, None),
        (3, "text"),
        (4, "text"),
        (5, "text"),
        (6, None),
    ]
    assert corpus.counts.read == corpus.counts.used + corpus.counts.skipped + len(rejects)
    assert f"{path}:2" in capsys.readouterr().out


def test_directory_reads_jsonl_and_text_files_and_limit(tmp_path, nlp):
    (tmp_path / "a.jsonl").write_text('{"text": "from jsonl"}\n{"text": "also jsonl"}\n')
    (tmp_path / "b.txt").write_text("from text\n")
    (tmp_path / "notes.md").write_text("ignored\n")
    assert texts(RawTextCorpus(tmp_path), nlp) == ["from jsonl", "also jsonl", "from text"]
    assert texts(RawTextCorpus(tmp_path, limit=2), nlp) == ["from jsonl", "also jsonl"]


def test_exclude_drops_texts_of_a_dev_set(write_jsonl, tmp_path, nlp):
    path = write_jsonl([{"text": "train text"}, {"text": "dev text"}])
    dev = DocBin(docs=[nlp("dev text")])
    dev.to_disk(tmp_path / "dev.spacy")
    corpus = RawTextCorpus(path, exclude=tmp_path / "dev.spacy")
    assert texts(corpus, nlp) == ["train text"]
    assert corpus.counts.excluded == 1
    jsonl_exclude = write_jsonl([{"text": "train text", "spans": []}], "eval.jsonl")
    assert texts(RawTextCorpus(path, exclude=jsonl_exclude), nlp) == ["dev text"]


def test_missing_or_unset_path_fails_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.jsonl"):
        RawTextCorpus(tmp_path / "nope.jsonl")
    unset = spacy.registry.readers.get(READER)(None)  # `spacy train` resolves it unused
    with pytest.raises(ValueError, match="paths.raw_text"):
        unset(spacy.blank("en"))
