"""Scale-out on a Ray cluster: corpus jobs as Ray tasks (one block each), train-curve points as
Ray tasks.

Everything here is optional: `ray` (the `ray` extra) is imported only when a step runs with
`--backend ray`, so the local default never needs it.
"""
