"""The out-of-distribution detectors on every model: each score is the
formula its docstring states, computed from the model's own `log_prob` and
`pixel_log_prob`, with the model's conditions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from harness import perturb_weights
from model_zoo import MODEL_FACTORIES, all_cases, case_id, condition_values
from model_zoo import make_distribution as zoo_distribution

from pixeldist.evaluation import (
    ComplexityDetector,
    LikelihoodDetector,
    LikelihoodRatioDetector,
    lossless_codec_bits,
)

HIGH = 5


def _models(model, likelihood, channels, conditional):
    shape = (2, 2, channels)
    dist = zoo_distribution(model, likelihood, shape, HIGH, conditional)
    background = zoo_distribution(model, likelihood, shape, HIGH, False)
    perturb_weights(dist, 0.3)
    perturb_weights(background, 0.3, seed=1)
    return dist, background


def _bits(dist, images, condition):
    return -dist.log_prob(images, conditional_input=condition).numpy() / math.log(2)


def _pixel_bits(dist, images, condition):
    terms = dist.pixel_log_prob(images, conditional_input=condition).numpy()
    return -terms.sum(-1) / math.log(2)


CASES = all_cases() + [(model, "categorical", 1, "map") for model in MODEL_FACTORIES]


@pytest.mark.parametrize(
    "case", CASES, ids=[case_id(c) + ("-map" if c[3] == "map" else "") for c in CASES]
)
def test_scores_and_maps_follow_their_formulas(case):
    model, likelihood, channels, conditional = case
    dist, background = _models(*case)
    images = np.random.default_rng(0).integers(0, HIGH + 1, (3, 2, 2, channels))
    condition = condition_values(dist, 3)
    dims = 4 * channels
    bits = _bits(dist, images, condition)
    pixel = _pixel_bits(dist, images, condition)

    likelihood_detector = LikelihoodDetector(dist, batch_size=2)
    np.testing.assert_allclose(
        likelihood_detector.outlier_score(images, condition), bits / dims, rtol=1e-5
    )
    likelihood_map = likelihood_detector.outlier_map(images, condition)
    np.testing.assert_allclose(likelihood_map, pixel, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(likelihood_map.sum((1, 2)), bits, rtol=1e-4)

    ratio = LikelihoodRatioDetector(dist, background, batch_size=2)
    background_bits = _bits(background, images, None)
    np.testing.assert_allclose(
        ratio.outlier_score(images, condition),
        (bits - background_bits) / dims,
        rtol=1e-4,
        atol=1e-5,
    )
    np.testing.assert_allclose(
        ratio.outlier_map(images, condition),
        pixel - _pixel_bits(background, images, None),
        rtol=1e-4,
        atol=1e-4,
    )

    complexity = ComplexityDetector(dist)
    png = lossless_codec_bits(images, 0, "png")
    np.testing.assert_allclose(
        complexity.outlier_score(images, condition), (bits - png) / dims, rtol=1e-5
    )


def test_scores_broadcast_labels_over_batch_shapes():
    dist = zoo_distribution("pixelcnn", "categorical", (2, 2, 1), HIGH, True)
    images = np.random.default_rng(1).integers(0, HIGH + 1, (2, 1, 2, 2, 1))
    labels = np.array([[0, 1, 2]])  # [1, 3] against images [2, 1]
    scores = LikelihoodDetector(dist, batch_size=4).outlier_score(images, labels)
    assert scores.shape == (2, 3)
    expected = _bits(dist, images, labels) / 4
    np.testing.assert_allclose(scores, expected, rtol=1e-5)
    maps = LikelihoodDetector(dist).outlier_map(images[0, 0], 1)  # one image
    assert maps.shape == (2, 2)


def test_the_likelihood_ratio_cancels_what_both_models_share():
    """Against itself, a model's ratio is 0 everywhere."""
    dist = zoo_distribution("pixelcnn", "categorical", (2, 2, 1), HIGH, False)
    images = np.random.default_rng(2).integers(0, HIGH + 1, (4, 2, 2, 1))
    detector = LikelihoodRatioDetector(dist, dist)
    np.testing.assert_allclose(detector.outlier_score(images), 0.0, atol=1e-6)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda d, b: LikelihoodDetector(d).outlier_score(np.full((1, 2, 2, 1), 9)),
            ValueError,
            "outside \\[low, high\\]",
        ),
        (
            lambda d, b: LikelihoodDetector(d).outlier_score(np.zeros((1, 2, 3, 1))),
            ValueError,
            "`images` must have shape",
        ),
        (
            lambda d, b: LikelihoodDetector(d).outlier_map(
                np.full((1, 2, 2, 1), np.nan)
            ),
            ValueError,
            "not finite",
        ),
        (
            lambda d, b: LikelihoodDetector(d).outlier_score(np.zeros((1, 2, 2, 1)), 1),
            ValueError,
            "not conditional",
        ),
        (
            lambda d, b: LikelihoodDetector(b).outlier_score(np.zeros((1, 2, 2, 1))),
            ValueError,
            "pass `conditional_input`",
        ),
        (
            lambda d, b: LikelihoodDetector(b).outlier_score(np.zeros((1, 2, 2, 1)), 7),
            ValueError,
            "outside \\[0, num_classes\\)",
        ),
        (lambda d, b: LikelihoodDetector("model"), TypeError, "`dist` must be"),
        (lambda d, b: LikelihoodDetector(d, batch_size=0), ValueError, "`batch_size`"),
        (
            lambda d, b: LikelihoodRatioDetector(d, b),
            ValueError,
            "conditional `background`",
        ),
        (
            lambda d, b: LikelihoodRatioDetector(
                d, zoo_distribution("pixelcnn", "categorical", (2, 2, 1), 7, False)
            ),
            ValueError,
            "its high is 7",
        ),
        (lambda d, b: ComplexityDetector(d, codec="gif"), ValueError, "`codec`"),
    ],
)
def test_bad_input_is_named(call, error, message):
    unconditional = zoo_distribution("pixelcnn", "categorical", (2, 2, 1), HIGH, False)
    labelled = zoo_distribution("pixelcnn", "categorical", (2, 2, 1), HIGH, True)
    with pytest.raises(error, match=message):
        call(unconditional, labelled)
