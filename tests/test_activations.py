import math

import numpy as np
import pytest

from sklearn_rfnet.activations import ACTIVATIONS, get_activation, wendland_exponent

S2 = math.sqrt(2.0)


def _wendland0_ref(z, d, zeta=S2):
    # Table 1 written out by hand: (1 - r)_+^ell, r = sqrt(2 - 2z) / zeta
    ell = d // 2 + 1
    r = math.sqrt(max(2 - 2 * z, 0.0)) / zeta
    return (1 - r) ** ell if r <= 1 else 0.0


def _wendland2_ref(z, d, zeta=S2):
    ell = d // 2 + 3
    r = math.sqrt(max(2 - 2 * z, 0.0)) / zeta
    if r > 1:
        return 0.0
    return (1 - r) ** (ell + 2) * (
        (ell**2 + 4 * ell + 3) * r**2 + (3 * ell + 6) * r + 3
    )


@pytest.mark.parametrize(
    "name, d, z, expected",
    [
        # hand-checked: d=3 -> ell=2; z=1/2 -> r=1/sqrt(2); (1-1/sqrt2)^2
        ("wendland0", 3, 0.5, (1 - 1 / S2) ** 2),
        ("wendland0", 10, 1.0, 1.0),  # r = 0
        ("wendland0", 10, 0.0, 0.0),  # r = 1: edge of the support
        ("wendland0", 10, -0.5, 0.0),  # outside the support
        # d=10 -> ell=8 for wendland2; z=1: r=0 -> 3
        ("wendland2", 10, 1.0, 3.0),
        # d=3 -> ell=4; z=1/2 -> r=1/sqrt2: (1-r)^6 (35 r^2 + 18 r + 3)
        ("wendland2", 3, 0.5, (1 - 1 / S2) ** 6 * (35 / 2 + 18 / S2 + 3)),
        ("wendland2", 3, 0.0, 0.0),
        ("relu", 3, 0.3, 0.3),
        ("relu", 3, -0.3, 0.0),
        ("swish", 3, 1.0, 1.0 / (1.0 + math.exp(-1.0))),
        ("swish", 3, -2.0, -2.0 / (1.0 + math.exp(2.0))),
        ("swish", 3, 0.0, 0.0),
    ],
)
def test_table1_values(name, d, z, expected):
    gamma = get_activation(name, d)
    assert gamma(np.array([z]))[0] == pytest.approx(expected, rel=1e-14, abs=1e-300)


@pytest.mark.parametrize("d", [3, 4, 10, 31])
@pytest.mark.parametrize("zeta", [None, 0.8, 1.9])
def test_wendland_match_reference_on_grid(d, zeta):
    z = np.linspace(-1, 1, 401)
    kw = {} if zeta is None else {"zeta": zeta}
    for name, ref in [("wendland0", _wendland0_ref), ("wendland2", _wendland2_ref)]:
        got = get_activation(name, d, zeta)(z)
        want = np.array([ref(t, d, **kw) for t in z])
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_wendland_exponent():
    assert [wendland_exponent(d, 0) for d in (3, 4, 10)] == [2, 3, 6]
    assert [wendland_exponent(d, 2) for d in (3, 4, 10)] == [4, 5, 8]
    with pytest.raises(ValueError, match="k must be 0 or 2"):
        wendland_exponent(3, 1)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_defined_everywhere_without_nan(name):
    # rounding pushes x^T w past +-1; far values must not overflow either
    z = np.array([-1e300, -800.0, -1.0 - 1e-15, -1, 0, 1, 1 + 1e-15, 1e3, 1e300])
    with np.errstate(all="raise"):
        out = get_activation(name, 10)(z)
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_C_is_max_abs_on_interval(name):
    gamma = get_activation(name, 7)
    z = np.linspace(-1, 1, 200001)
    assert np.max(np.abs(gamma(z))) == pytest.approx(gamma.C, rel=1e-9)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inplace_chunked_equals_fresh(name, dtype):
    # larger than one evaluation chunk, so several chunks are used
    rng = np.random.RandomState(0)
    z = rng.uniform(-1.2, 1.2, size=(300, 250)).astype(dtype)
    gamma = get_activation(name, 6)
    fresh = gamma(z)
    assert fresh.dtype == dtype
    assert fresh is not z
    np.testing.assert_array_equal(z, z.copy())  # input untouched
    buf = z.copy()
    out = gamma(buf, out=buf)
    assert out is buf
    np.testing.assert_array_equal(out, fresh)
    ref = get_activation(name, 6)(z.astype(np.float64))
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(fresh, ref, rtol=tol, atol=tol)


def test_callable_activation():
    gamma = get_activation(np.tanh, 5)
    assert gamma.name == "tanh"
    assert gamma.C == pytest.approx(np.tanh(1.0))
    np.testing.assert_allclose(gamma(np.array([0.3])), np.tanh([0.3]))
    assert not gamma.is_builtin


def test_callable_must_be_elementwise():
    gamma = get_activation(lambda z: np.asarray(z).copy(), 5)
    bad = get_activation(lambda z: np.asarray(z).ravel()[:1] if np.ndim(z) else z, 3)
    assert gamma(np.ones(3)).shape == (3,)
    with pytest.raises(ValueError, match="elementwise"):
        bad(np.ones((2, 2)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"activation": "tanh", "d": 3}, "activation must be one of"),
        ({"activation": "relu", "d": 0}, "d must be a positive integer"),
        ({"activation": "wendland0", "d": 3, "zeta": -1.0}, "zeta must be"),
        ({"activation": lambda z: 1.0 / z, "d": 3}, "not finite"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        with np.errstate(divide="ignore"):
            get_activation(**kwargs)
