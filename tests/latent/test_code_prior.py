"""code_prior and encode_dataset: a pixeldist prior over a VQ-VAE's code maps."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from harness import all_images, perturb_weights

import pixeldist.distributions as distributions
from pixeldist.latent.code_prior import code_prior, encode_dataset
from pixeldist.latent.vq_vae import VQVAE


def _vq_vae(num_codes=3):
    return VQVAE((4, 4, 1), high=3, num_codes=num_codes, code_size=2, num_filters=4)


def test_the_prior_is_a_categorical_over_the_codes_read_as_one_hot():
    prior = code_prior(_vq_vae(5), num_classes=4, num_layers=1, num_filters=8)
    assert isinstance(prior, distributions.PixelCNN)
    assert tuple(prior.event_shape) == (2, 2, 1)
    assert (prior.low, prior.high) == (0, 4)
    assert prior.likelihood == "categorical"
    assert prior.input_encoding == "one_hot"
    assert prior.num_classes == 4


@pytest.mark.parametrize(
    "model, cls",
    [
        ("gated_pixelcnn", distributions.GatedPixelCNN),
        ("row_lstm", distributions.PixelRNN),
        (distributions.GatedPixelCNN, distributions.GatedPixelCNN),
    ],
)
def test_models_by_name_or_class(model, cls):
    prior = code_prior(_vq_vae(), model, num_layers=1, num_filters=4)
    assert type(prior) is cls and tuple(prior.event_shape) == (2, 2, 1)


def test_pixelsnail_prior():
    """VQ-VAE-2's prior: PixelSNAIL over one-hot codes."""
    prior = code_prior(
        _vq_vae(), "pixelsnail", num_blocks=1, num_resnet=0, num_filters=4,
        key_channels=4, value_channels=4,
    )  # fmt: skip
    assert type(prior) is distributions.PixelSNAIL
    assert (prior.likelihood, prior.input_encoding) == ("categorical", "one_hot")
    perturb_weights(prior, 0.3)
    code_maps = all_images((2, 2, 1), 0, 2)  # [81, 2, 2, 1]
    total = float(tf.reduce_logsumexp(tf.cast(prior.log_prob(code_maps), tf.float64)))
    assert abs(np.exp(total) - 1.0) < 1e-4


def test_class_conditional_prior_normalizes_over_every_code_map():
    """exp(log_prob) over all 3^4 code maps of 2x2 with 3 codes sums to 1."""
    prior = code_prior(
        _vq_vae(3), "gated_pixelcnn", num_classes=2, num_layers=1, num_filters=8
    )
    perturb_weights(prior, 0.3)
    code_maps = all_images((2, 2, 1), 0, 2)  # [81, 2, 2, 1]
    totals = []
    for label in (0, 1):
        log_prob = prior.log_prob(code_maps, conditional_input=np.full(81, label))
        totals.append(np.asarray(log_prob, np.float64))
        total = float(tf.reduce_logsumexp(totals[-1]))
        assert abs(np.exp(total) - 1.0) < 1e-4, (label, np.exp(total))
    assert not np.allclose(totals[0], totals[1], atol=1e-3)  # the label matters


def test_samples_are_code_maps_the_vq_vae_decodes():
    vq_vae = _vq_vae(3)
    prior = code_prior(vq_vae, num_classes=2, num_layers=1, num_filters=4)
    # The reference sampler: quick to trace (the cached one is tested with
    # every model's property suite, and runs in the example's test).
    code_maps = prior.sample(
        4, seed=1, conditional_input=np.array([0, 1, 0, 1]), method="naive"
    )
    assert code_maps.shape == (4, 2, 2, 1)
    assert set(np.unique(code_maps)) <= {0.0, 1.0, 2.0}
    images = vq_vae.decode(code_maps).numpy()
    assert images.shape == (4, 4, 4, 1) and images.max() <= 3 and images.min() >= 0


def test_encode_dataset_keeps_labels_and_order():
    vq_vae = _vq_vae(3)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 4, (7, 4, 4, 1)).astype(np.uint8)
    labels = np.arange(7)
    pairs = encode_dataset(
        vq_vae, tf.data.Dataset.from_tensor_slices((images, labels)), batch_size=3
    )
    code_maps, got_labels = (
        np.stack(x) for x in zip(*pairs.as_numpy_iterator(), strict=True)
    )
    expected = vq_vae.encode(images).numpy()[..., None].astype(np.float32)
    assert code_maps.dtype == np.float32 and code_maps.shape == (7, 2, 2, 1)
    np.testing.assert_array_equal(code_maps, expected)
    np.testing.assert_array_equal(got_labels, labels)
    alone = encode_dataset(vq_vae, tf.data.Dataset.from_tensor_slices(images))
    np.testing.assert_array_equal(np.stack(list(alone.as_numpy_iterator())), expected)


def test_arguments_the_vq_vae_sets_are_refused():
    with pytest.raises(ValueError, match="high"):
        code_prior(_vq_vae(), high=7)
    with pytest.raises(ValueError, match="model"):
        code_prior(_vq_vae(), "transformer")
