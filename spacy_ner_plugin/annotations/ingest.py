"""Read annotation inputs of any format into an `AnswerStore`, rejecting bad records on the way.

Inputs are paths, optionally prefixed like Prodigy dataset names: `eval:PATH` marks a dedicated
eval set, `binary:PATH` (or `gold:PATH`) says what kind of answers a file holds when its records
do not say so themselves (no `_view_id`). Prefixes combine: `eval:binary:PATH`.
`dataset:NAME` (also prefixed: `eval:dataset:NAME`) reads the answers of a database dataset
instead of a file (`db.inputs`).
"""

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, List, Sequence, Union

from ..constants import BINARY, GOLD
from ..db.inputs import check_dataset, database_file, dataset_name, read_dataset
from ..errors import PluginError, StrictModeError
from ..io.files import atomic_path, make_spool
from ..io.hashing import text_hash
from ..io.records import InvalidRecord, Line, Reject, get_text, json_line
from .counts import ConversionCounts
from .formats import read_records
from .kinds import answer_kind, detect_kind
from .store import AnswerStore

PREFIXES = {"eval": ("eval", True), "binary": ("kind", BINARY), "gold": ("kind", GOLD)}
MAX_REJECTS_SHOWN = 20


@dataclass
class InputSpec:
    """One input (a file, or a database dataset) and what its prefix says about it."""

    path: Path
    eval: bool = False
    kind: str | None = None
    dataset: str | None = None
    db: str | None = None


def parse_input(spec: Union[str, Path]) -> InputSpec:
    """`eval:binary:data.jsonl` → InputSpec(Path("data.jsonl"), eval=True, kind="binary")."""
    text = str(spec)
    fields = {"eval": False, "kind": None}
    while not Path(text).exists():
        prefix, sep, rest = text.partition(":")
        if not sep or prefix not in PREFIXES:
            break
        name, value = PREFIXES[prefix]
        fields[name] = value
        text = rest
    return InputSpec(
        Path(text), eval=bool(fields["eval"]), kind=fields["kind"], dataset=dataset_name(text)
    )


def parse_inputs(
    inputs: Sequence[Union[str, Path]], eval_path: Union[str, Path] | None = None
) -> List[InputSpec]:
    """The specs of `inputs`, and of `eval_path` (if any) marked as the eval set."""
    specs = [parse_input(spec) for spec in inputs]
    if eval_path is not None:
        specs.append(parse_input(str(eval_path)))
        specs[-1].eval = True
    return specs


def read_input(
    spec: InputSpec, input_format: str | None = None, **conll_options: Any
) -> Iterator[Line]:
    """The records of one input: a file of any supported format, or a dataset's answers.

    `conll_options` (`scheme`, `n_sents`) go to the CoNLL reader only.
    """
    if spec.dataset is not None:
        return read_dataset(spec.dataset, spec.db)
    return read_records(spec.path, input_format, **conll_options)


def input_paths(specs: Sequence[InputSpec], db: str | None = None) -> List[Path]:
    """The files that `specs` read: their paths, and the database file of `dataset:` inputs."""
    paths = [spec.path for spec in specs if spec.dataset is None]
    databases = {spec.db or db for spec in specs if spec.dataset is not None}
    return paths + [path for path in map(database_file, databases) if path is not None]


def check_inputs(specs: Sequence[InputSpec], db: str | None = None) -> None:
    """Fail before any work if an input file or dataset is missing (`db`: the database of
    `dataset:` inputs, default as `db.database.resolve_db_url` says; set on their specs)."""
    for spec in specs:
        if spec.dataset is not None:
            spec.db = spec.db or db
            check_dataset(spec.dataset, spec.db)
        elif not spec.path.exists():
            raise PluginError("Input not found", str(spec.path))


class JsonlSpool:
    """Records streamed to a temporary JSONL file and saved atomically at the end.

    Reports (rejects, conflicts, span changes) can be as long as the input, so they are
    never held in memory. The spool lies beside the step's output `beside` (or, without one,
    in the spool folder), where the next run sweeps it if the step is killed (`make_spool`).
    """

    def __init__(self, beside: Union[str, Path] | None = None) -> None:
        self.count = 0
        self._path = make_spool(beside)
        self._file = self._path.open("w", encoding="utf8")

    def write(self, record: Any) -> None:
        self._file.write(json_line(record) + "\n")
        self.count += 1

    def save(self, path: Path) -> None:
        """Write everything spooled to `path` (atomically)."""
        self._file.flush()
        with atomic_path(path) as tmp:
            shutil.copyfile(self._path, tmp)

    def close(self) -> None:
        """Remove the temporary file."""
        self._file.close()
        self._path.unlink(missing_ok=True)

    def __enter__(self) -> "JsonlSpool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class RejectLog(JsonlSpool):
    """Rejects, counted in `counts`, spooled to disk; the first few kept to show."""

    def __init__(
        self, counts: ConversionCounts, strict: bool = False, beside: Union[str, Path] | None = None
    ) -> None:
        super().__init__(beside)
        self.counts = counts
        self.strict = strict
        self.shown: List[Reject] = []

    def add(self, reject: Reject) -> None:
        self.counts.rejected += 1
        if self.strict:
            raise StrictModeError(reject)
        if len(self.shown) < MAX_REJECTS_SHOWN:
            self.shown.append(reject)
        self.write(reject.to_json())


def detect_input_kinds(
    specs: Sequence[InputSpec], input_format: str | None = None, binary: bool | None = None
) -> List[str]:
    """Give every input without a `binary:`/`gold:` prefix its kind; return what was detected.

    `binary` True/False forces the kind (`--binary/--no-binary`); None detects it from the
    file's first records (`merge.detect_kind`). Records that declare their
    kind (`_is_binary`, `_view_id`) keep it either way.
    """
    notes = []
    for spec in specs:
        if spec.kind is not None:
            continue
        if binary is not None:
            spec.kind = BINARY if binary else GOLD
            continue
        lines = read_input(spec, input_format)
        kind, evidence = detect_kind(line.record for line in lines if line.record is not None)
        if kind is not None:
            spec.kind = kind
            notes.append(
                f"{spec.path}: read as {kind} answers ({evidence}); --no-binary forces gold"
            )
    return notes


def ingest(
    specs: Sequence[InputSpec],
    store: AnswerStore,
    counts: ConversionCounts,
    reject: Callable[[Reject], None],
    input_format: str | None = None,
) -> None:
    """Stream every record of `specs` into `store`; bad lines and texts go to `reject`."""
    for spec in specs:
        for line in read_input(spec, input_format):
            counts.read += 1
            if line.reject is not None:
                reject(line.reject)
                continue
            record = line.record
            try:
                h = text_hash(get_text(record))
            except InvalidRecord as err:
                reject(Reject(line.path, line.line, err.field, err.reason, record))
                continue
            kind = answer_kind(record, spec.kind)
            store.add(h, line.path, line.line, kind, record, eval=spec.eval)
