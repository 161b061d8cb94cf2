import os

# scikit-learn's array API dispatch (tests/test_array_api.py and the
# estimator checks of tests/test_common.py) needs scipy's, which is read when
# scipy is first imported: before anything imports it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import matplotlib  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

matplotlib.use("Agg")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("RFNET_RUN_SLOW"):
        return
    skip = pytest.mark.skip(reason="slow; set RFNET_RUN_SLOW=1 to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(params=[0, 1, 42])
def global_random_seed(request):
    """Fixed but varied seeds, as scikit-learn's fixture of the same name."""
    return request.param


@pytest.fixture
def sphere_data():
    """40 points uniform on S^4 with smooth targets."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 5))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = np.sin(3 * X[:, 0]) + X[:, 1] * X[:, 2]
    return X, y
