"""Who may use a running app, and as which session.

Three setups, chosen from `annotate`'s options:
- open (the default: loopback, no token): each annotator names a session with `?session=`;
- one token (`--token`, or made for a non-loopback host): one shared secret; a session name in
  the URL is honoured only on a loopback host, where nobody else can connect;
- one token per annotator (`--sessions alice,bob`): the session comes from the token, and a
  request that names another session is refused.
The page URLs printed for annotators use an address they can open (the machine's own address
when the server is bound to every interface).
"""

import hmac
import ipaddress
import re
import secrets
import socket
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Tuple

from ..errors import UsageError
from ..messages import Message

SESSION_PATTERN = r"^[A-Za-z0-9_.@-]{1,64}$"
TOKEN_PATTERN = r"^[A-Za-z0-9_.~-]{16,200}$"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
EVERY_INTERFACE = ("0.0.0.0", "::", "[::]", "")


class AccessDenied(Exception):
    """A request the app refuses: its HTTP status and why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Access:
    """The tokens of one app (token → session name, None for the one shared session) and
    whether a request may name its own session."""

    tokens: Dict[str, str | None] = field(default_factory=dict)
    named_sessions: bool = True

    @classmethod
    def make(cls, host: str, token: str | None = None, sessions: Iterable[str] = ()) -> "Access":
        """The access rule for `annotate --host/--token/--sessions` (usage errors for an
        empty or short token, a bad session name, or both options at once)."""
        names = list(sessions)
        loopback = is_loopback(host)
        if token is not None and names:
            raise UsageError("Give --sessions or --token, not both",
                             "--sessions makes one token per annotator")  # fmt: skip
        if token is not None:
            if not re.match(TOKEN_PATTERN, token):
                raise UsageError(
                    "Bad --token: an empty or short token leaves the app open",
                    "16 to 200 letters, digits, '_', '-', '.' or '~'; or leave --token out "
                    "to have one made",
                )
            return cls({token: None}, named_sessions=loopback)
        if names:
            bad = [n for n in names if not re.match(SESSION_PATTERN, n)]
            if bad:
                raise UsageError(f"Bad session name {bad[0]!r}",
                                 "1 to 64 letters, digits, '_', '.', '@' or '-'")  # fmt: skip
            if len(set(names)) != len(names):
                raise UsageError("A session is named twice in --sessions", ",".join(names))
            return cls({new_token(): name for name in names}, named_sessions=False)
        if loopback:
            return cls()
        return cls({new_token(): None}, named_sessions=False)

    @property
    def open(self) -> bool:
        return not self.tokens

    def check(self, token: str | None) -> str | None:
        """The session name of `token` (None: the shared one); AccessDenied if it is not
        one of the app's tokens."""
        if self.open:
            return None
        given = (token or "").encode()
        for known, name in self.tokens.items():
            if given and hmac.compare_digest(given, known.encode()):
                return name
        raise AccessDenied(401, "missing or wrong token")

    def session(self, token: str | None, requested: str | None) -> str | None:
        """The session name a request acts as: its token's, else the one it names where
        that is allowed (None: the app run's default session)."""
        name = self.check(token)
        if name is not None:
            if requested not in (None, name):
                raise AccessDenied(403, f"this token is session {name!r}'s")
            return name
        if requested is not None and not (self.open or self.named_sessions):
            raise AccessDenied(
                403, "on a shared server the session comes from the token: use --sessions"
            )
        return requested

    def urls(self, host: str, port: int, path: str = "/") -> List[Tuple[str | None, str]]:
        """The URL of page `path` for each session of a token (one URL when there are none)."""
        if self.open:
            return [(None, page_url(host, port, path=path))]
        return [(name, page_url(host, port, token, path)) for token, name in self.tokens.items()]

    def messages(self, recipe: str, host: str, port: int) -> List[Message]:
        """The (level, title, text) lines `annotate` prints: the page's URL (one per annotator
        with their own tokens), and the progress page's."""
        urls = self.urls(host, port)
        if len(urls) == 1 and urls[0][0] is None:
            join = "&" if "?" in urls[0][1] else "?"
            hint = f"add {join}session=NAME per annotator" if self.named_sessions else ""
            lines = [("good", f"Annotate with {recipe} at {urls[0][1]}", hint)]
        else:
            lines = [("good", f"Annotate with {recipe}: one URL per annotator", "")]
            lines += [("text", f"  {name}: {url}", "") for name, url in urls]
        if len(urls) > 1:
            progress = "any of these URLs with /progress in place of /"
        else:
            progress = self.urls(host, port, "/progress")[0][1]
        return [*lines, ("text", f"Team progress: {progress}", "")]


def page_url(host: str, port: int, token: str | None = None, path: str = "/") -> str:
    """A page's URL as an annotator opens it: bound to every interface, the machine's own
    address stands in for `0.0.0.0`."""
    if host in EVERY_INTERFACE:
        host = machine_address()
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{path}" + (f"?token={token}" if token else "")


def machine_address() -> str:
    """This machine's address on its network, found without sending a packet (a UDP socket's
    connect only picks the route), else its host name's address, else loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never reached, only routed
            address = probe.getsockname()[0]
        except OSError:
            address = "0.0.0.0"
    if address != "0.0.0.0":
        return address
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"
