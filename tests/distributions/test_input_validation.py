"""Bad input to the image distributions gets a clear error, in eager and graph code."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import pixeldist

SHAPE = (3, 3, 1)


@pytest.fixture(scope="module")
def labelled():
    return pixeldist.PixelCNN(SHAPE, num_classes=4, high=3, num_layers=1, num_filters=4)


@pytest.fixture(scope="module")
def plain():
    return pixeldist.PixelCNN(SHAPE, high=3, num_layers=1, num_filters=4)


def _images(n=2, value=1):
    return np.full((n, *SHAPE), value, np.float32)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(image_shape=(3, 3)), "image_shape"),
        (dict(image_shape=(3, 3, 0)), "image_shape"),
        (dict(image_shape="abc"), "image_shape"),
        (dict(image_shape=SHAPE, high=2, low=2), "`high` must be greater"),
        (dict(image_shape=SHAPE, likelihood="gaussian"), "likelihood"),
        (dict(image_shape=SHAPE, num_logistic_mix=0), "num_logistic_mix"),
        (dict(image_shape=SHAPE, num_classes=0), "num_classes"),
        (dict(image_shape=SHAPE, num_classes=3, conditional_shape=(2,)), "not both"),
        (dict(image_shape=SHAPE, num_layers=-1), "num_layers"),
        (dict(image_shape=SHAPE, kernel_size=2), "kernel_size"),
        (dict(image_shape=(2, 2, 3), num_filters=2), "num_filters"),
    ],
)
def test_constructor_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pixeldist.PixelCNN(**kwargs)


def test_constructor_dtype():
    with pytest.raises(TypeError, match="dtype"):
        pixeldist.PixelCNN(SHAPE, dtype=tf.int32)


@pytest.mark.parametrize(
    "images, message",
    [
        (np.zeros((2, 3, 4, 1)), r"`x` must have shape \[..., 3, 3, 1\]"),
        (np.zeros((3, 3)), r"rank >= 3"),
        (_images() * np.nan, "not finite"),
        (_images(value=4), r"outside \[low, high\] = \[0, 3\]"),
        (_images(value=-1), r"outside \[low, high\]"),
        (_images() * 0.5, "not integer-valued"),
    ],
)
def test_bad_images(plain, images, message):
    with pytest.raises(ValueError, match=message):
        plain.log_prob(images)
    # ... also inside a graph, where the check is an assertion op.
    graph_fn = tf.function(lambda x: plain.log_prob(x))
    error = (ValueError, tf.errors.InvalidArgumentError)
    with pytest.raises(
        error, match=message.split(" = ")[0].replace("rank >= 3", "rank")
    ):
        graph_fn(tf.constant(images, tf.float32))


def test_checks_come_in_order(plain):
    # Non-finite is reported before out-of-range, out-of-range before non-integer.
    bad = _images()
    bad[0, 0, 0, 0] = np.inf
    bad[0, 0, 1, 0] = 9
    bad[0, 0, 2, 0] = 0.5
    with pytest.raises(ValueError, match="not finite"):
        plain.log_prob(bad)
    bad[0, 0, 0, 0] = 1
    with pytest.raises(ValueError, match="outside"):
        plain.log_prob(bad)


@pytest.mark.parametrize(
    "labels, error, message",
    [
        ([0, 4], ValueError, r"labels outside \[0, num_classes\) = \[0, 4\)"),
        ([-1, 0], ValueError, "labels outside"),
        ([0.5, 1.0], ValueError, "integer class labels"),
        (["a", "b"], TypeError, "integer class labels"),
    ],
)
def test_bad_labels(labelled, labels, error, message):
    with pytest.raises(error, match=message):
        labelled.log_prob(_images(), conditional_input=np.array(labels))


def test_labels_checked_in_graph(labelled):
    fn = tf.function(lambda x, y: labelled.log_prob(x, conditional_input=y))
    with pytest.raises(tf.errors.InvalidArgumentError, match="labels outside"):
        fn(tf.constant(_images()), tf.constant([0, 7]))


def test_condition_presence(labelled, plain):
    with pytest.raises(ValueError, match="conditional: pass `conditional_input`"):
        labelled.log_prob(_images())
    with pytest.raises(ValueError, match="unconditional"):
        plain.log_prob(_images(), conditional_input=[1, 2])
    with pytest.raises(ValueError, match="conditional: pass"):
        labelled.sample(2)
    with pytest.raises(ValueError, match="unconditional"):
        plain.sample(2, conditional_input=[1])


def test_batch_shapes_must_broadcast(labelled):
    with pytest.raises(ValueError, match="do not broadcast"):
        labelled.log_prob(_images(3), conditional_input=[0, 1])
    with pytest.raises(ValueError, match="broadcast"):
        labelled.sample(2, conditional_input=[0, 1, 2])
    with pytest.raises(ValueError, match="must broadcast to `sample_shape`"):
        labelled.sample(3, conditional_input=[[0], [1]])


def test_float_condition_shape_and_values():
    dist = pixeldist.PixelCNN(
        SHAPE, conditional_shape=(2,), high=3, num_layers=1, num_filters=4
    )
    with pytest.raises(ValueError, match="conditional_input"):
        dist.log_prob(_images(), conditional_input=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="not finite"):
        dist.log_prob(_images(), conditional_input=np.full((2, 2), np.nan))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(sample_shape=-1), "non-negative"),
        (dict(sample_shape=(2, -3)), "non-negative"),
        (dict(sample_shape=2, temperature=0.0), "temperature"),
        (dict(sample_shape=2, temperature=-1.0), "temperature"),
    ],
)
def test_bad_sampling_arguments(plain, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plain.sample(**kwargs)


def test_validate_args_false_skips_value_checks():
    dist = pixeldist.PixelCNN(
        SHAPE, high=3, num_layers=1, num_filters=4, validate_args=False
    )
    dist.log_prob(_images(value=7))  # undefined result, but no error
    with pytest.raises(ValueError, match="must have shape"):
        dist.log_prob(np.zeros((2, 3, 4, 1)))  # shape checks always run


def test_distribution_keeps_working_after_errors(labelled):
    with pytest.raises(ValueError):
        labelled.log_prob(_images(value=9), conditional_input=[0, 1])
    log_prob = labelled.log_prob(_images(), conditional_input=[0, 1])
    assert np.all(np.isfinite(log_prob.numpy()))
    samples = labelled.sample(2, seed=1, conditional_input=[3])
    assert samples.shape == (2, *SHAPE)
