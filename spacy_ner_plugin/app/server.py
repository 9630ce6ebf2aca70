"""The annotation app's web server: FastAPI routes over a recipe, its feed and the database.

Routes stay thin; the work is in `feed`, `answers` and `db`. Every request body is a pydantic
model with bounded sizes, a body over `max_body` bytes is refused before it is read whole,
and a request that fails validation changes nothing. The page is a fixed set of files from
the package, read once; no path from a client is ever opened. Who may call the API, and as
which session, is `access`'s rule (the page sends the token it got in its URL).
"""

import logging
import time
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Dict, List, Literal, Tuple

import spacy
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..db.assignments import Assignments
from ..db.database import Database, NotAssigned
from ..errors import PluginError
from ..messages import Message as PrintedMessage
from ..review.progress import dataset_progress
from .access import SESSION_PATTERN, Access, AccessDenied, is_loopback
from .answers import InvalidAnswer, answer_record, check_spans
from .feed import Feed, NotYours
from .guidelines import Guidelines, read_guidelines, render_guidelines
from .progress_plot import progress_svg
from .recipes import Recipe, build_recipe

logger = logging.getLogger(__name__)

MAX_BODY = 16 * 1024 * 1024
MAX_ANSWERS = 200
MAX_LABEL = 100
ANSWER_ID_PATTERN = r"^[A-Za-z0-9_.:-]{8,64}$"
IDLE_SUBMIT_S = 3.0
HTML = "text/html; charset=utf-8"
JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
STATIC = {
    "index.html": HTML,
    "app.js": JS,
    "style.css": CSS,
    "guidelines.js": JS,
    "guidelines.css": CSS,
    "progress.html": HTML,
    "progress.js": JS,
    "progress.css": CSS,
}
PAGES = {"/": "index.html", "/progress": "progress.html"}
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


# Request parts

XToken = Annotated[str | None, Header(max_length=200)]
SessionQuery = Annotated[str | None, Query(pattern=SESSION_PATTERN)]


class SpanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    token_start: int = Field(ge=0)
    token_end: int = Field(ge=0)
    label: str = Field(min_length=1, max_length=MAX_LABEL)
    source: str | None = Field(default=None, max_length=MAX_LABEL)
    pattern_id: str | None = Field(default=None, max_length=MAX_LABEL)
    pattern_line: int | None = None
    score: float | None = None


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    answer_id: str = Field(alias="_answer_id", pattern=ANSWER_ID_PATTERN)
    input_hash: int = Field(alias="_input_hash")
    task_hash: int = Field(alias="_task_hash")
    answer: Literal["accept", "reject", "ignore"]
    spans: List[SpanIn] = Field(default_factory=list, max_length=10_000)
    # Review: which versions were picked (their indices), for the record.
    accept: List[int] | None = Field(default=None, max_length=100)
    # A new answer to a task this session answered before (reopened from its history).
    supersedes: str | None = Field(default=None, pattern=ANSWER_ID_PATTERN)


class AnswersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    session: str | None = Field(default=None, pattern=SESSION_PATTERN)
    answers: List[AnswerIn] = Field(max_length=MAX_ANSWERS)


class QuestionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    session: str | None = Field(default=None, pattern=SESSION_PATTERN)
    n: int = Field(default=10, ge=1, le=100)
    fresh: bool = False


# Middleware


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413, by header or while they stream in."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _too_large(self.limit, send)
            return
        received = 0
        too_large = False

        async def limited() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    too_large = True
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await _too_large(self.limit, send)


class _BodyTooLarge(BaseException):
    """Not an `Exception`: FastAPI turns those raised while reading a body into a 400."""


async def _too_large(limit: int, send: Send) -> None:
    response = JSONResponse({"detail": f"request body over {limit} bytes"}, status_code=413)
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


