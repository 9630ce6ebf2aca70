"""Input and output at the bottom of the stack: annotation records, atomic files, hashes,
`.spacy` shard writers and byte-range partitions of raw input."""
