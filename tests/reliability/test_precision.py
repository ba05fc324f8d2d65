"""float64 and Keras mixed precision agree with float32 within stated tolerances.

Tolerances (relative, on whole-image log-probabilities of 4×4 images):
float64 vs float32: 1e-5 (float32 rounding); mixed_float16: 2e-2 and
mixed_bfloat16: 5e-2 (half-precision network activations; the likelihood
itself is computed in float32 by the head).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from model_zoo import MODEL_FACTORIES, make_distribution

import pixeldist

MODELS = sorted(MODEL_FACTORIES)


def _inputs(channels=1):
    rng = np.random.default_rng(0)
    return rng.integers(0, 8, (6, 4, 4, channels)), rng.integers(0, 3, 6)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("likelihood", ["categorical", "logistic_mixture"])
def test_float64_agrees_with_float32(model, likelihood):
    single = make_distribution(model, likelihood, (4, 4, 1), 7, True)
    double = make_distribution(model, likelihood, (4, 4, 1), 7, True, dtype=tf.float64)
    double.set_weights([w.astype(np.float64) for w in single.get_weights()])
    images, labels = _inputs()
    lp32 = single.log_prob(images, conditional_input=labels)
    lp64 = double.log_prob(images, conditional_input=labels)
    assert lp64.dtype == tf.float64 and lp32.dtype == tf.float32
    np.testing.assert_allclose(lp32.numpy(), lp64.numpy(), rtol=1e-5)
    samples = double.sample(2, seed=1, conditional_input=[0])
    assert samples.dtype == tf.float64


@pytest.fixture
def policy():
    yield keras.mixed_precision.set_global_policy
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize(
    "name, rtol", [("mixed_float16", 2e-2), ("mixed_bfloat16", 5e-2)]
)
@pytest.mark.parametrize("likelihood", ["categorical", "logistic_mixture"])
def test_mixed_precision_agrees_and_trains(policy, name, rtol, likelihood):
    reference = pixeldist.PixelCNN(
        (4, 4, 1),
        num_classes=3,
        likelihood=likelihood,
        high=7,
        num_layers=1,
        num_filters=8,
    )
    policy(name)
    mixed = pixeldist.PixelCNN(
        (4, 4, 1),
        num_classes=3,
        likelihood=likelihood,
        high=7,
        num_layers=1,
        num_filters=8,
    )
    mixed.set_weights(reference.get_weights())
    images, labels = _inputs()
    lp_mixed = mixed.log_prob(images, conditional_input=labels)
    assert lp_mixed.dtype == tf.float32  # likelihood math stays in float32
    lp_reference = reference.log_prob(images, conditional_input=labels)
    np.testing.assert_allclose(lp_mixed.numpy(), lp_reference.numpy(), rtol=rtol)

    model = pixeldist.DensityModel(mixed)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit((images, labels), epochs=3, batch_size=3, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    for weight in mixed.weights:
        assert np.all(np.isfinite(weight.numpy()))
