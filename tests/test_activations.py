import math

import numpy as np
import pytest

from sklearn_rfnet.activations import (
    ACTIVATIONS,
    ActivationSpec,
    get_activation,
    wendland_exponent,
)

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


# --------------------------------------------------------------------------
# ActivationSpec: the facts of each built-in, checked against gamma itself
# --------------------------------------------------------------------------
SPEC_CASES = [
    ("relu", 3, None),
    ("swish", 3, None),
    ("swish", 50, None),
    ("wendland0", 3, None),
    ("wendland0", 10, 1.9),
    ("wendland2", 4, None),
    ("wendland2", 31, 0.8),
    ("wendland2", 10, "scale"),
]


@pytest.mark.parametrize("name, d, zeta", SPEC_CASES)
def test_spec_C_is_max_abs_gamma(name, d, zeta):
    gamma = get_activation(name, d, zeta)
    z = np.linspace(-1.0, 1.0, 200001)
    assert gamma.C == ACTIVATIONS[name].C
    # the maximum is attained (at z = 1) and never exceeded on [-1, 1]
    assert np.max(np.abs(gamma(z))) == pytest.approx(gamma.C, rel=1e-12)


def _cheb_error(f, a, b, degree=80):
    """Max error of the Chebyshev interpolant of ``f`` on ``[a, b]``."""
    x = np.cos(np.pi * (np.arange(degree + 1) + 0.5) / (degree + 1))
    coef = np.polynomial.chebyshev.chebfit(x, f(a + (b - a) * (x + 1) / 2), degree)
    s = np.linspace(-1.0, 1.0, 2001)
    got = np.polynomial.chebyshev.chebval(s, coef)
    return np.max(np.abs(got - f(a + (b - a) * (s + 1) / 2)))


@pytest.mark.parametrize("name, d, zeta", SPEC_CASES)
def test_spec_kinks_are_where_gamma_is_not_analytic(name, d, zeta):
    # In theta = arccos z every built-in is analytic between its kinks (the
    # Wendland r = 2 sin(theta / 2) / zeta is analytic in theta), so a
    # Chebyshev interpolant converges to rounding on each piece.
    gamma = get_activation(name, d, zeta)
    assert gamma.kinks == tuple(sorted(gamma.kinks))
    edges = [0.0, *sorted(math.acos(z) for z in gamma.kinks if -1 < z < 1), math.pi]

    def g(theta):
        return gamma(np.cos(theta))

    for a, b in zip(edges[:-1], edges[1:], strict=True):
        assert _cheb_error(g, a, b) < 1e-11 * gamma.C
    for z0 in [z for z in gamma.kinks if -1.0 < z < 1.0]:
        # a kink is where gamma starts to vanish: an analytic function that
        # is zero on an interval is zero everywhere, so z0 is a real kink
        assert gamma.zero_below == z0
        left = np.linspace(max(z0 - 0.2, -1.0), z0, 50)
        right = np.linspace(z0, min(z0 + 0.2, 1.0), 51)[1:]
        assert np.all(gamma(left) == 0.0) and np.all(gamma(right) > 0.0)


def test_spec_kink_check_can_fail():
    # the piecewise test above would notice a missing kink: relu across 0
    relu = get_activation("relu", 3)
    assert _cheb_error(lambda th: relu(np.cos(th)), 0.0, math.pi) > 1e-4
    wend = get_activation("wendland0", 3)
    assert _cheb_error(lambda th: wend(np.cos(th)), 0.0, math.pi) > 1e-6


def _poly_residual(f, degree):
    t = np.linspace(-1.0, 1.0, 2001)
    coef = np.polynomial.chebyshev.chebfit(t, f(t), degree)
    return np.max(np.abs(np.polynomial.chebyshev.chebval(t, coef) - f(t)))


