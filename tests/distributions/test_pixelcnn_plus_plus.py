"""PixelCNNPlusPlus: tfd.PixelCNN's signature, argument checks, data-dependent init.

The data-dependent initialization of the weight norm must run once, on the
first training batch (in graph mode, under MirroredStrategy too), never from
`sample` or `log_prob(training=False)`, and a saved model must not run it
again after loading.
"""

from __future__ import annotations

import inspect
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

import pixeldist
from pixeldist.distributions.pixelcnn_plus_plus import PixelCNNPlusPlus

SHAPE = (4, 4, 1)
HIGH = 3


def _tiny(**kwargs):
    args = dict(
        num_resnet=0,
        num_hierarchies=2,
        num_filters=4,
        num_logistic_mix=2,
        high=HIGH,
        dropout_p=0.0,
    )
    return PixelCNNPlusPlus(SHAPE, **{**args, **kwargs})


def _data(n=16, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, HIGH + 1, (n, *SHAPE)).astype(np.uint8), rng.integers(
        0, 3, n
    )


def _flags(dist):
    return [bool(w.numpy()) for w in dist.weights if w.name == "initialized"]


def _init_state(dist):
    """The weights the initialization sets, in layer order: [(name, value)]."""
    return [(w.name, w.numpy()) for w in dist.weights if w.name in ("g", "bias")]


def test_signature_is_tfd_pixelcnn_s():
    """Same argument names, order and defaults; the extras come after them."""
    theirs = inspect.signature(tfp.distributions.PixelCNN.__init__).parameters
    ours = inspect.signature(PixelCNNPlusPlus.__init__).parameters
    shared = [name for name in theirs if name != "name"]
    assert list(ours)[: len(shared)] == shared
    for name in shared:
        assert ours[name].default == theirs[name].default, name
    assert list(ours)[len(shared) :] == [
        "num_classes",
        "likelihood",
        "validate_args",
        "name",
        "trainable",
        "input_encoding",
    ]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(num_resnet=-1), "num_resnet"),
        (dict(num_hierarchies=0), "num_hierarchies"),
        (dict(num_hierarchies=4), r"divisible by 2 \*\* \(num_hierarchies - 1\) = 8"),
        (dict(num_filters=0), "num_filters"),
        (
            dict(num_filters=2, likelihood="categorical", image_shape=(4, 4, 3)),
            "num_filters",
        ),
        (dict(receptive_field_dims=(1, 3)), "receptive_field_dims"),
        (dict(receptive_field_dims=(3, 4)), "receptive_field_dims"),
        (dict(receptive_field_dims=3), "receptive_field_dims"),
        (dict(dropout_p=1.0), "dropout_p"),
        (dict(resnet_activation="no_such_activation"), "resnet_activation"),
        (dict(num_logistic_mix=0), "num_logistic_mix"),  # checked by the base class
    ],
)
def test_bad_arguments(kwargs, match):
    defaults = dict(image_shape=SHAPE, num_resnet=0, num_hierarchies=2, num_filters=4)
    with pytest.raises(ValueError, match=match):
        PixelCNNPlusPlus(**{**defaults, **kwargs})


def test_config_round_trip():
    dist = _tiny(num_classes=3, receptive_field_dims=(2, 5), resnet_activation="elu")
    clone = PixelCNNPlusPlus.from_config(dist.get_config())
    assert clone.get_config() == dist.get_config()
    clone.set_weights(dist.get_weights())
    images, labels = _data(4)
    np.testing.assert_array_equal(
        clone.log_prob(images, conditional_input=labels),
        dist.log_prob(images, conditional_input=labels),
    )


def test_tfp_style_float_condition_and_sample_shapes():
    """`conditional_shape=()` with float labels, as in tfd.PixelCNN's example."""
    dist = _tiny(conditional_shape=())
    images, labels = _data(4)
    log_prob = dist.log_prob(images, conditional_input=labels.astype(np.float32))
    assert log_prob.shape == (4,) and np.isfinite(log_prob.numpy()).all()
    samples = dist.sample((2, 3), conditional_input=[1.0, 2.0, 3.0], seed=1)
    assert samples.shape == (2, 3, *SHAPE)


def test_dropout_acts_only_in_training():
    dist = _tiny(dropout_p=0.5)
    images, _ = _data(8)
    dist.log_prob(images, training=True)  # data-dependent init
    np.testing.assert_array_equal(dist.log_prob(images), dist.log_prob(images))
    assert not np.allclose(
        dist.log_prob(images, training=True), dist.log_prob(images, training=True)
    )


def test_sample_and_inference_never_initialize():
    dist = _tiny(num_classes=3)
    before = _init_state(dist)
    images, labels = _data(4)
    dist.sample(2, conditional_input=[1], seed=3)
    dist.log_prob(images, conditional_input=labels)
    dist.log_prob(images, conditional_input=labels, training=False)
    dist.pixel_log_prob(images, conditional_input=labels)
    assert len(_flags(dist)) > 0 and not any(_flags(dist))
    after = _init_state(dist)
    assert all(
        np.array_equal(b, a) for (_, b), (_, a) in zip(before, after, strict=True)
    )


def test_first_fit_batch_initializes_once_under_mirrored_strategy(tmp_path):
    """`fit` (graph mode, replica context) initializes from its first batch only.

    Learning rate 0 leaves the weights as the initialization set them: they
    must equal an eager initialization on that batch, and the second batch
    must not change them. The flags come back from a saved file, and a
    training call on the loaded model does not initialize again.
    """
    images, labels = _data(32)
    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        dist = _tiny(num_classes=3)
        model = pixeldist.DensityModel(dist)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0))
    reference = _tiny(num_classes=3)
    reference.set_weights(dist.get_weights())
    reference.log_prob(images[:16], conditional_input=labels[:16], training=True)
    assert all(_flags(reference))

    ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(16)
    model.fit(ds, epochs=1, verbose=0)
    assert all(_flags(dist))
    expected, got = _init_state(reference), _init_state(dist)
    assert [name for name, _ in expected] == [name for name, _ in got]
    for (_, value), (_, reference_value) in zip(got, expected, strict=True):
        np.testing.assert_allclose(value, reference_value, rtol=2e-4, atol=1e-5)
    assert all(not np.allclose(v, 0.0) for name, v in got if name == "bias")

    path = os.path.join(str(tmp_path), "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path).distribution
    assert all(_flags(loaded))
    loaded.log_prob(images[16:], conditional_input=labels[16:], training=True)
    for (_, value), (_, saved) in zip(_init_state(loaded), got, strict=True):
        np.testing.assert_array_equal(value, saved)
