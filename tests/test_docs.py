"""The API reference, docs/api.rst, lists every public name of the package.

A name is public when a public module (no leading underscore) lists it in
``__all__``. The reference is an explicit autosummary list, so a new public
function does not appear in the documentation until someone adds it; this
test is what notices. (The Sphinx build itself checks the other direction:
an entry that does not import is a warning, and warnings fail the docs
build.)
"""

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import sklearn_rfnet

API_RST = Path(__file__).resolve().parents[1] / "docs" / "api.rst"


def public_modules():
    """``sklearn_rfnet`` and every submodule or subpackage without a ``_``."""
    names = ["sklearn_rfnet"]
    for info in pkgutil.walk_packages(sklearn_rfnet.__path__, "sklearn_rfnet."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def documented_names(text):
    """Fully qualified names listed in the autosummary blocks of ``text``."""
    names, module, in_block = [], None, False
    for line in text.splitlines():
        directive = re.match(r"\.\. (currentmodule|automodule|module)::\s*(\S+)", line)
        if directive:
            module, in_block = directive.group(2), False
            continue
        if line.startswith(".. autosummary::"):
            in_block = True
            continue
        if in_block:
            entry = line.strip()
            if line and not line[0].isspace():
                in_block = False
            elif entry and not entry.startswith(":"):
                names.append(f"{module}.{entry}" if module else entry)
    return names


def resolve(qualname):
    """Import the object named ``package.module.attr[.attr...]``."""
    parts = qualname.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(qualname)


def _documented_objects():
    return [resolve(name) for name in documented_names(API_RST.read_text())]


def test_documented_names_parse():
    names = documented_names(API_RST.read_text())
    assert "sklearn_rfnet.RandomFeatureRegressor" in names
    assert "sklearn_rfnet.plotting.ConditioningDisplay" in names
    assert len(names) == len(set(names)), "a name is listed twice in docs/api.rst"


@pytest.mark.parametrize("name", documented_names(API_RST.read_text()))
def test_documented_name_imports(name):
    resolve(name)


@pytest.mark.parametrize("module_name", public_modules())
def test_public_names_are_documented(module_name):
    module = importlib.import_module(module_name)
    documented = _documented_objects()
    missing = []
    for name in getattr(module, "__all__", []):
        if name.startswith("__"):
            continue
        obj = getattr(module, name)
        # re-exports of other packages' objects (scikit-learn's
        # ConvergenceWarning) are documented by their owners
        if not getattr(obj, "__module__", "sklearn_rfnet").startswith("sklearn_rfnet"):
            continue
        if not any(obj is doc for doc in documented):
            missing.append(name)
    assert not missing, (
        f"{module_name}.__all__ has names that docs/api.rst does not list: "
        f"{missing}. Add them to an autosummary block there."
    )
