"""What happened to every record a conversion step read: read = written + rejected + skipped."""

from collections import Counter
from dataclasses import dataclass, field
from typing import List

from ..errors import InternalError


@dataclass
class ConversionCounts:
    """Records read, written (per output), rejected (bad data) and skipped (per reason)."""

    read: int = 0
    written: Counter = field(default_factory=Counter)
    rejected: int = 0
    skipped: Counter = field(default_factory=Counter)

    def tables(self) -> List[tuple]:
        """Read = written + rejected + skipped, as a table for the CLI to print: (title, header,
        rows, aligns), as `wasabi`'s `table` takes them."""
        rows = [("read", self.read)]
        rows += [(f"written: {name}", n) for name, n in sorted(self.written.items())]
        rows += [("rejected", self.rejected)]
        rows += [(f"skipped: {reason}", n) for reason, n in sorted(self.skipped.items())]
        return [("Records", None, rows, ("l", "r"))]

    @property
    def reconciles(self) -> bool:
        return self.read == sum(self.written.values()) + self.rejected + sum(self.skipped.values())

    def check(self) -> None:
        """Raise `InternalError` unless read = written + rejected + skipped."""
        if not self.reconciles:
            raise InternalError(
                "Counts do not add up (a bug: please report it)",
                f"read {self.read} != written {sum(self.written.values())} + rejected "
                f"{self.rejected} + skipped {sum(self.skipped.values())}",
            )
