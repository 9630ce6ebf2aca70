"""Typer commands, one module per step; importing this package registers them on `app`."""

from ._util import app
from .advise import advise
from .annotate import annotate
from .check_config import check_config
from .data_to_spacy import data_to_spacy
from .datasets import datasets
from .db_in import db_in
from .db_out import db_out
from .evaluate import evaluate
from .evaluate_patterns import evaluate_patterns
from .fill_binary import fill_binary
from .find_errors import find_errors_cli
from .init import init
from .ls_backend import ls_backend_cli
from .preannotate import preannotate
from .pretrain import pretrain
from .review import review
from .stats import stats
from .teach import teach
from .train_curve import train_curve
from .train_vectors import train_vectors

__all__ = [
    "app",
    "advise",
    "annotate",
    "datasets",
    "check_config",
    "pretrain",
    "data_to_spacy",
    "db_in",
    "db_out",
    "evaluate",
    "stats",
    "teach",
    "evaluate_patterns",
    "fill_binary",
    "find_errors_cli",
    "init",
    "ls_backend_cli",
    "preannotate",
    "review",
    "train_curve",
    "train_vectors",
]
