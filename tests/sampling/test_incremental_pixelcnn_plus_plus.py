"""The cached incremental PixelCNN++ against the full network and the reference
sampler: per-pixel outputs, then identical images for one seed."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from harness import assert_incremental_network_matches, perturb_weights
from model_zoo import NUM_CLASSES

from pixeldist.distributions.pixelcnn_plus_plus import PixelCNNPlusPlus
from pixeldist.sampling.incremental_pixelcnn_plus_plus import (
    IncrementalPixelCNNPlusPlus,
)

HIGH = 7
# (image shape without channels, num_hierarchies, num_resnet, receptive field)
ARCHITECTURES = {
    "h1": ((3, 5), 1, 1, (3, 3)),
    "h2": ((4, 6), 2, 1, (3, 3)),
    "h2-r0": ((4, 4), 2, 0, (3, 3)),
    "h3": ((4, 8), 3, 1, (3, 3)),
    "h2-wide": ((4, 4), 2, 1, (4, 5)),
}
CASES = [
    (architecture, likelihood, channels, conditional)
    for architecture in ("h1", "h2")
    for likelihood in ("categorical", "logistic_mixture")
    for channels in (1, 3)
    for conditional in (False, True)
] + [
    ("h2-r0", "logistic_mixture", 1, False),
    ("h3", "categorical", 3, True),
    ("h2-wide", "logistic_mixture", 3, False),
]
# The per-pixel check runs every case; sampling (two compiled loops per case)
# the two-level ones, the extra architectures and one single-level case.
SAMPLING_CASES = [case for case in CASES if case[0] != "h1"] + [
    ("h1", "categorical", 3, True)
]


def _case_id(case):
    architecture, likelihood, channels, conditional = case
    colour = "grey" if channels == 1 else "rgb"
    return f"{architecture}-{likelihood}-{colour}-{'cond' if conditional else 'uncond'}"


def _model(architecture, likelihood, channels, conditional, **kwargs):
    (height, width), hierarchies, resnet, field = ARCHITECTURES[architecture]
    dist = PixelCNNPlusPlus(
        (height, width, channels),
        num_resnet=resnet,
        num_hierarchies=hierarchies,
        num_filters=8,
        num_logistic_mix=2,
        receptive_field_dims=field,
        dropout_p=0.1,
        high=HIGH,
        likelihood=likelihood,
        num_classes=NUM_CLASSES if conditional else None,
        **kwargs,
    )
    perturb_weights(dist, 0.3, seed=7)
    return dist


def _labels(conditional, n):
    return {"conditional_input": np.arange(n) % NUM_CLASSES} if conditional else {}


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_incremental_network_reproduces_the_network(case):
    """Driving `start_row`/`write_pixel`/`step` over a fixed image in raster
    order gives the full network's outputs at every pixel; the channels of
    later groups hold junk, which must not matter."""
    dist = _model(*case)
    height, width = dist.image_shape[:2]
    rng = np.random.default_rng(1)
    images = rng.integers(0, HIGH + 1, (3, height, width, case[2]))
    condition = tf.range(3) % NUM_CLASSES if case[3] else None
    net = dist._incremental_network()
    assert isinstance(net, IncrementalPixelCNNPlusPlus)
    assert_incremental_network_matches(dist, net, images, condition, rng, 1e-4)


@pytest.mark.parametrize("case", SAMPLING_CASES, ids=_case_id)
def test_fast_sampling_equals_naive_sampling(case):
    dist = _model(*case)
    height, width, channels = dist.image_shape
    labels = _labels(case[3], 6)
    for temperature in (1.0, 0.6):
        naive = dist.sample(
            6, seed=11, temperature=temperature, method="naive", **labels
        ).numpy()
        fast = dist.sample(6, seed=11, temperature=temperature, **labels).numpy()
        np.testing.assert_array_equal(fast, naive)
        assert len(np.unique(fast)) > 2  # the samples vary: equality means something

    images = np.random.default_rng(2).integers(
        0, HIGH + 1, (6, height, width, channels)
    )
    naive = dist.complete(
        images, 1, seed=5, temperature=1.3, method="naive", **labels
    ).numpy()
    fast = dist.complete(images, 1, seed=5, temperature=1.3, **labels).numpy()
    np.testing.assert_array_equal(fast, naive)
    np.testing.assert_array_equal(fast[:, :1], images[:, :1])
    assert not np.array_equal(fast[:, 1:], images[:, 1:])


@pytest.mark.parametrize("architecture", ["h2", "h3"])
def test_completion_from_the_middle_of_a_row(architecture):
    """Known pixels fill the caches of a partial row (and of coarse positions
    of the current row) before the first draw."""
    dist = _model(architecture, "logistic_mixture", 1, False)
    height, width, channels = dist.image_shape
    rng = np.random.default_rng(4)
    noise = tf.constant(rng.uniform(size=(3, height, width, channels + 1)), tf.float32)
    images = tf.constant(rng.integers(0, HIGH + 1, (3, height, width, channels)))
    images = tf.cast(images, dist.dtype)
    temperature = tf.constant(1.0)
    for first in (width + 3, 2 * width + 5):
        args = (noise, None, temperature, images, first, False)
        fast = dist._generate_with("fast", *args)
        naive = dist._generate_with("naive", *args)
        np.testing.assert_array_equal(fast, naive)


def test_fast_sampling_uses_the_incremental_network():
    dist = _model("h2", "categorical", 1, False)
    dist.sample(2, seed=1)
    assert dist._generate_fast.experimental_get_tracing_count() == 1
    assert dist._generate.experimental_get_tracing_count() == 0


def test_float64_fast_sampling_equals_naive():
    dist = _model("h2", "logistic_mixture", 3, True, dtype=tf.float64)
    labels = _labels(True, 4)
    naive = dist.sample(4, seed=3, method="naive", **labels)
    fast = dist.sample(4, seed=3, **labels)
    assert fast.dtype == tf.float64
    np.testing.assert_array_equal(fast, naive)


def test_float_condition_fast_sampling_equals_naive():
    dist = _model("h2", "categorical", 1, False, conditional_shape=(2,))
    condition = np.random.default_rng(3).normal(size=(5, 2)).astype(np.float32)
    naive = dist.sample(5, seed=8, conditional_input=condition, method="naive")
    fast = dist.sample(5, seed=8, conditional_input=condition)
    np.testing.assert_array_equal(fast, naive)


@pytest.mark.parametrize("activation", ["elu", "sigmoid"])
def test_other_activations_keep_the_zero_padding(activation):
    """An activation with `f(0) != 0` (sigmoid) must still see zero padding."""
    dist = _model("h2", "logistic_mixture", 1, False, resnet_activation=activation)
    naive = dist.sample(4, seed=2, method="naive")
    np.testing.assert_array_equal(dist.sample(4, seed=2), naive)
