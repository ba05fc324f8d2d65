"""`ImageClassifier`, `frechet_distance` and `conditional_accuracy`."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from pixeldist.data import digits_arrays
from pixeldist.evaluation import (
    ImageClassifier,
    conditional_accuracy,
    frechet_distance,
)


class FlatFeatures:
    """A stand-in classifier whose features are the flattened pixels."""

    num_classes = 3

    def features(self, images, batch_size=256):
        return np.asarray(images, np.float64).reshape(len(images), -1)

    def predict_labels(self, images, batch_size=256):
        return np.asarray(images).reshape(len(images), -1)[:, 0].astype(np.int64)


def _scipy_frechet(a, b):
    mean = np.sum((a.mean(0) - b.mean(0)) ** 2)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(cov_a @ cov_b).real
    return mean + np.trace(cov_a + cov_b - 2 * root)


def test_frechet_distance_is_the_gaussian_formula():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 2, 2, 1))
    b = 1.5 * rng.normal(size=(400, 2, 2, 1)) + 0.5
    distance = frechet_distance(FlatFeatures(), a, b)
    expected = _scipy_frechet(a.reshape(500, -1), b.reshape(400, -1))
    assert distance == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(FlatFeatures(), a, a) == pytest.approx(0.0, abs=1e-9)
    shifted = frechet_distance(FlatFeatures(), a, a + 2.0)  # |mean shift|^2 = 4 * 4
    assert shifted == pytest.approx(16.0, rel=1e-6)


def test_frechet_distance_needs_two_images_per_set():
    with pytest.raises(ValueError, match="`images_b` must hold at least 2"):
        frechet_distance(FlatFeatures(), np.zeros((3, 2, 2, 1)), np.zeros((1, 2, 2, 1)))


def test_conditional_accuracy_counts_matching_labels():
    images = np.array([0, 1, 2, 2]).reshape(4, 1, 1, 1)
    assert conditional_accuracy(FlatFeatures(), images, [0, 1, 2, 0]) == 0.75
    with pytest.raises(ValueError, match="`labels` must have shape"):
        conditional_accuracy(FlatFeatures(), images, [0, 1])
    with pytest.raises(ValueError, match="\\[0, num_classes\\)"):
        conditional_accuracy(FlatFeatures(), images, [0, 1, 2, 3])


@pytest.fixture(scope="module")
def trained_classifier():
    import keras

    keras.utils.set_random_seed(0)
    images, labels = digits_arrays("train")
    classifier = ImageClassifier((8, 8, 1), num_classes=10, high=16)
    classifier.compile()
    classifier.fit(images, labels, epochs=10, batch_size=64, verbose=0)
    return classifier


def test_the_classifier_learns_the_digits_and_features_separate_sets(
    trained_classifier,
):
    images, labels = digits_arrays("test")
    accuracy = conditional_accuracy(trained_classifier, images, labels)
    assert accuracy > 0.93
    assert trained_classifier.features(images).shape == (len(images), 128)
    train_images, _ = digits_arrays("train")
    real = frechet_distance(trained_classifier, images, train_images[:359])
    noise = np.random.default_rng(0).integers(0, 17, images.shape)
    assert frechet_distance(trained_classifier, images, noise) > 10 * real


def test_the_classifier_saves_and_loads(trained_classifier, tmp_path):
    import keras

    path = tmp_path / "classifier.keras"
    trained_classifier.save(path)
    loaded = keras.models.load_model(path)
    images, _ = digits_arrays("test")
    np.testing.assert_allclose(
        loaded.features(images[:16]),
        trained_classifier.features(images[:16]),
        rtol=1e-6,
    )
    assert loaded.get_config() == trained_classifier.get_config()
    assert loaded.compiled
    loaded.fit(images[:8], np.arange(8), verbose=0)  # it goes on training


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"image_shape": (8, 8)}, "`image_shape`"),
        ({"num_classes": 1}, "`num_classes`"),
        ({"high": 0}, "low < high"),
        ({"feature_size": 0}, "`feature_size`"),
        ({"dropout": 1.0}, "`dropout`"),
    ],
)
def test_classifier_arguments_are_checked(kwargs, message):
    arguments = {"image_shape": (8, 8, 1), "num_classes": 10, "high": 16, **kwargs}
    with pytest.raises(ValueError, match=message):
        ImageClassifier(**arguments)


def test_classifier_images_are_checked():
    classifier = ImageClassifier((8, 8, 1), num_classes=10, high=16)
    with pytest.raises(ValueError, match="`images` must have shape \\[N, 8, 8, 1\\]"):
        classifier.features(np.zeros((2, 8, 8, 3)))
    with pytest.raises(ValueError, match="\\[low, high\\] = \\[0, 16\\]"):
        classifier.predict_labels(np.full((2, 8, 8, 1), 17))
