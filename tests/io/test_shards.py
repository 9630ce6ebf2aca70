import os
import zlib
from pathlib import Path

import pytest
import srsly

from spacy_ner_plugin.annotations.formats import read_records
from spacy_ner_plugin.errors import PluginError
from spacy_ner_plugin.io.shards import ShardedDocBinWriter, read_docbin_docs
from spacy_ner_plugin.readers.raw_text import read_text_hashes

from ..conftest import good_docbin_bytes


def bad_docbins(nlp):
    good = good_docbin_bytes(nlp)
    return {
        "random bytes": bytes(range(256)) * 3,
        "truncated": good[: len(good) // 2],
        "jsonl": b'{"text": "x"}\n',
        "empty": b"",
        "msgpack of something else": zlib.compress(srsly.msgpack_dumps({"tokens": 5})),
        "not msgpack": zlib.compress(b"not msgpack at all"),
    }


@pytest.mark.parametrize(
    "name",
    ["random bytes", "truncated", "jsonl", "empty", "msgpack of something else", "not msgpack"],
)
def test_read_docbin_docs_raises_plugin_error_naming_a_bad_file(tmp_path, nlp, name):
    path = tmp_path / "bad.spacy"
    path.write_bytes(bad_docbins(nlp)[name])
    for read in (
        lambda: list(read_docbin_docs(path, nlp.vocab)),
        lambda: list(read_records(path)),
        lambda: read_text_hashes(path),
    ):
        with pytest.raises(PluginError, match=r"bad\.spacy: not a \.spacy file \(.+\)"):
            read()


def test_a_bad_shard_in_a_directory_is_named(tmp_path, nlp):
    corpus = tmp_path / "train.spacy"
    corpus.mkdir()
    (corpus / "000000.spacy").write_bytes(good_docbin_bytes(nlp))
    (corpus / "000001.spacy").write_bytes(b"garbage")
    docs = read_docbin_docs(corpus, nlp.vocab)
    assert [doc.text for doc in [next(docs), next(docs)]] == ["hello world", "another one"]
    with pytest.raises(PluginError, match=r"000001\.spacy: not a \.spacy file"):
        next(docs)


def write_corpus(path, texts, nlp, shard_size=10):
    writer = ShardedDocBinWriter(path, shard_size=shard_size)
    for text in texts:
        writer.add(nlp(text))
    writer.close()


def corpus_texts(path, nlp):
    return [doc.text for doc in read_docbin_docs(path, nlp.vocab)]


@pytest.mark.parametrize("old_size,new_size", [(1, 1), (3, 1), (1, 3), (3, 3)])
def test_an_interrupted_close_leaves_the_previous_output_intact(
    tmp_path, nlp, monkeypatch, old_size, new_size
):
    """Sizes in shards of 2 docs: 1 is a single NAME.spacy file, 3 a directory of shards."""
    path = tmp_path / "train.spacy"
    old = [f"old text {i}" for i in range(old_size * 2 - 1)]
    write_corpus(path, old, nlp, shard_size=2)
    assert path.is_dir() == (old_size > 1)

    def interrupt_moving_the_new_output_in(real):
        def move(src, dst, *args, **kwargs):
            name = Path(src).name
            if name.startswith(".train.spacy.") and not name.endswith(".old"):
                raise KeyboardInterrupt
            return real(src, dst, *args, **kwargs)

        return move

    monkeypatch.setattr(os, "replace", interrupt_moving_the_new_output_in(os.replace))
    monkeypatch.setattr(os, "rename", interrupt_moving_the_new_output_in(os.rename))
    with pytest.raises(KeyboardInterrupt):
        write_corpus(path, [f"new {i}" for i in range(new_size * 2 - 1)], nlp, shard_size=2)
    monkeypatch.undo()
    assert corpus_texts(path, nlp) == old
    assert [p.name for p in tmp_path.iterdir()] == ["train.spacy"]
    write_corpus(path, ["new"], nlp)
    assert corpus_texts(path, nlp) == ["new"] and path.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["train.spacy"]