class SecurityHeaders:
    """The page may run only its own script and style, and never in a frame."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


# The app


class Annotation:
    """What one running app holds: the recipe, its feed, the database, who may use it."""

    def __init__(
        self,
        recipe: Recipe,
        db: Database,
        *,
        feed_overlap: bool = False,
        annotations_per_task: int = 1,
        exclude: List[str] | None = None,
        timeout: float = 600.0,
        access: Access | None = None,
        guidelines: Guidelines | None = None,
    ) -> None:
        self.recipe = recipe
        self.db = db
        self.access = access if access is not None else Access()
        self.guidelines = guidelines
        self.dataset = recipe.dataset
        db.add_dataset(self.dataset, recipe.meta)
        by = recipe.exclude_by
        # A recipe that updates a model: the page asks for a batch only after the last one's
        # answers, so that every question comes from a model at most one batch behind.
        self.max_ahead = recipe.batch_size if recipe.update is not None else None
        self.feed = Feed(
            recipe.stream, Assignments(db, self.dataset), by=by,
            excluded=db.hashes(exclude, by) if exclude else (),
            answered=db.answered([self.dataset], by),
            per_task=None if feed_overlap else annotations_per_task, timeout=timeout,
            max_ahead=self.max_ahead,
        )  # fmt: skip
        self.default_session = time.strftime("%Y-%m-%d_%H-%M-%S")

    def session_id(self, session: str | None) -> str:
        """Prodigy's convention: `DATASET-NAME` for `?session=NAME`, else one per app run."""
        return f"{self.dataset}-{session or self.default_session}"

    def progress(self, session_id: str) -> Dict[str, Any]:
        return {
            "session": self.db.count(self.dataset, session_id),
            "total": self.db.count(self.dataset),
            "left": self.feed.left(session_id),
            "texts": self.recipe.total,
            "texts_read": self.feed.texts_read,
        }

    @cached_property
    def nlp(self) -> spacy.Language:
        """Tokenizes, for agreement, the texts of answers without tokens (the app's have them)."""
        return spacy.blank("en")

    def team_progress(self) -> Dict[str, Any]:
        """The dataset's progress figures (`review.progress`) and their plot (SVG text)."""
        figures = dataset_progress(self.db, self.dataset, self.nlp)
        title = f"Answers over time: {self.dataset}"
        return {**figures.to_json(), "svg": progress_svg(figures.timeline, title)}

    def messages(self, recipe_name: str, host: str, port: int) -> List[PrintedMessage]:
        """The (level, title, text) lines `annotate` prints before serving: the dataset's
        answers so far, and where to annotate."""
        answers = self.db.stats(self.dataset).answers
        so_far = f"Dataset '{self.dataset}': {answers} answers so far"
        return [("info", so_far, self.db.url), *self.access.messages(recipe_name, host, port)]

    def history(self, session_id: str, n: int) -> Dict[str, Any]:
        """`session_id`'s latest `n` answers that no later one superseded, newest first."""
        return {"answers": self.db.history(self.dataset, session_id, n)}

    def save(self, session_id: str, answers: List[AnswerIn]) -> Dict[str, Any]:
        """Check every answer, then save them all in one transaction (or none). Only answers
        to tasks handed to this session are taken (409 for another session's task; a task
        never handed out is `unknown`)."""
        records, unknown, supersedes = [], [], {}
        for i, given in enumerate(answers):
            try:
                task = self.feed.task_of(session_id, given.input_hash, given.task_hash)
            except NotYours as err:
                raise HTTPException(409, f"answer {i}: {err}") from err
            if task is None:
                unknown.append(given.answer_id)
                continue
            try:
                spans = [s.model_dump() for s in given.spans]
                spans = check_spans(spans, task, self.recipe.view, self.recipe.labels)
            except (InvalidAnswer, KeyError, TypeError) as err:
                raise HTTPException(422, f"answer {i}: {err}") from err
            records.append(
                answer_record(
                    task, spans, given.answer, given.answer_id, session_id,
                    self.recipe.view, given.accept,
                )
            )  # fmt: skip
            if given.supersedes is not None:
                supersedes[given.answer_id] = given.supersedes
        # A second answer of this session to one task (a retry, a second tab) is not saved,
        # unless it supersedes the first.
        first = [
            r
            for r in records
            if r["_answer_id"] in supersedes or not self.feed.answered_by(session_id, r)
        ]
        try:
            result = self.db.add_answers(
                self.dataset, first, assigned_by=self.recipe.exclude_by, supersedes=supersedes
            ) if first else None  # fmt: skip
        except NotAssigned as err:  # taken over by another session after the timeout
            raise HTTPException(409, str(err)) from err
        except PluginError as err:
            raise HTTPException(422, str(err)) from err
        self.feed.answer(session_id, first)
        update_error = None
        if result is not None and result.added and self.recipe.update is not None:
            added = set(result.added_keys)
            new = [r for r in first if r["_answer_id"] in added]
            try:
                with self.feed.exclusive():
                    self.recipe.update(new)
            except Exception as err:  # the user's update: the answers are saved regardless
                logger.exception("update failed")
                update_error = f"{type(err).__name__}: {err}"
        return {
            "saved": [r["_answer_id"] for r in records],
            "unknown": unknown,
            "update_error": update_error,
            "progress": self.progress(session_id),
        }


