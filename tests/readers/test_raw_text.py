import warnings

import pytest
import spacy
from spacy.tokens import DocBin

from spacy_ner_plugin.readers.raw_text import RawTextCorpus

from ..conftest import ROOT

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


BAD_LINE = b"\xff\xfe not UTF-8\n"


def test_the_registered_reader_warns_about_bad_lines_as_spacy_readers_do(tmp_path, nlp, capsys):
    path = tmp_path / "raw.txt"
    path.write_bytes(b"first text\n" + BAD_LINE)
    corpus = spacy.registry.readers.get(READER)(path)
    with pytest.warns(UserWarning, match=f"{path}:2"):
        assert texts(corpus, nlp) == ["first text"]
    assert capsys.readouterr() == ("", "")


def test_train_vectors_warns_about_bad_lines_through_its_printer_only(tmp_path, capsys):
    from spacy_ner_plugin.cli.train_vectors import train_vectors

    pytest.importorskip("floret")
    raw = tmp_path / "raw.txt"
    raw.write_bytes(b"hiking boots and trekking poles on the trail\n" + BAD_LINE)
    tiny = {"dim": 8, "epochs": 1, "bucket": 100, "min_count": 1, "threads": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not through the warnings module either
        train_vectors(raw, tmp_path / "vectors", **tiny)
    assert capsys.readouterr() == ("", "")
    train_vectors(raw, tmp_path / "vectors", **tiny, silent=False)
    assert f"{raw}:2" in capsys.readouterr().out


def test_pretrain_warns_about_bad_lines_through_its_printer_only(tmp_path, capsys):
    from typer.testing import CliRunner

    from spacy_ner_plugin.cli import app
    from spacy_ner_plugin.cli.pretrain import pretrain
    from spacy_ner_plugin.errors import PluginError

    raw = tmp_path / "raw.txt"
    raw.write_bytes(b"too short\n" + BAD_LINE)
    config, output = ROOT / "configs" / "ner.cfg", tmp_path / "out"
    with pytest.raises(PluginError, match="yields no texts"), warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        pretrain(config, output, {"paths.raw_text": str(raw)})
    assert capsys.readouterr() == ("", "")
    args = ["pretrain", str(config), str(output), "--paths.raw_text", str(raw)]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 1 and f"{raw}:2" in out.output, out.output


@pytest.mark.slow
def test_a_silent_pretrain_reports_bad_lines_nowhere_while_it_trains(tmp_path, capsys):
    """spaCy's pretraining reads the registered reader again: its warning is a repeat."""
    from spacy_ner_plugin.cli.pretrain import pretrain

    raw = tmp_path / "raw.txt"
    lines = [f"Day {i}: hiked the Wonderland Trail with my Osprey pack.\n" for i in range(40)]
    raw.write_bytes("".join(lines).encode() + BAD_LINE)
    overrides = {"paths.raw_text": str(raw), "pretraining.max_epochs": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        pretrain(ROOT / "configs" / "ner.cfg", tmp_path / "out", overrides)
    assert capsys.readouterr() == ("", "")
