"""One colour per label, shared by the pre-annotation preview and the error report."""

import zlib

import srsly

from spacy_ner_plugin.colors import PALETTE, label_colors, label_slot
from spacy_ner_plugin.preannotate.preview import render_preview


def test_a_label_keeps_its_hashed_colour_across_pages():
    assert label_slot("BRAND") == zlib.crc32(b"BRAND") % len(PALETTE)
    assert label_colors(["BRAND"])["BRAND"] == PALETTE[label_slot("BRAND")]
    assert label_colors(["BRAND", "TRAIL"])["BRAND"] == label_colors(["BRAND"])["BRAND"]


def test_labels_of_one_page_get_distinct_colours_even_when_their_slots_collide():
    labels = ["group", "creative-work", "person", "location", "corporation", "product"]
    assert label_slot("group") == label_slot("creative-work")  # a real collision
    colors = label_colors(labels)
    assert len(set(colors.values())) == len(labels)
    assert colors == label_colors(reversed(labels))


def test_more_labels_than_colours_reuse_the_palette():
    colors = label_colors([f"L{i}" for i in range(len(PALETTE) + 3)])
    assert set(colors.values()) == set(PALETTE)


def test_preview_colours_labels_instead_of_grey(write_jsonl, tmp_path):
    tasks = write_jsonl(
        [
            {
                "text": "Osprey on the Pennine Way",
                "spans": [
                    {"start": 0, "end": 6, "label": "BRAND", "source": "patterns"},
                    {"start": 14, "end": 25, "label": "TRAIL", "source": "patterns"},
                ],
            }
        ]
    )
    assert render_preview(srsly.read_jsonl(tasks), tmp_path / "p.html") == 1
    html = (tmp_path / "p.html").read_text()
    for label, color in label_colors(["BRAND", "TRAIL"]).items():
        assert f"background: {color}" in html, label
    assert "#ddd" not in html  # displaCy's grey for labels it has no colour for
