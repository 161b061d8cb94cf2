"""Reasons for the scikit-learn checks expected to fail, shared by the test modules.

Rows of zeros have no direction on the sphere: with normalize=True and
bias=False they are rejected with a ValueError by design. Some checks build
such rows themselves; the same checks pass with bias=True.
"""

ZERO_ROWS = (
    "the check's data has rows of zeros ({how}), which cannot be projected "
    "onto the unit sphere; rejected by design with normalize=True, bias=False. "
    "Passes with bias=True."
)
DTYPES = ZERO_ROWS.format(how="it casts uniform [0, 1) data to int")
SPARSE = ZERO_ROWS.format(how="X[X < 0.6] = 0 on 3 columns")


def zero_row_failures(est, *, sparse=True):
    """The expected failures caused by rows of zeros, for ``est``."""
    if est.bias:
        return {}
    failures = {"check_estimators_dtypes": DTYPES}
    if sparse:
        for name in ("array", "matrix", "tag"):
            failures[f"check_estimator_sparse_{name}"] = SPARSE
    return failures
