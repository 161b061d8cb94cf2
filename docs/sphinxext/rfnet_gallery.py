"""Sphinx helpers for the example gallery (loaded by docs/conf.py).

* :class:`StoryOrder`, the order of the examples in the gallery:
  ``within_subsection_order`` takes a fully qualified class name (a string
  keeps Sphinx's configuration picklable). The quickstart comes first, then
  the examples in the order a reader meets the questions in the user guide;
  any example not listed follows, alphabetically.
* The directives ``gallery-output`` and ``gallery-figures``, which show a
  gallery example's printed output and figures on another page (the page
  that reproduces the paper's figures).
"""

import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)


ORDER = [
    "quickstart.py",
    "plot_relu_failure.py",
    "plot_conditioning_vs_width.py",
    "plot_regularization_choice.py",
    "plot_gradient_descent.py",
    "plot_spectrum_and_filters.py",
    "plot_joint_training.py",
]


class StoryOrder:
    """Sort key: position in :data:`ORDER`, then the file name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = Path(filename).name
        rank = ORDER.index(name) if name in ORDER else len(ORDER)
        return (rank, name)

    def __repr__(self):
        return "<StoryOrder>"


# --------------------------------------------------------------------------
# Directives that show a gallery example's results on another page
#
#   .. gallery-output:: plot_conditioning_vs_width
#   .. gallery-figures:: plot_conditioning_vs_width
#
# sphinx-gallery runs the examples at builder-inited, before any page is read,
# and writes auto_examples/<name>.rst with the printed output of each cell in
# a "sphx-glr-script-out" block and the figures as
# auto_examples/images/sphx_glr_<name>_NNN.png. These directives copy the
# printed output (as literal blocks) and the figures into the page that uses
# them, so the numbers shown are those of the current build.

GALLERY_DIR = "auto_examples"


def _script_outputs(rst_text):
    """The printed output blocks of a sphinx-gallery page, in order."""
    lines = rst_text.splitlines()
    outputs = []
    i = 0
    while i < len(lines):
        if "sphx-glr-script-out" not in lines[i]:
            i += 1
            continue
        # the next literal block: ".. code-block:: none" then indented text
        j = i + 1
        while j < len(lines) and "code-block::" not in lines[j]:
            j += 1
        if j == len(lines):
            break
        indent = len(lines[j]) - len(lines[j].lstrip())
        k = j + 1
        block = []
        while k < len(lines):
            line = lines[k]
            if line.strip() and len(line) - len(line.lstrip()) <= indent:
                break
            block.append(line)
            k += 1
        text = "\n".join(block).strip("\n")
        if text:
            # dedent by the block's own indentation
            width = min(
                len(ln) - len(ln.lstrip()) for ln in text.splitlines() if ln.strip()
            )
            outputs.append("\n".join(ln[width:] for ln in text.splitlines()))
        i = k
    return outputs


class _GalleryDirective(SphinxDirective):
    required_arguments = 1
    optional_arguments = 0
    has_content = False

    def _gallery_plotted(self):
        value = getattr(self.config, "plot_gallery", True)
        if isinstance(value, str):
            value = value.strip().lower() not in ("0", "false", "no", "")
        return bool(value)

    def _example_page(self):
        name = self.arguments[0]
        page = self.env.srcdir / GALLERY_DIR / f"{name}.rst"
        if not page.is_file():
            logger.warning(
                "gallery example %r not found (no %s); is examples/%s.py there?",
                name,
                page,
                name,
                location=self.get_location(),
            )
            return None
        self.env.note_dependency(str(page))
        return page

    def _not_run_note(self):
        para = nodes.paragraph(
            text="(The gallery was built without running the examples: "
            "the output appears in a full docs build.)"
        )
        return [nodes.note("", para)]


class GalleryOutput(_GalleryDirective):
    """Literal blocks with the printed output of a gallery example."""

    option_spec = {"last": directives.flag}

    def run(self):
        page = self._example_page()
        if page is None:
            return []
        outputs = _script_outputs(page.read_text(encoding="utf-8"))
        if not outputs:
            if not self._gallery_plotted():
                return self._not_run_note()
            logger.warning(
                "gallery example %r printed nothing",
                self.arguments[0],
                location=self.get_location(),
            )
            return []
        if "last" in self.options:
            outputs = outputs[-1:]
        result = []
        for text in outputs:
            block = nodes.literal_block(text, text)
            block["language"] = "none"
            block["classes"].append("rfnet-gallery-output")
            result.append(block)
        return result


class GalleryFigures(_GalleryDirective):
    """The figures of a gallery example, as images linking to the example."""

    option_spec = {"width": directives.unchanged}

    def run(self):
        page = self._example_page()
        if page is None:
            return []
        name = self.arguments[0]
        image_dir = self.env.srcdir / GALLERY_DIR / "images"
        pattern = re.compile(rf"^sphx_glr_{re.escape(name)}_\d{{3}}\.png$")
        images = sorted(
            p.name for p in image_dir.glob("*.png") if pattern.match(p.name)
        )
        if not images:
            if not self._gallery_plotted():
                return self._not_run_note()
            logger.warning(
                "gallery example %r made no figure",
                name,
                location=self.get_location(),
            )
            return []
        width = self.options.get("width", "100%")
        rst = StringList()
        for image in images:
            for line in (
                f".. image:: /{GALLERY_DIR}/images/{image}",
                f"   :width: {width}",
                f"   :alt: figure of the example {name}",
                "",
            ):
                rst.append(line, self.get_source_info()[0])
        container = nodes.container(classes=["rfnet-gallery-figures"])
        self.state.nested_parse(rst, self.content_offset, container)
        return [container]


def setup(app):
    app.add_directive("gallery-output", GalleryOutput)
    app.add_directive("gallery-figures", GalleryFigures)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
