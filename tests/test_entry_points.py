import subprocess
import sys
from importlib.metadata import distribution

import pytest

# What the extras bring (a module that imports one of them is skipped where it is missing).
EXTRA_MODULES = {"fastapi", "uvicorn", "starlette", "psycopg", "ray", "pyarrow", "floret"}
EXTRA_MODULES |= {"spacy_transformers", "torch"}
REGISTERED = sorted(
    (ep.group, ep.name)
    for ep in distribution("spacy_ner_plugin").entry_points
    if ep.group.startswith("spacy_")
)


# A fresh process per name loads spaCy from scratch (seconds apiece): slow.
@pytest.mark.slow
@pytest.mark.parametrize("group,name", REGISTERED)
def test_registered_function_resolves_by_name_in_a_fresh_process(group, name):
    registry = group[len("spacy_") :]
    code = (
        "import sys, spacy\n"
        "assert 'spacy_ner_plugin' not in sys.modules\n"
        f"func = getattr(spacy.registry, {registry!r}).get({name!r})\n"
        "print(func.__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("spacy_ner_plugin.")


def test_the_annotation_reader_and_its_old_name_have_entry_points():
    assert ("spacy_readers", "spacy_ner_plugin.AnnotationCorpus.v1") in REGISTERED
    assert ("spacy_readers", "spacy_ner_plugin.JsonlCorpus.v1") in REGISTERED


@pytest.mark.slow
def test_every_registration_in_the_package_has_an_entry_point():
    code = (
        "import importlib, pkgutil, spacy, spacy_ner_plugin as pkg\n"
        f"extras = {sorted(EXTRA_MODULES)!r}\n"
        "for mod in pkgutil.walk_packages(pkg.__path__, 'spacy_ner_plugin.'):\n"
        "    if mod.name == 'spacy_ner_plugin.db.migrations.env': continue  # Alembic runs it\n"
        "    try:\n"
        "        importlib.import_module(mod.name)\n"
        "    except ModuleNotFoundError as err:  # a module of an extra that is not installed\n"
        "        if err.name.split('.')[0] not in extras: raise\n"
        "for reg in ('readers', 'misc', 'scorers', 'architectures', 'batchers'):\n"
        "    for name in getattr(spacy.registry, reg).get_all():\n"
        "        if name.startswith('spacy_ner_plugin.'): print('spacy_' + reg, name)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    registered = {tuple(line.split()) for line in out.stdout.splitlines()}
    assert registered and registered <= set(REGISTERED)
