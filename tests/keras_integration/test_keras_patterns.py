"""Three ways to train a pixeldist distribution with Keras 3, and MirroredStrategy."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import run_model_saving_test

import pixeldist

IMAGE_SHAPE = (4, 4, 1)
HIGH = 3


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    images = rng.integers(0, HIGH + 1, (n, *IMAGE_SHAPE))
    # A learnable structure: the label sets the top-left pixel.
    images[:, 0, 0, 0] = labels
    return images.astype(np.uint8), labels.astype(np.int64)


def _small_pixelcnn(**kwargs):
    return pixeldist.PixelCNN(
        IMAGE_SHAPE, high=HIGH, num_layers=1, num_filters=8, **kwargs
    )


def _weights(layer):
    return [w.numpy().copy() for w in layer.trainable_weights]


def _changed(before, after):
    return sum(not np.array_equal(b, a) for b, a in zip(before, after, strict=True))


def test_density_model_fit_evaluate_and_metrics():
    images, labels = _data()
    dist = _small_pixelcnn(num_classes=3)
    model = pixeldist.DensityModel(dist)
    assert model.distribution is dist
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(16)
    before = _weights(dist)
    history = model.fit(ds, epochs=3, verbose=0)
    assert _changed(before, _weights(dist)) == len(before)
    assert set(history.history) == {"loss", "bits_per_dim"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    result = model.evaluate(ds, verbose=0, return_dict=True)
    expected = -np.mean(dist.log_prob(images, conditional_input=labels).numpy())
    np.testing.assert_allclose(result["loss"], expected, rtol=1e-4)
    np.testing.assert_allclose(
        result["bits_per_dim"], expected / (np.prod(IMAGE_SHAPE) * np.log(2)), rtol=1e-4
    )


def test_density_model_unconditional_ignores_labels():
    images, labels = _data()
    model = pixeldist.DensityModel(_small_pixelcnn())
    model.compile(optimizer="adam")
    with_labels = model.evaluate(
        tf.data.Dataset.from_tensor_slices((images, labels)).batch(16), verbose=0
    )
    images_only = model.evaluate(
        tf.data.Dataset.from_tensor_slices(images).batch(16), verbose=0
    )
    np.testing.assert_allclose(with_labels, images_only, rtol=1e-6)


def test_density_model_rejects_a_loss():
    model = pixeldist.DensityModel(_small_pixelcnn())
    with pytest.raises(ValueError, match="loss"):
        model.compile(optimizer="adam", loss="mse")


def test_density_model_save_and_load_gives_identical_log_prob(tmp_path):
    images, labels = _data(16)
    model = pixeldist.DensityModel(
        _small_pixelcnn(num_classes=3, likelihood="logistic_mixture")
    )
    model.compile(optimizer="adam")
    model.fit((images, labels), epochs=1, batch_size=8, verbose=0)
    loaded = run_model_saving_test(
        model,
        None,
        tmp_path,
        compare_fn=lambda m: m.distribution.log_prob(images, conditional_input=labels),
    )
    assert isinstance(loaded, pixeldist.DensityModel)
    assert loaded.distribution.get_config() == model.distribution.get_config()
    # It comes back compiled and keeps training.
    loaded.fit((images, labels), epochs=1, batch_size=8, verbose=0)


def test_own_keras_model_with_distribution_attribute():
    class MyModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.dist = _small_pixelcnn(num_classes=3)

        def call(self, inputs):
            images, labels = inputs
            return self.dist.log_prob(images, conditional_input=labels)

    images, labels = _data()
    model = MyModel()
    assert len(model.trainable_weights) == len(model.dist.trainable_weights) > 0
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2), loss=pixeldist.NegativeLogLikelihood()
    )
    before = _weights(model.dist)
    history = model.fit((images, labels), labels, epochs=3, batch_size=16, verbose=0)
    assert _changed(before, _weights(model.dist)) == len(before)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_functional_pattern_of_tfp_docstring(tmp_path):
    """`dist.log_prob` on `keras.Input`s, as in `tfd.PixelCNN`'s documented example."""
    dist = _small_pixelcnn(num_classes=3)
    image_input = keras.Input(shape=IMAGE_SHAPE)
    label_input = keras.Input(shape=(), dtype="int32")
    log_prob = dist.log_prob(image_input, conditional_input=label_input)
    model = keras.Model(inputs=[image_input, label_input], outputs=log_prob)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2), loss=pixeldist.NegativeLogLikelihood()
    )
    images, labels = _data()
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(16)
    # Keras 3 wants a target with a compiled loss; the loss does not read it.
    before = _weights(dist)
    history = model.fit(ds.map(lambda x, y: ((x, y), y)), epochs=3, verbose=0)
    assert _changed(before, _weights(dist)) == len(before)
    assert history.history["loss"][-1] < history.history["loss"][0]
    np.testing.assert_allclose(
        model.predict((images, labels), verbose=0),
        dist.log_prob(images, conditional_input=labels),
        rtol=1e-5,
    )
    run_model_saving_test(model, (images[:4].astype(np.float32), labels[:4]), tmp_path)


def test_mirrored_strategy_trains():
    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        model = pixeldist.DensityModel(_small_pixelcnn(num_classes=3))
        model.compile(optimizer=keras.optimizers.Adam(1e-2))
    images, labels = _data()
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(16)
    before = _weights(model.distribution)
    history = model.fit(ds, epochs=3, verbose=0)
    assert _changed(before, _weights(model.distribution)) == len(before)
    assert history.history["loss"][-1] < history.history["loss"][0]
