"""The package's layering: a subpackage imports only from itself and the layers below it."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "spacy_ner_plugin"

# Bottom to top. A unit may import from its own unit and from any unit of a lower layer, never
# from its own layer's siblings or from above (reading a doccano file must not load the CLI).
LAYERS = [
    {"__init__", "constants", "errors", "colors", "messages"},
    {"io", "configs"},
    {"project_template"},
    {"db"},
    {"annotations", "patterns"},
    {"binary", "preannotate", "evaluation", "review"},
    {"readers", "teach"},
    {"curve", "training"},
    {"cluster"},
    {"advise"},
    {"app", "labelstudio"},
    {"cli"},
    {"__main__"},
]
LAYER_OF = {unit: i for i, units in enumerate(LAYERS) for unit in units}


def unit_of(module: str) -> str:
    """`spacy_ner_plugin.annotations.formats.conll` → `annotations`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def package_imports(path: Path, package_dir: Path = PACKAGE):
    """Absolute names of the package modules that `path` imports, with their line numbers: by
    import statement, or by string (`importlib.import_module`, `find_spec`, `__import__`)."""
    module = ".".join(path.relative_to(package_dir.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    package = package.removesuffix(".__init__")
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = (
                [target]
                if node.module
                else [_submodule(target, a.name, package_dir) for a in node.names]
            )
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.Call):
            names = [name for name in [_string_import(node, package)] if name]
        else:
            continue
        for name in names:
            if name.split(".")[0] == "spacy_ner_plugin":
                yield node.lineno, name


STRING_IMPORTS = {"import_module", "find_spec", "__import__"}


def _string_import(call: ast.Call, package: str) -> str | None:
    """The module a call such as `importlib.import_module("spacy_ner_plugin.cli")` names: a
    relative name resolved against `package` (the `__package__` idiom), an f-string by its
    literal head (`f"spacy_ner_plugin.cli.{step}"` → `spacy_ner_plugin.cli`)."""
    func = call.func
    called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if called not in STRING_IMPORTS or not call.args:
        return None
    arg = call.args[0]
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        name = str(arg.values[0].value).rpartition(".")[0]
    elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        name = arg.value
    else:
        return None
    if name.startswith("."):
        level = len(name) - len(name.lstrip("."))
        base = package.split(".")[: len(package.split(".")) - level + 1]
        name = ".".join(base + ([name.lstrip(".")] if name.lstrip(".") else []))
    return name


def _submodule(package: str, name: str, package_dir: Path) -> str:
    """`from package import name`: the submodule `name` if there is one, else `package` itself."""
    folder = package_dir.parent.joinpath(*package.split("."))
    is_module = (folder / f"{name}.py").exists() or (folder / name).is_dir()
    return f"{package}.{name}" if is_module else package


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_unit_has_a_layer():
    units = {
        unit_of(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts)) for p in MODULES
    }
    assert units <= set(LAYER_OF), f"add to LAYERS: {sorted(units - set(LAYER_OF))}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    unit = unit_of(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
    upward = [
        f"line {line}: {name}"
        for line, name in package_imports(path)
        if unit_of(name) != unit and LAYER_OF[unit_of(name)] >= LAYER_OF[unit]
    ]
    assert not upward, f"{unit} (layer {LAYER_OF[unit]}) imports sideways or up: {upward}"


def test_the_checker_sees_an_upward_import(tmp_path):
    bad = tmp_path / "spacy_ner_plugin" / "io" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("from ..annotations.merge import merge_answers\nfrom . import files\n")
    (bad.parent / "files.py").write_text("")
    found = [name for _, name in package_imports(bad, tmp_path / "spacy_ner_plugin")]
    assert found == ["spacy_ner_plugin.annotations.merge", "spacy_ner_plugin.io.files"]


def test_the_checker_sees_an_upward_import_by_string(tmp_path):
    bad = tmp_path / "spacy_ner_plugin" / "advise" / "walk.py"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "import importlib\n"
        "from importlib.util import find_spec\n"
        'review = importlib.import_module("spacy_ner_plugin.cli.review")\n'
        'find_spec("spacy_ner_plugin.app")\n'
        '__import__("spacy_ner_plugin.cli", fromlist=["app"])\n'
        'importlib.import_module(f"spacy_ner_plugin.cli.{review}")\n'
        'importlib.import_module(".facts", __package__)\n'
        'importlib.import_module("json")\n'
    )
    found = [name for _, name in package_imports(bad, tmp_path / "spacy_ner_plugin")]
    assert found == [
        "spacy_ner_plugin.cli.review",
        "spacy_ner_plugin.app",
        "spacy_ner_plugin.cli",
        "spacy_ner_plugin.cli",
        "spacy_ner_plugin.advise.facts",
    ]
