"""Sphinx configuration for sklearn_rfnet.

Build (from the repository root, after ``pip install -e ".[docs]"``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

or ``make -C docs html``. The example gallery runs ``examples/plot_*.py`` and
``examples/quickstart.py`` in quick mode: ``RFNET_QUICK=1`` is set below
unless the environment sets ``RFNET_QUICK`` already (``make -C docs
html-full`` runs the examples at the paper's settings).

Nothing is fetched at build time: no intersphinx, and the theme's assets ship
with it. References to scikit-learn, numpy or scipy objects in docstrings
therefore render as plain code, not links.
"""

import os
import re
import sys
from pathlib import Path

from sphinx.util import logging

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

# Quick mode for the gallery (examples/_common.py reads it) and a headless
# matplotlib; figures the examples save go under _build, not into examples/.
os.environ.setdefault("RFNET_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("RFNET_FIGURE_DIR", str(DOCS / "_build" / "example_figures"))

# Document the checkout, not whatever copy happens to be installed.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "sphinxext"))

import sklearn_rfnet  # noqa: E402

sphinx_logger = logging.getLogger("sklearn_rfnet.docs")

# -- Project -----------------------------------------------------------------

project = "sklearn-rfnet"
author = "sklearn_rfnet developers"
copyright = "2025, sklearn_rfnet developers"
release = sklearn_rfnet.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    # docs/sphinxext: gallery order, and the gallery-output/gallery-figures
    # directives of the page that reproduces the paper
    "rfnet_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "**.ipynb_checkpoints",
    # sphinx-gallery writes these next to the generated pages
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.md5",
    "auto_examples/*.json",
    "auto_examples/*.zip",
    # helper package for the build, not a page
    "sphinxext",
]

# The default role: `x` is code, as in the docstrings.
default_role = "literal"
pygments_style = "sphinx"
# Every warning is an error in CI (-W); keep the reference check to the
# project's own objects: without intersphinx, links into scikit-learn cannot
# resolve.
nitpicky = False
suppress_warnings = []

# -- autodoc / autosummary / numpydoc -----------------------------------------

autosummary_generate = True
autosummary_imported_members = False
# Members are listed by the autosummary templates (docs/_templates): a class's
# own methods only. Methods inherited from scikit-learn (get_params, score,
# set_output, ...) keep scikit-learn's docstrings, whose cross-references
# into scikit-learn's own documentation cannot resolve here.
autodoc_default_options = {}
autodoc_typehints = "none"
autodoc_member_order = "groupwise"

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# numpydoc's docstring validation runs on every object autodoc renders (public
# classes and functions, and the methods of the classes); under -W a failed
# check fails the build. The checks:
#   GL01, GL03, GL05-GL10  layout, section order and names
#   SS01-SS04              a one-line summary, capitalized, ending in a period
#   PR01-PR07, PR10        every parameter documented, with a type and a text
#   RT01                   a Returns section when something is returned
# Left out, as style rather than content: ES01 (extended summary), SA01 (See
# Also), SS05 (infinitive verb: "Rows of X ..." reads as third person), SS06,
# GL02, PR08/PR09, RT02/RT03, YD01.
# EX01 (an Examples section) is required of the public names only, not of
# every method: see _check_docstring below.
numpydoc_validation_checks = {
    "GL01",
    "GL03",
    "GL05",
    "GL06",
    "GL07",
    "GL08",
    "GL09",
    "GL10",
    "SS01",
    "SS02",
    "SS03",
    "SS04",
    "PR01",
    "PR02",
    "PR03",
    "PR04",
    "PR05",
    "PR06",
    "PR07",
    "PR10",
    "RT01",
}

