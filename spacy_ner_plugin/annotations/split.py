"""Seeded train/dev split by text: every answer about one text lands on the same side.

Each text hash gets a seeded rank (a MurmurHash of seed and hash), and the lowest-ranked
`dev_size` texts go to dev. The choice depends only on the set of texts and the seed, never on
input order, and the ranking can be computed one text at a time (see `store.AnswerStore`).
"""

from typing import Iterable, Set

import murmurhash


def dev_size(n_texts: int, eval_split: float) -> int:
    """How many of `n_texts` go to dev: `round(n * eval_split)`, at least 1 and at most n - 1."""
    if not 0.0 <= eval_split < 1.0:
        raise ValueError(f"eval_split must be in [0, 1), got {eval_split}")
    n_dev = round(n_texts * eval_split)
    if eval_split > 0 and n_texts > 1:
        n_dev = min(max(n_dev, 1), n_texts - 1)
    return n_dev


def split_rank(text_hash: int, seed: int) -> int:
    """The seeded position of a text in the dev draw (lowest ranks go to dev)."""
    return murmurhash.hash(f"{seed}:{text_hash}")


def choose_dev_texts(text_hashes: Iterable[int], eval_split: float, seed: int) -> Set[int]:
    """Pick the `dev_size` distinct text hashes with the lowest seeded rank for the dev set."""
    hashes = sorted(set(text_hashes), key=lambda h: (split_rank(h, seed), h))
    return set(hashes[: dev_size(len(hashes), eval_split)])
