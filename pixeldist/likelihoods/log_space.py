"""Numerically stable functions in log space."""

from __future__ import annotations

import math

import tensorflow as tf


def log1mexp(x: tf.Tensor) -> tf.Tensor:
    """Computes `log(1 - exp(x))` for `x <= 0`, stable in value and gradient.

    #### Mathematical details

    Two forms are each accurate on half of the line (Mächler, 2012):

    ```none
    log1mexp(x) = log(-expm1(x))    for -log(2) < x <= 0
    log1mexp(x) = log1p(-exp(x))    for x <= -log(2)
    d/dx log1mexp(x) = -1 / expm1(-x)
    ```

    `tfp.math.log1mexp` selects between them with one `tf.where`; its gradient
    is NaN near 0 because the unselected `log1p(-exp(x))` is `-inf` there,
    and `0 * inf` is NaN in the backward pass. Here each branch only ever sees
    arguments on which it is finite (the double-`tf.where` trick), so the
    gradient is finite for every `x < 0`. At `x == 0` the value is `-inf`.

    Args:
      x: float `Tensor` of any shape, `x <= 0`.

    Returns:
      `Tensor` of the shape and dtype of `x`.

    #### References

    [1] Martin Mächler. Accurately Computing log(1 - exp(-|a|)). 2012.
        https://cran.r-project.org/package=Rmpfr/vignettes/log1mexp-note.pdf
    """
    x = tf.convert_to_tensor(x)
    near_zero = x > -math.log(2.0)
    # A harmless stand-in (-1 lies well inside both branches' safe ranges) for
    # the arguments a branch will not be selected on.
    stand_in = tf.constant(-1.0, x.dtype)
    x_near = tf.where(near_zero, x, stand_in)
    x_far = tf.where(near_zero, stand_in, x)
    return tf.where(
        near_zero,
        tf.math.log(-tf.math.expm1(x_near)),
        tf.math.log1p(-tf.math.exp(x_far)),
    )
