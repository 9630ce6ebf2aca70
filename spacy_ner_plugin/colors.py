"""One colour per entity label, the same in every HTML page the package writes.

displaCy colours only spaCy's own labels and draws every other label grey. Here each label gets
a slot of a fixed palette from a stable hash of its name (CRC-32, the same in every process),
so a label keeps its colour across files and runs. When two labels of one page hash to the same
slot, the later label in sorted order takes the next free slot, so the labels of a page always
differ (with more labels than slots, colours repeat).

Like `constants`, this module sits at the bottom of the import graph and imports nothing of ours.
"""

import zlib
from typing import Dict, Iterable

# Light backgrounds that keep black text readable (displaCy's style), far enough apart to tell.
PALETTE = (
    "#7aecec",
    "#feca74",
    "#aa9cfc",
    "#bfeeb7",
    "#ff9561",
    "#c887fb",
    "#9cc9cc",
    "#ffeb80",
    "#ff8197",
    "#bfe1d9",
    "#e4e7d2",
    "#f0d0ff",
    "#a8d5ff",
    "#ddc08c",
    "#b5f5a0",
    "#ffb3d9",
)


def label_slot(label: str) -> int:
    """The label's first-choice palette slot: CRC-32 of its UTF-8 name, modulo the palette."""
    return zlib.crc32(label.encode("utf8")) % len(PALETTE)


def label_colors(labels: Iterable[str]) -> Dict[str, str]:
    """`{label: colour}` for displaCy's `colors` option: hashed slots, collisions moved on."""
    colors: Dict[str, str] = {}
    taken = set()
    for label in sorted(set(labels)):
        slot = label_slot(label)
        if len(taken) < len(PALETTE):
            while slot in taken:
                slot = (slot + 1) % len(PALETTE)
        taken.add(slot)
        colors[label] = PALETTE[slot]
    return colors
