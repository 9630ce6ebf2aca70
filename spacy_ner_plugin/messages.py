"""What a step prints, as data: a domain result builds (level, title, text) messages (and
tables) that the CLI's printer prints (`cli._util.StepPrinter`), so library code stays quiet.

level is a wasabi `Printer` method (info, good, warn, text, divider), or "plain": an unwrapped
line that survives copy and paste, such as a command line.
"""

from typing import Tuple

Message = Tuple[str, str, str]
