"""What happened to every record a conversion step read: read = written + rejected + skipped."""

from collections import Counter
from dataclasses import dataclass, field

from ..errors import InternalError


@dataclass
class ConversionCounts:
    """Records read, written (per output), rejected (bad data) and skipped (per reason)."""

    read: int = 0
    written: Counter = field(default_factory=Counter)
    rejected: int = 0
    skipped: Counter = field(default_factory=Counter)

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
