"""Turn the example scripts into Jupyter notebooks, execute some, check them.

The examples are ``# %%`` scripts (jupytext's percent format). This script
converts every ``examples/*.py`` except the ``_*.py`` helpers to a notebook
in ``docs/_build/notebooks/`` (not committed), executes the selected ones in
a fresh IPython kernel from ``examples/`` (so ``from _common import ...``
works), in quick mode unless ``--full``, and checks every executed
notebook:

* no cell raised;
* the printed output contains the diagnostics the example is about
  (``EXPECTED_TEXT`` below; any printed output for the others);
* there is at least one image output when the script draws a figure.

Usage, from the repository root::

    python docs/build_notebooks.py             # convert all, run the default set
    python docs/build_notebooks.py --execute quickstart plot_gradient_descent
    python docs/build_notebooks.py --execute-all
    python docs/build_notebooks.py --full             # the paper's settings (slow)

Needs ``pip install -e ".[docs]"`` (jupytext, nbclient, ipykernel,
matplotlib). Exits non-zero if a notebook fails to run or a check fails.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
EXAMPLES = ROOT / "examples"
DEFAULT_OUT = DOCS / "_build" / "notebooks"

# Executed on every run (CI included): the quickstart and the example on the
# failure of ReLU without bias (Definition 2.1, Theorem 2.2).
DEFAULT_EXECUTE = ["quickstart", "plot_relu_failure"]

# Text the executed notebook must print: the diagnostics each example is about.
EXPECTED_TEXT = {
    "quickstart": [
        "rank of Z",
        "lambda_min(H_hat)",
        "kappa(H_hat)",
        "training residual",
    ],
    "plot_relu_failure": ["rank", "lam_min(H)"],
}

KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
DRAWS_FIGURE = re.compile(r"\bplt\.|\.plot\(|Display\b|savefig\(")


def example_scripts():
    """The example scripts, without the ``_*.py`` helpers."""
    return sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def _rst_title_to_markdown(text):
    """The docstring's reST title (text over ``====``) as a Markdown heading."""
    lines = text.strip("\n").splitlines()
    out, i = [], 0
    while i < len(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if lines[i].strip() and re.fullmatch(r"\s*([=\-~^])\1{2,}\s*", nxt):
            level = "#" if nxt.strip()[0] == "=" else "##"
            out.append(f"{level} {lines[i].strip()}")
            i += 2
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out).replace("``", "`")


def to_notebook(script):
    """Read a percent-format script as a notebook; the docstring becomes Markdown."""
    nb = jupytext.read(script)
    nb.metadata["kernelspec"] = dict(KERNEL)
    nb.metadata.setdefault("language_info", {"name": "python"})
    nb.metadata.pop("jupytext", None)
    if nb.cells and nb.cells[0].cell_type == "code":
        try:
            tree = ast.parse(nb.cells[0].source)
        except SyntaxError:
            tree = None
        docstring = ast.get_docstring(tree, clean=True) if tree else None
        if docstring is not None and len(tree.body) == 1:
            nb.cells[0] = nbformat.v4.new_markdown_cell(
                _rst_title_to_markdown(docstring)
            )
    return nb


def kernel_env(figure_dir, full):
    """Environment of the kernel: quick mode, figures under _build, inline plots."""
    env = dict(os.environ)
    if full:
        env.pop("RFNET_QUICK", None)
        env.pop("CI", None)
    else:
        env["RFNET_QUICK"] = "1"
    env["RFNET_FIGURE_DIR"] = str(figure_dir)
    # the checkout's package, as the Sphinx build documents it
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH")) if p
    )
    # CI exports MPLBACKEND=Agg, which would keep figures out of the notebook.
    env["MPLBACKEND"] = INLINE_BACKEND
    # examples/_common.py (and plot_joint_training.py) switch matplotlib to Agg
    # when DISPLAY is unset, which in a kernel replaces the inline backend and
    # drops every figure. The inline backend never opens a display, so a
    # placeholder value only keeps them from switching.
    env.setdefault("DISPLAY", ":rfnet-notebook")
    return env


def execute(nb, env, timeout):
    """Run every cell in a fresh kernel started in ``examples/``."""
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL["name"],
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    client.execute(env=env, cwd=str(EXAMPLES))
    return nb


def check(name, nb, source):
    """Problems with an executed notebook (an empty list when it is fine)."""
    problems = []
    text, images = [], 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                problems.append(f"{out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stdout":
                text.append(out.text)
            elif out.output_type in ("display_data", "execute_result"):
                if "image/png" in out.get("data", {}):
                    images += 1
                text.append(out.get("data", {}).get("text/plain", ""))
    printed = "".join(text)
    for expected in EXPECTED_TEXT.get(name, []):
        if expected not in printed:
            problems.append(f"the output does not contain {expected!r}")
    if not printed.strip():
        problems.append("the notebook printed nothing")
    if DRAWS_FIGURE.search(source) and images == 0:
        problems.append("the script draws a figure but the notebook has no image")
    return problems, images


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--execute",
        nargs="*",
        metavar="NAME",
        default=DEFAULT_EXECUTE,
        help=f"examples to execute (default: {' '.join(DEFAULT_EXECUTE)})",
    )
    group.add_argument("--execute-all", action="store_true")
    parser.add_argument(
        "--full", action="store_true", help="the paper's settings, not quick mode"
    )
    parser.add_argument(
        "--timeout", type=int, default=600, help="seconds per cell (default 600)"
    )
    args = parser.parse_args(argv)

    scripts = {p.stem: p for p in example_scripts()}
    run = sorted(scripts) if args.execute_all else list(args.execute)
    missing = [name for name in run if name not in scripts]
    if missing:
        parser.error(f"no examples/{missing[0]}.py (have: {', '.join(scripts)})")

    args.out.mkdir(parents=True, exist_ok=True)
    env = kernel_env(args.out / "figures", args.full)
    failed = False
    for name, script in scripts.items():
        nb = to_notebook(script)
        target = args.out / f"{name}.ipynb"
        if name not in run:
            nbformat.write(nb, target)
            print(f"converted {script.relative_to(ROOT)} -> {target.relative_to(ROOT)}")
            continue
        t0 = time.perf_counter()
        try:
            execute(nb, env, args.timeout)
            problems, images = check(name, nb, script.read_text(encoding="utf-8"))
        except CellExecutionError as exc:
            problems, images = [str(exc).strip().splitlines()[-1]], 0
        elapsed = time.perf_counter() - t0
        nbformat.write(nb, target)
        status = "FAILED" if problems else "ok"
        print(
            f"executed {script.relative_to(ROOT)} -> {target.relative_to(ROOT)} "
            f"in {elapsed:.1f} s, {images} image(s): {status}"
        )
        for problem in problems:
            print(f"    {problem}")
        failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
