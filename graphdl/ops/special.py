"""TF1 elementwise "special" ops: floor, ceil, round, rint, erf, erfc, expm1, is_nan, is_inf, is_finite,
and the special functions lgamma, digamma, igamma, igammac, betainc, polygamma, zeta (plus lbeta).

`reciprocal` already lives in `graphdl.ops.unary`. Rounding ops have no gradient (TF1 returns None);
the is_* predicates return bool and are not differentiable. The special functions carry TF1's
gradients: igamma/igammac/betainc only with respect to x, polygamma with respect to x, zeta with
respect to q.
"""

from __future__ import annotations

import math as _math
from collections.abc import Callable
from typing import Any

import numpy as np

from graphdl._jax import jax, jnp
from graphdl.convert import convert_to_tensor, make_tensor
from graphdl.dtypes import bool_
from graphdl.graph import get_default_graph
from graphdl.ops.logic import FLOAT, elementwise_infer, operands
from graphdl.ops.math import scalar_mul
from graphdl.ops.unary import exp, negative, square
from graphdl.registry import Sample, register
from graphdl.tensor import Tensor

__all__ = [
    "floor", "ceil", "round", "rint", "erf", "erfc", "expm1", "is_nan", "is_inf", "is_finite",
    "lgamma", "digamma", "lbeta", "igamma", "igammac", "betainc", "polygamma", "zeta",
]  # fmt: skip

_TWO_OVER_SQRT_PI = 2.0 / _math.sqrt(_math.pi)

SampleFn = Callable[[np.random.Generator], list[Sample]]
GradRule = Callable[[Tensor, Tensor], Tensor]


