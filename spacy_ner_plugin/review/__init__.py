"""Review: several annotators' answers → one version per text, agreement figures, conflicts.

`versions` groups answers into units and versions, `policies` settles them, `records` writes
the review-shaped records, `agreement` and `consistency` measure the annotations. The step
works on answers (`annotations.merge.Answer`), so files today and a database later feed it.
"""
