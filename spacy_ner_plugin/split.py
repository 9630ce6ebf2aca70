"""Seeded train/dev split by text: every answer about one text lands on the same side."""

import random
from typing import Iterable, Set


def choose_dev_texts(text_hashes: Iterable[int], eval_split: float, seed: int) -> Set[int]:
    """Pick `round(n * eval_split)` of the distinct text hashes for the dev set.

    The choice depends only on the set of hashes and the seed, not on input order.
    """
    if not 0.0 <= eval_split < 1.0:
        raise ValueError(f"eval_split must be in [0, 1), got {eval_split}")
    hashes = sorted(set(text_hashes))
    random.Random(seed).shuffle(hashes)
    n_dev = round(len(hashes) * eval_split)
    if eval_split > 0 and len(hashes) > 1:
        n_dev = min(max(n_dev, 1), len(hashes) - 1)
    return set(hashes[:n_dev])
