"""`compress` then `decompress` returns the images bit for bit, at the size of
the model's log-probability.

Oracles: the images themselves (exact equality), and `log_prob` (the
stream's payload is `-log2 p(images)` bits within 1%).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from harness import perturb_weights
from model_zoo import LIKELIHOODS, MODEL_FACTORIES, condition_values, make_distribution

import pixeldist
from pixeldist.compression import compress, decompress
from pixeldist.compression.coding_loop import CodingLoop
from pixeldist.compression.stream_header import HEADER_SIZE

CASES = list(
    itertools.product(
        sorted(MODEL_FACTORIES), LIKELIHOODS, (1, 3), (False, True, "map")
    )
)


def _case_id(case):
    model, likelihood, channels, conditional = case
    condition = {False: "uncond", True: "labels", "map": "map"}[conditional]
    return f"{model}-{likelihood}-{'grey' if channels == 1 else 'rgb'}-{condition}"


def _model(model, likelihood, shape, high, conditional=False, scale=0.3):
    dist = make_distribution(model, likelihood, shape, high, conditional)
    perturb_weights(dist, scale, seed=7)
    return dist


def _bits(dist, images, condition=None):
    """`-log2 p(images)` summed over the images, from `log_prob`."""
    log_prob = dist.log_prob(images.astype("float32"), conditional_input=condition)
    return -float(np.sum(log_prob)) / np.log(2.0)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_round_trip_is_exact_for_every_model(case):
    model, likelihood, channels, conditional = case
    dist = _model(model, likelihood, (4, 4, channels), 7, conditional)
    images = np.random.default_rng(1).integers(0, 8, (3, 4, 4, channels), np.uint8)
    condition = condition_values(dist, 3)
    data = compress(dist, images, condition)
    decoded = decompress(dist, data, condition)
    assert decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded, images)
    assert len(data) > HEADER_SIZE


@pytest.mark.parametrize(
    "model, likelihood, channels",
    [
        ("pixelcnn", "categorical", 1),
        ("gated_pixelcnn", "logistic_mixture", 3),
        ("pixelcnn_plus_plus", "logistic_mixture", 1),
        ("pixelrnn_row_lstm", "categorical", 3),
        ("pixelrnn_diagonal_bilstm", "logistic_mixture", 3),
        ("pixelrnn_spatial_lstm", "categorical", 1),
    ],
)
def test_round_trip_is_exact_at_256_levels_for_data_and_noise(
    model, likelihood, channels
):
    """Many narrow bins, where a one-ulp difference between the encoder's and
    the decoder's probabilities would show; the uniform noise is what the
    model finds unlikely (values far in the tails, at the coder's floor)."""
    _assert_round_trips_at_256_levels(model, likelihood, (5, 5, channels), 16)


def test_round_trip_is_exact_for_mnist_sized_images():
    """28x28 at 256 levels: where today's fast and naive samplers disagree
    on about one image in 16 (rounding at bin edges)."""
    _assert_round_trips_at_256_levels(
        "gated_pixelcnn", "logistic_mixture", (28, 28, 1), 8
    )


def _assert_round_trips_at_256_levels(model, likelihood, shape, num_each):
    dist = _model(model, likelihood, shape, 255, scale=0.1)
    rng = np.random.default_rng(2)
    noise = rng.integers(0, 256, (num_each, *shape))
    steps = rng.integers(-3, 4, (num_each, *shape))
    smooth = np.clip(96 + np.cumsum(steps, axis=2), 0, 255)
    images = np.concatenate([noise, smooth]).astype(np.int64)
    decoded = decompress(dist, compress(dist, images))
    assert decoded.dtype == np.int64
    np.testing.assert_array_equal(decoded, images)
    # The encoder and the decoder ran one graph.
    assert CodingLoop.of(dist)._loop.experimental_get_tracing_count() == 1


@pytest.mark.parametrize(
    "options",
    [
        {"input_encoding": "one_hot", "conditional_shape": (3,)},
        {"dtype": "float64", "likelihood": "logistic_mixture", "num_classes": 2},
    ],
    ids=["one-hot-vector-condition", "float64"],
)
def test_round_trip_with_other_model_options(options):
    arguments = {"likelihood": "categorical", "high": 7, **options}
    dist = pixeldist.GatedPixelCNN((3, 3, 3), num_layers=1, num_filters=8, **arguments)
    perturb_weights(dist, 0.3, seed=7)
    images = np.random.default_rng(5).integers(0, 8, (3, 3, 3, 3))
    condition = condition_values(dist, 3)
    decoded = decompress(dist, compress(dist, images, condition), condition)
    np.testing.assert_array_equal(decoded, images)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "uint16"])
def test_the_images_come_back_with_their_dtype(dtype):
    dist = _model("pixelcnn", "categorical", (3, 3, 1), 7)
    images = np.arange(18).reshape(2, 3, 3, 1).astype(dtype) % 8
    decoded = decompress(dist, compress(dist, images))
    assert decoded.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(decoded, images)


@pytest.mark.parametrize("likelihood", LIKELIHOODS)
def test_the_payload_is_the_log_probability_in_bits(likelihood):
    """Within 1% of `sum(-log2 p(x))` (plus the coder's final words); the
    model's probabilities stay well above the coder's 2^-24 floor, where
    the floor would make the stream shorter than the model's bound."""
    dist = _model("gated_pixelcnn", likelihood, (8, 8, 1), 255, scale=0.05)
    rng = np.random.default_rng(3)
    images = np.clip(rng.normal(128, 40, (8, 8, 8, 1)), 0, 255).round()
    data = compress(dist, images)
    payload_bits = 8 * (len(data) - HEADER_SIZE)
    bits = _bits(dist, images)
    assert bits > 2000  # so that 1% means something
    assert abs(payload_bits - bits) <= 0.01 * bits + 64, (payload_bits, bits)


def test_one_stream_decodes_any_number_of_times_and_conditions_broadcast():
    dist = _model("pixelcnn", "categorical", (3, 3, 1), 3, conditional=True)
    images = np.random.default_rng(4).integers(0, 4, (4, 3, 3, 1))
    data = compress(dist, images, conditional_input=2)
    for labels in (2, [2, 2, 2, 2], np.full(4, 2.0)):
        np.testing.assert_array_equal(decompress(dist, data, labels), images)
