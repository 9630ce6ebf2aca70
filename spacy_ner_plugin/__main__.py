"""`python -m spacy_ner_plugin STEP ...`."""

import signal
import sys
from types import FrameType

from .cli import app


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM unwinds like Ctrl-C, so the steps' `finally` blocks remove their temp files."""
    sys.exit(128 + signum)


def main() -> None:
    """Run the CLI; SIGTERM ends a step cleanly, leaving the previous outputs in place."""
    signal.signal(signal.SIGTERM, _terminate)
    app()


if __name__ == "__main__":
    main()