@pytest.mark.parametrize("name, d, zeta", SPEC_CASES)
def test_spec_parity_facts(name, d, zeta):
    # Theorem 3.3's facts: a part declared polynomial is one of degree <= 1
    # (t/2 for relu and swish); a part declared non-polynomial is not even
    # close to a polynomial of degree 8.
    spec = ACTIVATIONS[name]
    gamma = get_activation(name, d, zeta)
    parts = {
        "even": (spec.even_polynomial, lambda t: (gamma(t) + gamma(-t)) / 2),
        "odd": (spec.odd_polynomial, lambda t: (gamma(t) - gamma(-t)) / 2),
    }
    for declared, part in parts.values():
        assert declared is not None
        if declared:
            assert _poly_residual(part, 1) < 1e-15
        else:
            assert _poly_residual(part, 8) > 1e-8 * gamma.C
    if spec.odd_polynomial:
        t = np.linspace(-1, 1, 101)
        np.testing.assert_allclose(gamma(t) - gamma(-t), t, rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_spec_nonnegative_and_analytic(name):
    spec = ACTIVATIONS[name]
    gamma = get_activation(name, 5)
    z = np.linspace(-3.0, 3.0, 6001)  # also off the sphere (Gaussian weights)
    assert spec.nonnegative == bool(np.all(gamma(z) >= 0.0))
    # analytic on a neighbourhood of [-1, 1] <=> no kinks there
    assert spec.analytic == (not any(-1.0 <= k <= 1.0 for k in gamma.kinks))


def test_relu_spec_closed_form_is_eq_3_1():
    from sklearn_rfnet.population import relu_kernel

    t = np.linspace(-1.0, 1.0, 11)
    phi = ACTIVATIONS["relu"]._phi
    np.testing.assert_array_equal(phi(t, 4), relu_kernel(t, 4))
    np.testing.assert_allclose(phi(t, 4, "gaussian"), 4 * relu_kernel(t, 4))
    assert all(ACTIVATIONS[n]._phi is None for n in ("swish", "wendland0"))


# --------------------------------------------------------------------------
# ActivationSpec for user functions
# --------------------------------------------------------------------------
def test_user_spec_resolves_like_a_callable_with_kinks():
    spec = ActivationSpec(np.abs, kinks=[0.5, 0, 0.0])
    assert spec.kinks == (0.0, 0.5) and spec.name == "absolute"
    assert spec.C is None and spec.even_polynomial is None
    gamma = get_activation(spec, 4)
    assert not gamma.is_builtin and gamma.kinks == (0.0, 0.5) and gamma.C == 1.0
    assert gamma.spec is spec
    same = get_activation(np.abs, 4, kinks=[0.5, 0.0])
    assert same.spec == spec and hash(same.spec) == hash(spec)
    assert get_activation(np.abs, 4).kinks == ()
    np.testing.assert_array_equal(spec(np.array([-2.0, 1.0])), [2.0, 1.0])
    # kinks given both ways are merged
    assert get_activation(spec, 4, kinks=[-0.25]).kinks == (-0.25, 0.0, 0.5)


def test_spec_validation():
    with pytest.raises(TypeError, match="function must be callable"):
        ActivationSpec(3.0)
    with pytest.raises(ValueError, match="kinks must be finite"):
        ActivationSpec(np.abs, kinks=[np.nan])
    with pytest.raises(ValueError, match="kinks is only for callable"):
        get_activation("relu", 3, kinks=[0.0])
    with pytest.raises(TypeError, match="depends on the dimension"):
        ACTIVATIONS["wendland0"](np.zeros(2))
    np.testing.assert_array_equal(ACTIVATIONS["relu"](np.array([-1.0, 2.0])), [0, 2])


def test_user_spec_kinks_reach_the_population_kernel():
    import warnings

    from sklearn_rfnet.population import population_kernel, relu_kernel

    def relu(z):
        return np.maximum(z, 0.0)

    t = np.linspace(-1.0, 1.0, 9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # declared kinks: no IntegrationWarning
        phi = population_kernel(ActivationSpec(relu, kinks=[0.0]), 3)
        got = phi(t)
    assert phi.kinks == (0.0,)
    np.testing.assert_allclose(got, relu_kernel(t, 3), rtol=0, atol=1e-13)


def test_user_spec_in_an_estimator():
    import warnings

    from sklearn.base import clone

    from sklearn_rfnet import RandomFeatureRegressor

    def relu(z):
        return np.maximum(z, 0.0)

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), rng.normal(size=30)
    spec = ActivationSpec(relu, kinks=[0.0])
    est = RandomFeatureRegressor(60, activation=spec, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", category=Warning)
        est.fit(X, y)
    ref = RandomFeatureRegressor(60, activation="relu", random_state=0).fit(X, y)
    np.testing.assert_allclose(est.predict(X), ref.predict(X), rtol=1e-12)
    assert est.population_lambda_min_ == pytest.approx(
        ref.population_lambda_min_, rel=1e-9, abs=1e-15
    )
    assert clone(est).activation == est.activation


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_resolved_activation_pickles(name):
    import pickle

    gamma = get_activation(name, 5, zeta=1.3)
    again = pickle.loads(pickle.dumps(gamma))
    assert again == gamma and again.kinks == gamma.kinks
    assert again.zero_below == gamma.zero_below
    z = np.linspace(-1, 1, 7)
    np.testing.assert_array_equal(again(z), gamma(z))
