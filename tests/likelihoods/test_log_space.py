"""Tests of `log1mexp` against a 100-digit decimal oracle."""

import decimal
import math

import numpy as np
import pytest
import tensorflow as tf

from pixeldist.likelihoods.log_space import log1mexp

# Both sides of the branch point -log(2) ~ -0.6931, the tiny arguments where
# log1p(-exp(x)) is -inf, and the large ones where log(-expm1(x)) is 0.
POINTS = [-1e-30, -1e-8, -1e-3, -0.69, -0.7, -1.0, -30.0, -1e4]
# Relative tolerances: a few ulps of each dtype.
RTOL = {np.float32: 4e-7, np.float64: 4e-16}


def decimal_log1mexp(x: float) -> float:
    """log(1 - exp(x)) in 100-digit decimal arithmetic (independent of numpy)."""
    with decimal.localcontext() as ctx:
        ctx.prec = 100
        return float((1 - decimal.Decimal(x).exp()).ln())


def decimal_log1mexp_grad(x: float) -> float:
    """d/dx log(1 - exp(x)) = -exp(x) / (1 - exp(x)), in decimal arithmetic."""
    with decimal.localcontext() as ctx:
        ctx.prec = 100
        e = decimal.Decimal(x).exp()
        return float(-e / (1 - e))


def value_and_grad(x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = log1mexp(x)
    return y.numpy(), tape.gradient(y, x).numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_value_matches_decimal_oracle(dtype):
    x = np.array(POINTS, dtype)
    expected = [decimal_log1mexp(float(v)) for v in x]  # oracle at the rounded x
    value, _ = value_and_grad(x)
    assert value.dtype == dtype
    np.testing.assert_allclose(value, expected, rtol=RTOL[dtype], atol=1e-30)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_is_finite_and_matches_decimal_oracle(dtype):
    x = np.array(POINTS, dtype)
    expected = [decimal_log1mexp_grad(float(v)) for v in x]
    _, grad = value_and_grad(x)
    assert np.all(np.isfinite(grad)), grad
    np.testing.assert_allclose(grad, expected, rtol=RTOL[dtype], atol=1e-30)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_points_catch_a_single_where(dtype):
    """The test points expose the NaN gradient of a one-`tf.where` version."""
    x = tf.constant(POINTS, dtype)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.where(
            x > -math.log(2.0),
            tf.math.log(-tf.math.expm1(x)),
            tf.math.log1p(-tf.math.exp(x)),
        )
    assert not np.all(np.isfinite(tape.gradient(y, x).numpy()))


def test_zero_is_minus_infinity():
    assert log1mexp(tf.constant(0.0, tf.float64)).numpy() == -np.inf
