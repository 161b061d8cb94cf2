"""Docstring sections written once and shared by the estimators.

The classifiers take the parameter and attribute documentation of their
regression twins (the parameters are the same), with the targets renamed,
so that the two cannot drift apart.
"""

from __future__ import annotations


def section(doc, title):
    """The body of a numpydoc section of ``doc``, up to the next section.

    Parameters
    ----------
    doc : str
        A class docstring, indented by 4 spaces (as written in the source).
    title : str
        The section title, e.g. ``"Parameters"``.

    Returns
    -------
    body : str
        The section's lines without its title, the first one unindented
        (the text is placed after 4 spaces in the receiving docstring).
    """
    lines = doc.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title) + 2
    stop = next(
        (
            i
            for i in range(start, len(lines) - 1)
            if lines[i + 1].strip().startswith("---") and lines[i].strip()
        ),
        len(lines),
    )
    return "\n".join(lines[start:stop]).strip()


# regression targets y (n_targets columns) -> the +-1 class coding Y
_CLASSIFIER_WORDS = (
    ("(n_components, n_targets)", "(n_components, n_classes)"),
    ("ndarray of shape (n_targets,)", "ndarray of shape (n_classes,)"),
    ("||Z coef - y||", "||Z coef - Y||"),
    ("||Z coef_k - y||", "||Z coef_k - Y||"),
    ("/ ||y||", "/ ||Y||"),
)


def for_classifier(text):
    """``text`` with the regression targets renamed for a classifier.

    Parameters
    ----------
    text : str
        Documentation written for ``y`` of shape (n_samples, n_targets).

    Returns
    -------
    text : str
        The same for the ``+-1`` coding ``Y`` of shape (n_samples, n_classes).
    """
    for old, new in _CLASSIFIER_WORDS:
        text = text.replace(old, new)
    return text
