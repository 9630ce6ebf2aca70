"""The annotation guidelines the page shows (`annotate --guidelines FILE.md`).

The Markdown is rendered by markdown-it (CommonMark, tables) with raw HTML off, so a `<script>`
or an `onerror=` in the file is shown as text, and a link or image is kept only with a
relative, http(s) or mailto address (no `javascript:`, `data:` or other scheme). A section
whose heading is a label's name holds that label's notes, which the page shows while the
label is chosen.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Union

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from ..errors import UsageError

MAX_BYTES = 1_000_000
SAFE_SCHEMES = ("http", "https", "mailto")
SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")


@dataclass(frozen=True)
class Guidelines:
    """The whole page as HTML, and each label's own section (HTML) by label."""

    html: str
    labels: Dict[str, str] = field(default_factory=dict)


def safe_link(url: str) -> bool:
    """Whether a link or image address may be kept: relative, or of a `SAFE_SCHEMES` scheme."""
    scheme = SCHEME.match(url)
    return scheme is None or scheme.group(1).lower() in SAFE_SCHEMES


def markdown() -> MarkdownIt:
    """A CommonMark renderer that passes no raw HTML and no unsafe link, and opens links in a
    new tab (the annotation page stays open)."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.validateLink = safe_link

    def link_open(renderer: RendererHTML, tokens: List[Token], i: int, options, env) -> str:
        tokens[i].attrSet("target", "_blank")
        tokens[i].attrSet("rel", "noopener noreferrer")
        return renderer.renderToken(tokens, i, options, env)

    md.add_render_rule("link_open", link_open)
    return md


def render_guidelines(text: str, labels: Sequence[str]) -> Guidelines:
    """`text` (Markdown) as HTML, and the sections whose heading names one of `labels` (exact,
    else ignoring case) rendered on their own: everything up to the next heading of the same
    or a higher level."""
    md = markdown()
    env: Dict = {}
    tokens = md.parse(text, env)
    by_name = {label.lower(): label for label in labels}
    by_name.update({label: label for label in labels})
    sections: Dict[str, str] = {}
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        title = "".join(c.content for c in tokens[i + 1].children or () if c.type == "text")
        label = by_name.get(title.strip()) or by_name.get(title.strip().lower())
        if label is None or label in sections:
            continue
        end = next(
            (j for j in range(i + 3, len(tokens))
             if tokens[j].type == "heading_open" and tokens[j].tag <= token.tag),
            len(tokens),
        )  # fmt: skip
        sections[label] = md.renderer.render(tokens[i + 3 : end], md.options, env)
    return Guidelines(md.renderer.render(tokens, md.options, env), sections)


def read_guidelines(path: Union[str, Path]) -> str:
    """The guidelines file's text (`UsageError` if it is missing, unreadable, not UTF-8 text or
    over `MAX_BYTES`)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UsageError(f"The guidelines {path} are too large", f"over {MAX_BYTES} bytes")
        text = path.read_text(encoding="utf8")
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise UsageError(f"The guidelines {path} are not UTF-8 text", f"line {line}") from err
    except OSError as err:
        raise UsageError(f"Cannot read the guidelines {path}", err.strerror or str(err)) from err
    return text