def _vectorized(fn: Callable[[float], float]) -> Callable[[np.ndarray], np.ndarray]:
    """A float64 NumPy ufunc-like wrapper of a scalar `math` function (no scipy dependency)."""
    vec = np.vectorize(fn, otypes=[np.float64])

    def apply(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return vec(x.astype(np.float64)).astype(x.dtype)

    return apply


_np_erf = _vectorized(_math.erf)
_np_erfc = _vectorized(_math.erfc)


# --- samples ---------------------------------------------------------------------------------------


def _shapes() -> list[tuple[int, ...]]:
    return [(2, 3), (), (0, 4), (2, 1, 3)]


def _away_from(offset: float, ints: bool = False) -> SampleFn:
    """Values k + offset + u with |u| <= 0.35: away from the jumps at integers (offset 0.5) or at
    half-integers (offset 0), so finite differences see a flat function. A last sample holds exact
    jump points (no gradient check) to pin tie-breaking between evaluate and lower."""

    def samples(rng: np.random.Generator) -> list[Sample]:
        def draw(shape: tuple[int, ...]) -> np.ndarray:
            k = rng.integers(-4, 5, shape).astype(np.float64)
            return k + offset + rng.uniform(-0.35, 0.35, shape)

        out = [Sample([draw(s)]) for s in _shapes()]
        ties = np.array([-2.5, -1.5, -0.5, 0.0, 0.5, 1.5, 2.5, 3.0, -3.0])
        out.append(Sample([ties], grad_inputs=[], note="exact integers and halves"))
        out.append(Sample([draw((3,)).astype(np.float32)], grad_inputs=[], note="float32"))
        if ints:
            out.append(Sample([rng.integers(-5, 5, (4,)).astype(np.int32)], note="int32 (identity)"))
        return out

    return samples


def _smooth_samples(rng: np.random.Generator) -> list[Sample]:
    out = [Sample([rng.standard_normal(s) * 1.5]) for s in _shapes()]
    out.append(Sample([np.array([-6.0, -1e-8, 0.0, 1e-8, 4.0, 6.0])], note="tails and tiny values"))
    out.append(Sample([rng.standard_normal((3,)).astype(np.float32)], grad_inputs=[], note="float32"))
    return out


def _predicate_samples(rng: np.random.Generator) -> list[Sample]:
    special = np.array([0.0, -1.5, np.nan, np.inf, -np.inf, 1e30, -0.0])
    return [
        Sample([special]),
        Sample([special.astype(np.float32).reshape(7, 1)]),
        Sample([rng.standard_normal((2, 3))]),
        Sample([np.zeros((0, 2))]),
    ]


# --- registration ----------------------------------------------------------------------------------


def _register(
    op: str, api: str, np_fn: Any, jnp_fn: Any, grad: GradRule | None, kinds: str, samples: SampleFn,
    doc: str,
) -> None:  # fmt: skip
    def gradient(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
        x = node.inputs[0]
        if grad is None or not x.dtype.is_floating:
            return [None]
        return [grad(x, grads[0])]

    register(
        op,
        api_name=api,
        infer=elementwise_infer(kinds),
        evaluate=lambda inputs, attrs, ctx: np_fn(inputs[0]),
        lower=lambda inputs, attrs, ctx: jnp_fn(inputs[0]),
        gradient=gradient,
        samples=samples,
        doc=doc,
    )


def _erf_grad(x: Tensor, g: Tensor) -> Tensor:
    return g * scalar_mul(_TWO_OVER_SQRT_PI, exp(negative(square(x))))


def _erfc_grad(x: Tensor, g: Tensor) -> Tensor:
    return g * scalar_mul(-_TWO_OVER_SQRT_PI, exp(negative(square(x))))


_OPS: list[tuple[str, str, Any, Any, GradRule | None, str, SampleFn, str]] = [
    ("Floor", "floor", np.floor, jnp.floor, None, FLOAT, _away_from(0.5),
     "Largest integer <= x; no gradient (TF1 returns None)."),
    ("Ceil", "ceil", np.ceil, jnp.ceil, None, FLOAT, _away_from(0.5),
     "Smallest integer >= x; no gradient (TF1 returns None)."),
    # TF1 Round takes signed integers too (identity); `round` the builder skips the op for them.
    ("Round", "round", np.round, jnp.round, None, "fi", _away_from(0.0, ints=True),
     "Nearest integer, halves to even (banker's rounding); no gradient."),
    ("Rint", "rint", np.rint, jnp.rint, None, FLOAT, _away_from(0.0),
     "Nearest integer, halves to even; no gradient."),
    ("Erf", "erf", _np_erf, jax.lax.erf, _erf_grad, FLOAT, _smooth_samples,
     "Gauss error function; gradient 2/sqrt(pi) exp(-x^2)."),
    ("Erfc", "erfc", _np_erfc, jax.lax.erfc, _erfc_grad, FLOAT, _smooth_samples,
     "1 - erf(x), accurate in the right tail; gradient -2/sqrt(pi) exp(-x^2)."),
    ("Expm1", "expm1", np.expm1, jnp.expm1, lambda x, g: g * exp(x), FLOAT, _smooth_samples,
     "exp(x) - 1, accurate for small x; gradient exp(x)."),
]  # fmt: skip

for _op, _api, _np, _jnp, _grad, _kinds, _samples, _doc in _OPS:
    _register(_op, _api, _np, _jnp, _grad, _kinds, _samples, _doc)

_PREDICATES: list[tuple[str, str, Any, Any, str]] = [
    ("IsNan", "is_nan", np.isnan, jnp.isnan, "True where x is NaN."),
    ("IsInf", "is_inf", np.isinf, jnp.isinf, "True where x is +inf or -inf."),
    ("IsFinite", "is_finite", np.isfinite, jnp.isfinite, "True where x is neither NaN nor infinite."),
]

for _op, _api, _np, _jnp, _doc in _PREDICATES:
    register(
        _op,
        api_name=_api,
        infer=elementwise_infer(FLOAT, out_dtype=bool_),
        evaluate=lambda inputs, attrs, ctx, f=_np: f(inputs[0]),
        lower=lambda inputs, attrs, ctx, f=_jnp: f(inputs[0]),
        differentiable=False,
        samples=_predicate_samples,
        doc=_doc,
    )


# --- builders --------------------------------------------------------------------------------------


def _unop(op: str, x: Any, name: str | None) -> Tensor:
    return make_tensor(op, [convert_to_tensor(x)], name=name or op)


def floor(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.floor(x)`: the largest integer not greater than x, elementwise (floating x)."""
    return _unop("Floor", x, name)


def ceil(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.ceil(x)`: the smallest integer not less than x, elementwise (floating x)."""
    return _unop("Ceil", x, name)


def round(x: Any, name: str | None = None) -> Tensor:  # noqa: A001  (TF1 name)
    """TF1 `tf.round(x)`: nearest integer, halves to even; an integer tensor is returned as it is."""
    t = convert_to_tensor(x)
    if t.dtype.is_integer:
        return t
    return make_tensor("Round", [t], name=name or "Round")


def rint(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.rint(x)`: nearest integer, halves to even (floating x)."""
    return _unop("Rint", x, name)


def erf(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.erf(x)`: the Gauss error function."""
    return _unop("Erf", x, name)


def erfc(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.erfc(x)`: the complementary error function 1 - erf(x), without cancellation."""
    return _unop("Erfc", x, name)


def expm1(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.expm1(x)`: exp(x) - 1, accurate for small x."""
    return _unop("Expm1", x, name)


def is_nan(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.is_nan(x)`: bool tensor, true where x is NaN."""
    return _unop("IsNan", x, name)


def is_inf(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.is_inf(x)`: bool tensor, true where x is +-inf."""
    return _unop("IsInf", x, name)


def is_finite(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.is_finite(x)`: bool tensor, true where x is neither NaN nor infinite."""
    return _unop("IsFinite", x, name)


# --- special functions --------------------------------------------------------------------------


def _positive(
    rng: np.random.Generator, shape: tuple[int, ...], lo: float = 0.5, hi: float = 3.0
) -> np.ndarray:
    return rng.uniform(lo, hi, shape)


def _scipy(name: str) -> Callable[..., Any]:
    """scipy.special's `name`, imported at the first call (importing scipy.special takes ~0.13 s)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        import scipy.special

        return getattr(scipy.special, name)(*args, **kwargs)

    call.__name__ = name
    return call


def _np_polygamma(n: Any, x: Any) -> Any:
    n = np.asarray(n)
    ok = (n >= 0) & (np.floor(n) == n)
    with np.errstate(invalid="ignore"):
        r = _scipy("polygamma")(np.where(ok, n, 0).astype(np.int64), x)
    return np.where(ok, r, np.nan).astype(np.result_type(n, x))


def _jnp_polygamma(n: Any, x: Any) -> Any:
    return jax.lax.polygamma(*jnp.broadcast_arrays(n, x))


def _register_special(
    op: str, api: str, np_fn: Any, jnp_fn: Any, grad: Callable[..., list[Tensor | None]],
    samples: Callable[[np.random.Generator], list[Sample]], doc: str,
) -> None:  # fmt: skip
    def gradient(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
        from graphdl.ops.grad_util import unbroadcast

        ins = list(node.inputs)
        out = grad(*ins, grads[0])
        return [None if g is None else unbroadcast(g, x, ins) for g, x in zip(out, ins, strict=True)]

    register(
        op,
        api_name=api,
        infer=elementwise_infer(FLOAT),
        evaluate=lambda inputs, attrs, ctx: np.asarray(np_fn(*inputs)),
        lower=lambda inputs, attrs, ctx: jnp_fn(*inputs),
        gradient=gradient,
        samples=samples,
        doc=doc,
    )


def _igamma_dx(a: Tensor, x: Tensor) -> Tensor:
    from graphdl.ops.unary import exp, log

    return exp((a - 1.0) * log(x) - x - lgamma(a))


def _betainc_dx(a: Tensor, b: Tensor, x: Tensor) -> Tensor:
    from graphdl.ops.unary import exp, log, log1p

    return exp((a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - (lgamma(a) + lgamma(b) - lgamma(a + b)))


def _setup_special() -> None:
    jsp = jax.scipy.special

    def unary_samples(rng: np.random.Generator) -> list[Sample]:
        return [
            Sample([_positive(rng, (2, 3))]),
            Sample([_positive(rng, ())]),
            Sample([_positive(rng, (0, 2))]),
        ]

    def pair_samples(lo: tuple[float, float], hi: tuple[float, float]) -> Any:
        def samples(rng: np.random.Generator) -> list[Sample]:
            return [
                Sample([rng.uniform(*lo, (2, 3)), rng.uniform(*hi, (2, 3))], grad_inputs=[1]),
                Sample([rng.uniform(*lo, (3,)), rng.uniform(*hi, (2, 3))], grad_inputs=[1]),
                Sample([rng.uniform(*lo, ()), rng.uniform(*hi, (4,))], grad_inputs=[1]),
            ]

        return samples

    def polygamma_samples(rng: np.random.Generator) -> list[Sample]:
        return [
            Sample([np.array([0.0, 1.0, 2.0]), _positive(rng, (2, 3))], grad_inputs=[1]),
            Sample([np.array(3.0), _positive(rng, (4,))], grad_inputs=[1]),
            Sample([np.array([-1.0, 1.5]), _positive(rng, (2,))], grad_inputs=[]),
        ]

    def betainc_samples(rng: np.random.Generator) -> list[Sample]:
        return [
            Sample(
                [_positive(rng, (2, 3)), _positive(rng, (2, 3)), rng.uniform(0.1, 0.9, (2, 3))],
                grad_inputs=[2],
            ),
            Sample(
                [_positive(rng, ()), _positive(rng, (3,)), rng.uniform(0.1, 0.9, (2, 3))], grad_inputs=[2]
            ),
        ]

    specs: list[tuple[str, str, Any, Any, Callable[..., list[Tensor | None]], Any, str]] = [
        ("Lgamma", "lgamma", _scipy("gammaln"), jsp.gammaln, lambda x, g: [g * digamma(x)], unary_samples,
         "log|Gamma(x)|; gradient digamma(x)."),
        ("Digamma", "digamma", _scipy("digamma"), jsp.digamma, lambda x, g: [g * polygamma(1.0, x)], unary_samples,
         "psi(x) = d/dx lgamma(x); gradient polygamma(1, x)."),
        ("Igamma", "igamma", _scipy("gammainc"), jsp.gammainc,
         lambda a, x, g: [None, g * _igamma_dx(a, x)], pair_samples((0.5, 3.0), (0.2, 3.0)),
         "Regularized lower incomplete gamma P(a, x); gradient with respect to x only."),
        ("Igammac", "igammac", _scipy("gammaincc"), jsp.gammaincc,
         lambda a, x, g: [None, -(g * _igamma_dx(a, x))], pair_samples((0.5, 3.0), (0.2, 3.0)),
         "Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x); gradient with respect to x only."),
        ("Betainc", "betainc", _scipy("betainc"), jsp.betainc,
         lambda a, b, x, g: [None, None, g * _betainc_dx(a, b, x)], betainc_samples,
         "Regularized incomplete beta I_x(a, b); gradient with respect to x only."),
        ("Polygamma", "polygamma", _np_polygamma, _jnp_polygamma,
         lambda a, x, g: [None, g * polygamma(a + 1.0, x)], polygamma_samples,
         "psi^(a)(x), the a-th derivative of digamma (NaN unless a is a non-negative integer)."),
        ("Zeta", "zeta", _scipy("zeta"), jsp.zeta,
         lambda x, q, g: [None, g * -(x * zeta(x + 1.0, q))], pair_samples((1.5, 4.0), (0.5, 3.0)),
         "Hurwitz zeta(x, q) = sum_n (n + q)^-x; gradient with respect to q only."),
    ]  # fmt: skip
    for op, api, np_fn, jnp_fn, grad, samples, doc in specs:
        _register_special(op, api, np_fn, jnp_fn, grad, samples, doc)


_setup_special()


def _special(op: str, api: str, args: list[Any], name: str | None) -> Tensor:
    return make_tensor(op, operands(args, api), {}, name or op)


def lgamma(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.lgamma(x)`: log |Gamma(x)|."""
    return _special("Lgamma", "lgamma", [x], name)


def digamma(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.digamma(x)`: Psi(x), the derivative of lgamma."""
    return _special("Digamma", "digamma", [x], name)


def igamma(a: Any, x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.igamma(a, x)`: the regularized lower incomplete gamma function P(a, x)."""
    return _special("Igamma", "igamma", [a, x], name)


def igammac(a: Any, x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.igammac(a, x)`: the regularized upper incomplete gamma function Q(a, x)."""
    return _special("Igammac", "igammac", [a, x], name)


def betainc(a: Any, b: Any, x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.betainc(a, b, x)`: the regularized incomplete beta function I_x(a, b)."""
    return _special("Betainc", "betainc", [a, b, x], name)


def polygamma(a: Any, x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.polygamma(a, x)`: the a-th derivative of digamma at x."""
    return _special("Polygamma", "polygamma", [a, x], name)


def zeta(x: Any, q: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.zeta(x, q)`: the Hurwitz zeta function."""
    return _special("Zeta", "zeta", [x, q], name)


def lbeta(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.lbeta(x)`: log(|Beta(x)|) over the last axis, sum(lgamma(x)) - lgamma(sum(x))."""
    from graphdl.ops.reduce import reduce_sum

    with get_default_graph().name_scope(name or "lbeta"):
        t = convert_to_tensor(x)
        return reduce_sum(lgamma(t), -1) - lgamma(reduce_sum(t, -1))
