"""VQVAE: shapes and ranges of codes and images, the loss, training, saving."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import scipy.special
import tensorflow as tf
from harness import run_model_saving_test

from pixeldist.data import digits_arrays
from pixeldist.latent.vq_vae import VQVAE


def _small(**kwargs):
    options = dict(
        image_shape=(8, 8, 1), high=16, num_codes=8, code_size=4, num_filters=8
    )
    return VQVAE(**{**options, **kwargs})


@pytest.mark.parametrize(
    "image_shape, downsampling, low, high",
    [((8, 8, 1), 2, 0, 16), ((8, 4, 3), 4, 1, 4), ((4, 4, 1), 1, 0, 1)],
)
def test_encode_and_decode_shapes_and_ranges(image_shape, downsampling, low, high):
    vq_vae = _small(
        image_shape=image_shape, downsampling=downsampling, low=low, high=high
    )
    height, width, _ = image_shape
    rng = np.random.default_rng(0)
    images = rng.integers(low, high + 1, (5, *image_shape)).astype(np.float32)
    codes = vq_vae.encode(images).numpy()
    assert vq_vae.code_map_shape == (height // downsampling, width // downsampling)
    assert codes.dtype == np.int32 and codes.shape == (5, *vq_vae.code_map_shape)
    assert codes.min() >= 0 and codes.max() < 8
    every_code = np.arange(5 * codes[0].size).reshape(codes.shape) % 8
    decoded = vq_vae.decode(every_code).numpy()
    assert decoded.dtype == np.float32 and decoded.shape == images.shape
    assert decoded.min() >= low and decoded.max() <= high
    np.testing.assert_array_equal(decoded, np.round(decoded))
    # Code maps as the prior samples them, [N, h, w, 1] floats, decode alike.
    np.testing.assert_array_equal(
        vq_vae.decode(every_code[..., None].astype(np.float32)), decoded
    )
    np.testing.assert_array_equal(
        vq_vae.reconstruct(images), vq_vae.decode(vq_vae.encode(images))
    )


def test_loss_is_categorical_reconstruction_plus_the_quantizer_loss():
    vq_vae = _small(low=1, high=5)
    images = np.random.default_rng(1).integers(1, 6, (3, 8, 8, 1)).astype(np.float32)
    logits = vq_vae(images)  # [3, 8, 8, 1, 5]
    assert logits.shape == (3, 8, 8, 1, 5)
    (vq_loss,) = vq_vae.losses
    log_probs = scipy.special.log_softmax(np.asarray(logits, np.float64), axis=-1)
    levels = images.astype(int) - 1
    nll = -np.take_along_axis(log_probs, levels[..., None], -1).mean()
    loss = vq_vae.compute_loss(images, None, logits, training=False)
    np.testing.assert_allclose(loss, nll + float(vq_loss), rtol=1e-5)
    assert float(vq_loss) > 0


def test_reconstruction_gradient_reaches_the_encoder_through_the_quantizer():
    vq_vae = _small()
    images, _ = digits_arrays("test")
    with tf.GradientTape() as tape:
        logits = vq_vae(images[:16].astype(np.float32), training=True)
        reconstruction = tf.reduce_mean(
            keras.losses.sparse_categorical_crossentropy(
                images[:16].astype(np.int32), logits, from_logits=True
            )
        )
    gradients = tape.gradient(reconstruction, vq_vae.encoder.trainable_weights)
    assert all(g is not None and np.abs(g).max() > 0 for g in gradients)


def test_fit_on_pairs_and_on_images_reports_both_losses_and_learns():
    images, labels = digits_arrays("train")
    images, labels = images[:256], labels[:256]
    keras.utils.set_random_seed(0)
    vq_vae = _small(num_filters=32, num_codes=16)
    vq_vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    pairs = tf.data.Dataset.from_tensor_slices((images, labels)).batch(64)
    before = vq_vae.evaluate(pairs, verbose=0, return_dict=True)
    history = vq_vae.fit(pairs, epochs=6, verbose=0).history
    assert {"loss", "reconstruction_loss", "vq_loss"} <= set(history)
    after = vq_vae.evaluate(pairs, verbose=0, return_dict=True)
    assert after["reconstruction_loss"] < 0.8 * before["reconstruction_loss"]
    # One batch: the reported loss is the sum of the two reported terms.
    one = vq_vae.fit(images[:64], epochs=1, batch_size=64, verbose=0).history
    np.testing.assert_allclose(
        one["loss"][0], one["reconstruction_loss"][0] + one["vq_loss"][0], rtol=1e-5
    )
    # Data initialization leaves no code dead on the training digits.
    assert len(np.unique(vq_vae.encode(images).numpy())) >= 12


def test_save_and_load_give_identical_codes_and_reconstructions(tmp_path):
    images, _ = digits_arrays("test")
    vq_vae = _small()
    vq_vae.compile(optimizer="adam")
    vq_vae.fit(images[:32], epochs=1, batch_size=32, verbose=0)
    loaded = run_model_saving_test(
        vq_vae, images, tmp_path, compare_fn=lambda m: m.encode(images)
    )
    assert isinstance(loaded, VQVAE)
    assert loaded.get_config() == vq_vae.get_config()
    np.testing.assert_array_equal(
        loaded.reconstruct(images), vq_vae.reconstruct(images)
    )
    np.testing.assert_array_equal(
        loaded.quantizer.initialized.numpy(), vq_vae.quantizer.initialized.numpy()
    )
    # It comes back compiled, with the optimizer's state.
    assert int(loaded.optimizer.iterations.numpy()) == 1
    for mine, theirs in zip(
        vq_vae.optimizer.variables, loaded.optimizer.variables, strict=True
    ):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_a_loss_is_refused_at_compile():
    with pytest.raises(ValueError, match="loss"):
        _small().compile(optimizer="adam", loss="mse")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"image_shape": (8, 8)}, "image_shape"),
        ({"high": 0}, "high"),
        ({"downsampling": 3}, "power of 2"),
        ({"downsampling": 16}, "divide"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _small(**kwargs)


def test_code_maps_with_several_channels_are_refused():
    with pytest.raises(ValueError, match="Code maps"):
        _small().decode(np.zeros((1, 4, 4, 2), np.int32))