def create_app(
    annotation: Annotation,
    *,
    host: str = "127.0.0.1",
    max_body: int = MAX_BODY,
    instant_submit: bool = False,
    idle_submit_s: float = IDLE_SUBMIT_S,
) -> FastAPI:
    """The FastAPI app serving `annotation`'s page and API (no OpenAPI schema or docs: the
    API is the page's, and a shared server shows nothing without a token)."""
    app = FastAPI(
        title="spacy_ner_plugin annotate", openapi_url=None, docs_url=None, redoc_url=None
    )
    pages = {name: resources.files(__package__).joinpath("static", name).read_bytes()
             for name in STATIC}  # fmt: skip
    recipe = annotation.recipe

    def authorized(x_token: XToken = None) -> None:
        try:
            annotation.access.check(x_token)
        except AccessDenied as err:
            raise HTTPException(err.status, err.detail) from err

    def session_of(x_token: str | None, requested: str | None) -> str:
        """The session a request acts as (from its token, or the name it gives where the
        app allows that)."""
        try:
            return annotation.session_id(annotation.access.session(x_token, requested))
        except AccessDenied as err:
            raise HTTPException(err.status, err.detail) from err

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Say what is wrong and where, without echoing the (possibly huge) input back.
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()[:20]
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    for path, page in PAGES.items():
        app.add_api_route(
            path, lambda page=page: Response(pages[page], media_type=HTML),
            methods=["GET"], include_in_schema=False,
        )  # fmt: skip

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in STATIC or name in PAGES.values():
            raise HTTPException(404, "not found")
        return Response(pages[name], media_type=STATIC[name])

    @app.get("/api/config", dependencies=[Depends(authorized)])
    def config(x_token: XToken = None, session: SessionQuery = None) -> Dict[str, Any]:
        session_id = session_of(x_token, session)
        return {
            "dataset": annotation.dataset,
            "recipe": recipe.meta.get("recipe"),
            "view": recipe.view,
            "labels": recipe.labels,
            "batch_size": recipe.batch_size,
            "session": session_id,
            "progress": annotation.progress(session_id),
            "max_ahead": annotation.max_ahead,
            "instant_submit": instant_submit,
            "idle_submit_s": idle_submit_s,
        }

    @app.post("/api/questions", dependencies=[Depends(authorized)])
    def questions(body: QuestionsIn, x_token: XToken = None) -> Dict[str, Any]:
        session_id = session_of(x_token, body.session)
        tasks = annotation.feed.questions(session_id, body.n, fresh=body.fresh)
        return {"tasks": tasks, "progress": annotation.progress(session_id)}

    @app.post("/api/answers", dependencies=[Depends(authorized)])
    def answers(body: AnswersIn, x_token: XToken = None) -> Dict[str, Any]:
        return annotation.save(session_of(x_token, body.session), body.answers)

    @app.get("/api/progress", dependencies=[Depends(authorized)])
    def progress(x_token: XToken = None, session: SessionQuery = None) -> Dict[str, Any]:
        return annotation.progress(session_of(x_token, session))

    @app.get("/api/guidelines", dependencies=[Depends(authorized)])
    def guidelines() -> Dict[str, Any]:
        found = annotation.guidelines
        return {"html": found.html if found else None, "labels": found.labels if found else {}}

    @app.get("/api/team", dependencies=[Depends(authorized)])
    def team() -> Dict[str, Any]:
        return annotation.team_progress()

    @app.get("/api/history", dependencies=[Depends(authorized)])
    def history(
        x_token: XToken = None, session: SessionQuery = None, n: int = Query(20, ge=1, le=200)
    ) -> Dict[str, Any]:
        return annotation.history(session_of(x_token, session), n)

    hosts = ["*"] if not is_loopback(host) else ["localhost", "127.0.0.1", "[::1]"]
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, limit=max_body)
    return app


def make_app(
    recipe_name: str,
    dataset: str,
    source: str,
    *,
    db: str | None = None,
    host: str = "127.0.0.1",
    token: str | None = None,
    sessions: List[str] | None = None,
    feed_overlap: bool = False,
    annotations_per_task: int = 1,
    exclude: List[str] | None = None,
    timeout: float = 600.0,
    max_body: int = MAX_BODY,
    instant_submit: bool = False,
    idle_submit_s: float = IDLE_SUBMIT_S,
    guidelines: str | Path | None = None,
    **recipe_options: Any,
) -> Tuple[FastAPI, Annotation]:
    """Build recipe `recipe_name` and the app serving it; `Access.make` decides the tokens
    (one per name in `sessions`; one made for a non-loopback host unless `token` is given).
    `guidelines`: a Markdown file the page shows (`UsageError` if it cannot be read)."""
    access = Access.make(host, token, sessions or ())
    text = read_guidelines(guidelines) if guidelines is not None else None
    recipe = build_recipe(
        recipe_name, dataset=dataset, source=source, db=db, exclude=exclude, **recipe_options
    )
    database = Database(db)
    annotation = Annotation(
        recipe, database, feed_overlap=feed_overlap, annotations_per_task=annotations_per_task,
        exclude=exclude, timeout=timeout, access=access,
        guidelines=render_guidelines(text, recipe.labels) if text is not None else None,
    )  # fmt: skip
    app = create_app(
        annotation, host=host, max_body=max_body, instant_submit=instant_submit,
        idle_submit_s=idle_submit_s,
    )  # fmt: skip
    return app, annotation
