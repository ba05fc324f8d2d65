"""`class_probabilities`: Bayes' rule over a class-conditional model."""

from __future__ import annotations

import numpy as np
import pytest
from harness import all_images, perturb_weights
from model_zoo import MODEL_FACTORIES, NUM_CLASSES, make_distribution

from pixeldist.evaluation import class_probabilities

PRIOR = np.array([0.5, 0.3, 0.2])


@pytest.mark.parametrize("model", MODEL_FACTORIES)
def test_posteriors_average_to_the_prior_over_every_image(model):
    """sum_x p(x) p(y | x) = p(y): an identity that holds only for the exact
    posterior (a wrong class axis, a forgotten prior or a normalization over
    images breaks it)."""
    dist = make_distribution(model, "categorical", (1, 3, 1), 2, conditional=True)
    perturb_weights(dist, 0.5)
    images = all_images(dist.image_shape, 0, 2)  # [27, 1, 3, 1]
    posterior = class_probabilities(dist, images, prior=PRIOR)  # [27, K]
    assert posterior.shape == (len(images), NUM_CLASSES)
    np.testing.assert_allclose(posterior.sum(axis=-1), 1.0, atol=1e-6)
    likelihood = np.exp(
        np.stack(
            [dist.log_prob(images, conditional_input=y).numpy() for y in range(3)], -1
        )
    )  # [27, K]
    marginal = likelihood @ PRIOR  # p(x), [27]
    np.testing.assert_allclose(marginal @ posterior, PRIOR, atol=1e-5)
    # Direct Bayes' rule, image by image.
    expected = likelihood * PRIOR / marginal[:, None]
    np.testing.assert_allclose(posterior, expected, rtol=1e-4, atol=1e-6)


def test_batch_shape_batches_and_uniform_prior():
    dist = make_distribution("pixelcnn", "logistic_mixture", (2, 2, 3), 5, True)
    perturb_weights(dist, 0.5)
    images = np.random.default_rng(0).integers(0, 6, size=(2, 3, 2, 2, 3))
    posterior = class_probabilities(dist, images, batch_size=4)
    assert posterior.shape == (2, 3, NUM_CLASSES)
    flat = images.reshape(-1, 2, 2, 3)
    log_lik = np.stack(
        [dist.log_prob(flat, conditional_input=y).numpy() for y in range(3)], -1
    )
    expected = np.exp(log_lik - log_lik.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    np.testing.assert_allclose(posterior.reshape(-1, 3), expected, rtol=1e-4)


def test_a_class_with_zero_prior_gets_zero_probability():
    dist = make_distribution("pixelcnn", "categorical", (2, 2, 1), 3, True)
    images = np.zeros((4, 2, 2, 1))
    posterior = class_probabilities(dist, images, prior=[0.0, 0.4, 0.6])
    assert np.all(posterior[:, 0] == 0.0) and np.all(np.isfinite(posterior))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"prior": [0.5, 0.5]}, "`prior` must have shape"),
        ({"prior": [0.5, 0.5, 0.5]}, "must sum to 1"),
        ({"prior": [1.2, -0.1, -0.1]}, "non-negative"),
        ({"prior": [np.nan, 0.5, 0.5]}, "non-negative"),
        ({"images": np.full((1, 2, 2, 1), 4)}, "outside \\[low, high\\]"),
        ({"images": np.zeros((1, 3, 2, 1))}, "`images` must have shape"),
        ({"images": np.full((1, 2, 2, 1), 0.5)}, "not integer-valued"),
        ({"batch_size": 0}, "`batch_size`"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    dist = make_distribution("pixelcnn", "categorical", (2, 2, 1), 3, True)
    arguments = {"images": np.zeros((1, 2, 2, 1)), **kwargs}
    with pytest.raises(ValueError, match=message):
        class_probabilities(dist, **arguments)


@pytest.mark.parametrize("conditional", [False, "map"])
def test_a_model_without_class_labels_is_refused(conditional):
    dist = make_distribution("pixelcnn", "categorical", (2, 2, 1), 3, conditional)
    with pytest.raises(ValueError, match="class-conditional"):
        class_probabilities(dist, np.zeros((1, 2, 2, 1)))
