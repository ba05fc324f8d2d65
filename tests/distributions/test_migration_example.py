"""The README's "Migrating from tfd.PixelCNN" example, run with tiny sizes.

Each test is one code block of that section (tfd.PixelCNN's documented
example rewritten for pixeldist and Keras 3) with only these changes: TFDS
is mocked (`tfds.testing.mock_data`, no download), the 28×28 images are
cropped to 8×8, the models are smaller (`num_resnet=0`, `num_filters=4`),
training runs on two batches, and fewer samples are drawn.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

import pixeldist

TINY = dict(num_resnet=0, num_filters=4)


def _crop(image):
    return image[10:18, 10:18]  # 28×28 -> 8×8, tests only


def test_unconditional_density_model():
    with tfds.testing.mock_data(num_examples=32):
        # --- README block 1 ------------------------------------------------
        train_data, test_data = tfds.load("mnist", split=["train", "test"])

        def image_preprocess(x):
            return _crop(x["image"])  # images only: DensityModel needs no target

        batch_size = 16
        train_it = train_data.map(image_preprocess).shuffle(1000).batch(batch_size)

        image_shape = (8, 8, 1)  # README: (28, 28, 1)
        dist = pixeldist.PixelCNNPlusPlus(
            image_shape=image_shape,
            num_hierarchies=2,
            num_logistic_mix=5,
            dropout_p=0.3,
            **TINY,  # README: num_resnet=1, num_filters=32
        )
        model = pixeldist.DensityModel(dist)
        model.compile(optimizer=keras.optimizers.Adam(0.001))
        history = model.fit(train_it.take(2), epochs=1, verbose=0)  # README: epochs=10

        samples = dist.sample(5, seed=0)
        # --- end of block ----------------------------------------------------
    assert np.isfinite(history.history["loss"][0])
    assert set(history.history) == {"loss", "bits_per_dim"}
    assert samples.shape == (5, *image_shape)
    values = samples.numpy()
    assert values.min() >= 0 and values.max() <= 255
    np.testing.assert_array_equal(values, np.round(values))


def test_class_conditional_functional_model(tmp_path):
    with tfds.testing.mock_data(num_examples=32):
        # --- README block 2 ------------------------------------------------
        train_data, test_data = tfds.load("mnist", split=["train", "test"])

        def image_preprocess(x):
            # Keras 3's fit needs a target when a loss is compiled: the labels
            # serve (NegativeLogLikelihood does not read it).
            return (_crop(x["image"]), x["label"]), x["label"]

        batch_size = 16
        train_ds = train_data.map(image_preprocess).shuffle(1000).batch(batch_size)

        image_shape = (8, 8, 1)  # README: (28, 28, 1)
        dist = pixeldist.PixelCNNPlusPlus(
            image_shape=image_shape,
            num_classes=10,  # TFP: conditional_shape=() with float labels
            num_hierarchies=2,
            num_logistic_mix=5,
            dropout_p=0.3,
            **TINY,  # README: num_resnet=1, num_filters=32
        )

        image_input = keras.Input(shape=image_shape)
        label_input = keras.Input(shape=(), dtype="int32")
        log_prob = dist.log_prob(image_input, conditional_input=label_input)

        class_cond_model = keras.Model(
            inputs=[image_input, label_input], outputs=log_prob
        )
        class_cond_model.compile(
            optimizer=keras.optimizers.Adam(), loss=pixeldist.NegativeLogLikelihood()
        )
        history = class_cond_model.fit(train_ds.take(2), epochs=1, verbose=0)

        # Take 2 samples of the digit '5' (README: 10).
        samples = dist.sample(2, conditional_input=5, seed=1)
        # Take 1 sample each of the digits '1', '2', '3' (README: 4 each):
        # the trailing dimension of the sample shape matches the labels.
        samples_123 = dist.sample((1, 3), conditional_input=[1, 2, 3], seed=2)

        class_cond_model.save(tmp_path / "mnist.keras")
        loaded = keras.models.load_model(tmp_path / "mnist.keras")
        # --- end of block ----------------------------------------------------
    assert np.isfinite(history.history["loss"][0])
    assert samples.shape == (2, *image_shape)
    assert samples_123.shape == (1, 3, *image_shape)
    images, labels = next(iter(train_ds.take(1)))[0]
    np.testing.assert_allclose(
        loaded.predict((images, labels), verbose=0),
        dist.log_prob(images, conditional_input=labels),
        rtol=1e-5,
    )
    # The loss is the mean negative log-likelihood of the batch.
    expected = -tf.reduce_mean(dist.log_prob(images, conditional_input=labels))
    result = class_cond_model.evaluate((images, labels), labels, verbose=0)
    np.testing.assert_allclose(result, expected, rtol=1e-5)