# Docstrings known to fail a check above (name: what fails), listed so that
# the build passes while they are fixed. Delete an entry once its docstring
# passes; add none without a reason.
NUMPYDOC_BASELINE = {
    "sklearn_rfnet.activations.Activation": "PR01",
    "sklearn_rfnet.activations.Activation.is_builtin": "SS02",
    "sklearn_rfnet.diagnostics.SpectralSummary": "PR01",
    "sklearn_rfnet.plotting.ConditioningDisplay.from_data": "PR04",
    "sklearn_rfnet.plotting.ConditioningDisplay.from_estimator": "PR04",
    "sklearn_rfnet.plotting.ConditioningDisplay.plot": "PR07",
    "sklearn_rfnet.plotting.LandweberFilterDisplay": "PR07",
    "sklearn_rfnet.plotting.LandweberFilterDisplay.from_estimator": "PR07",
    "sklearn_rfnet.plotting.LandweberFilterDisplay.plot": "PR07",
    "sklearn_rfnet.plotting.LossCurveDisplay.plot": "PR07",
    "sklearn_rfnet.plotting.SpectrumDisplay": "PR07",
    "sklearn_rfnet.plotting.SpectrumDisplay.from_estimator": "PR07",
    "sklearn_rfnet.plotting.SpectrumDisplay.plot": "PR07",
    "sklearn_rfnet.population.PopulationKernel": "PR01",
    "sklearn_rfnet.population.PopulationKernel.table_info": "SS02",
    "sklearn_rfnet.population.PositiveDefiniteCheck": "PR01",
    "sklearn_rfnet.solvers.DirectResult": "PR01",
    "sklearn_rfnet.solvers.LandweberResult": "PR01",
}
numpydoc_validation_exclude = {rf"^{re.escape(name)}$" for name in NUMPYDOC_BASELINE}

# Public names (the autosummary pages) without an Examples doctest yet.
EXAMPLES_BASELINE = set()


# -- MyST (the Markdown pages in docs/ and CHANGELOG.md) ------------------------

myst_enable_extensions = ["dollarmath", "amsmath", "deflist", "colon_fence"]
myst_heading_anchors = 3
# A link from a Markdown page to a file of the repository (README.md,
# benchmarks/...) is not a page of the site: keep it as text, don't warn.
suppress_warnings += ["myst.xref_missing"]

# -- sphinx-gallery ---------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # run the plot_* scripts and the quickstart; show any other script unrun
    "filename_pattern": r"(/plot_[^/]*|/quickstart)\.py$",
    # helpers, not examples
    "ignore_pattern": r"(__init__|_common)\.py$",
    "within_subsection_order": "rfnet_gallery.StoryOrder",
    # "Examples in the gallery" at the end of each API page
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("sklearn_rfnet",),
    "image_scrapers": ("matplotlib",),
    "remove_config_comments": True,
    "min_reported_time": 1,
    "show_memory": False,
    "download_all_examples": True,
    # an example that raises fails the build (after all have run)
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
}

# -- HTML ----------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-rfnet {release}"
html_static_path = ["_static"]
html_css_files = ["rfnet.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_sidebars = {"changelog": [], "index": []}
html_show_sourcelink = True

# -- Checks and hooks --------------------------------------------------------------


def _check_docstring(app, what, name, obj, options, lines):
    """EX01 for the public names, and stale entries of the baselines.

    Every public name (an autosummary page: a class, exception, function or
    data) needs an Examples section with a doctest; methods, attributes and
    properties do not, as in scikit-learn, where the class's example shows
    them. The doctests run under pytest (``--doctest-modules``).

    A name in a baseline whose docstring now passes is reported too, so that
    the baselines only shrink.
    """
    has_doctest = any(line.lstrip().startswith(">>>") for line in lines)
    if what in {"class", "exception", "function", "data"}:
        if name in EXAMPLES_BASELINE and has_doctest:
            sphinx_logger.warning(
                "[docs] %s now has an Examples doctest: remove it from "
                "EXAMPLES_BASELINE in docs/conf.py",
                name,
                type="rfnet",
                subtype="baseline",
            )
        elif name not in EXAMPLES_BASELINE and not has_doctest:
            sphinx_logger.warning(
                "[docs] %s: EX01 no Examples section with a doctest",
                name,
                type="rfnet",
                subtype="examples",
            )
    if name in NUMPYDOC_BASELINE:
        from numpydoc.validate import validate

        failed = {code for code, _ in validate(name)["errors"]}
        if not failed & numpydoc_validation_checks:
            sphinx_logger.warning(
                "[docs] %s now passes numpydoc's checks: remove it from "
                "NUMPYDOC_BASELINE in docs/conf.py",
                name,
                type="rfnet",
                subtype="baseline",
            )


def _skip_metadata_requests(app, what, name, obj, skip, options):
    """Hide ``set_fit_request`` and friends.

    scikit-learn attaches these metadata-routing setters to each estimator
    class itself, so ``:members:`` lists them; their docstrings are
    scikit-learn's, with references into its own documentation.
    """
    if re.fullmatch(r"set_\w+_request", name):
        return True
    return None


def setup(app):
    app.connect("autodoc-process-docstring", _check_docstring)
    app.connect("autodoc-skip-member", _skip_metadata_requests)
