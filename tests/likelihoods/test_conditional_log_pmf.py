"""`conditional_log_pmf`: the per-sub-pixel laws the entropy coder uses.

Oracle: the law's own `log_prob` (the product over channels of the chosen
values' terms) and normalization (each channel's terms sum to 1).
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from pixeldist.likelihoods.categorical_head import CategoricalHead
from pixeldist.likelihoods.discretized_logistic_mixture import (
    DiscretizedLogisticMixture,
)
from pixeldist.likelihoods.logistic_mixture_head import LogisticMixtureHead

LOW, HIGH = 2, 40


def _head(likelihood, channels):
    if likelihood == "categorical":
        return CategoricalHead(channels, LOW, HIGH)
    return LogisticMixtureHead(channels, num_mix=3, low=LOW, high=HIGH)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("likelihood", ["categorical", "logistic_mixture"])
def test_channel_terms_sum_to_one_and_multiply_to_log_prob(likelihood, channels):
    head = _head(likelihood, channels)
    rng = np.random.default_rng(0)
    raw = 2.0 * rng.standard_normal((64, head.num_outputs))
    law = head.distribution(tf.constant(raw, tf.float32))
    x = tf.constant(rng.integers(LOW, HIGH + 1, (64, channels)), tf.float32)
    total = tf.zeros([64])
    for channel in range(channels):
        log_pmf = law.conditional_log_pmf(x, channel)  # [64, L]
        assert log_pmf.shape == (64, HIGH - LOW + 1)
        np.testing.assert_allclose(
            tf.reduce_logsumexp(log_pmf, axis=-1), 0.0, atol=2e-6
        )
        total += tf.gather(
            log_pmf, tf.cast(x[:, channel], tf.int32) - LOW, axis=1, batch_dims=1
        )
    np.testing.assert_allclose(total, law.log_prob(x), rtol=1e-5, atol=1e-4)


def test_the_mixture_reweights_its_components_by_the_earlier_channels():
    """Two components, one near 5 for every channel, one near 35: a red value
    near 35 makes green's law put its mass near 35 (under the prior weights
    it would be split in half)."""
    logits = tf.zeros([1, 2])
    locs = tf.constant([[[5.0, 5.0], [35.0, 35.0]]])
    law = DiscretizedLogisticMixture(
        logits, locs, tf.fill([1, 2, 2], 1.0), tf.zeros([1, 2, 1]), LOW, HIGH
    )
    green = tf.exp(law.conditional_log_pmf(tf.constant([[35.0, 0.0]]), 1))[0]
    assert float(tf.reduce_sum(green[20 - LOW :])) > 0.999
    red = tf.exp(law.conditional_log_pmf(tf.constant([[35.0, 0.0]]), 0))[0]
    np.testing.assert_allclose(float(tf.reduce_sum(red[20 - LOW :])), 0.5, atol=1e-3)
