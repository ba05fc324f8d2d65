"""TwoLevelVQVAE: two code maps, priors for both levels, saving."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import all_images, perturb_weights, run_model_saving_test

from pixeldist.data import digits_arrays
from pixeldist.latent.code_prior import code_prior
from pixeldist.latent.two_level_vq_vae import TwoLevelVQVAE


def _small(**kwargs):
    options = dict(
        image_shape=(8, 8, 1), high=16, num_codes=6, code_size=4, num_filters=8
    )
    return TwoLevelVQVAE(**{**options, **kwargs})


def test_codes_images_and_both_losses():
    vq_vae = _small()
    images, _ = digits_arrays("test")
    top, bottom = (c.numpy() for c in vq_vae.encode(images[:5]))
    assert vq_vae.top_code_map_shape == (2, 2) and vq_vae.code_map_shape == (4, 4)
    assert top.shape == (5, 2, 2) and bottom.shape == (5, 4, 4)
    assert top.dtype == bottom.dtype == np.int32
    assert 0 <= min(top.min(), bottom.min()) and max(top.max(), bottom.max()) < 6
    decoded = vq_vae.decode(top[..., None].astype(np.float32), bottom).numpy()
    assert decoded.shape == (5, 8, 8, 1) and 0 <= decoded.min() <= decoded.max() <= 16
    np.testing.assert_array_equal(decoded, np.round(decoded))
    np.testing.assert_array_equal(vq_vae.reconstruct(images[:5]), decoded)
    vq_vae(images[:5].astype(np.float32))
    assert len(vq_vae.losses) == 2  # one per quantizer


def test_the_decoder_reads_the_top_codes():
    vq_vae = _small()
    perturb_weights(vq_vae, 0.3)
    bottom = np.zeros((6, 4, 4), np.int32)
    top = np.arange(6)[:, None, None] * np.ones((1, 2, 2), np.int32)
    decoded = vq_vae.decode(top, bottom).numpy()
    assert len({d.tobytes() for d in decoded}) > 1


def test_fit_trains_both_codebooks_and_save_load_round_trip(tmp_path):
    images, labels = digits_arrays("train")
    vq_vae = _small()
    vq_vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    before = [vq_vae.top_quantizer.codebook.numpy(), vq_vae.quantizer.codebook.numpy()]
    history = vq_vae.fit(images[:128], labels[:128], batch_size=64, verbose=0)
    assert {"reconstruction_loss", "vq_loss"} <= set(history.history)
    after = [vq_vae.top_quantizer.codebook.numpy(), vq_vae.quantizer.codebook.numpy()]
    assert all(not np.allclose(b, a) for b, a in zip(before, after, strict=True))
    loaded = run_model_saving_test(
        vq_vae,
        images,
        tmp_path,
        compare_fn=lambda m: np.concatenate(
            [
                m.encode(images)[1].numpy().reshape(-1),
                m.reconstruct(images).numpy().reshape(-1),
            ]
        ),
    )
    assert isinstance(loaded, TwoLevelVQVAE)
    np.testing.assert_array_equal(loaded.encode(images)[0], vq_vae.encode(images)[0])


def test_bottom_prior_conditioned_on_top_codes_and_labels_normalizes():
    """On 4x4 images (downsampling 2) the bottom maps are 2x2 (81 of them
    with 3 codes) and the top maps 1x1: exp(log_prob) sums to 1 over every
    bottom map for each (top code, label) condition."""
    vq_vae = _small(image_shape=(4, 4, 1), high=3, num_codes=3)
    assert vq_vae.bottom_condition_shape(2) == (1, 1, 5)
    prior = code_prior(
        vq_vae,
        "gated_pixelcnn",
        conditional_shape=vq_vae.bottom_condition_shape(2),
        num_layers=1,
        num_filters=8,
    )
    perturb_weights(prior, 0.3)
    code_maps = all_images((2, 2, 1), 0, 2)  # every bottom map, [81, 2, 2, 1]
    totals = []
    for top_code, label in [(0, 0), (2, 0), (2, 1)]:
        condition = vq_vae.bottom_condition(
            np.full((81, 1, 1), top_code), np.full(81, label), num_classes=2
        )
        np.testing.assert_array_equal(
            condition[0, 0, 0], np.eye(3)[top_code].tolist() + np.eye(2)[label].tolist()
        )
        log_prob = np.asarray(prior.log_prob(code_maps, conditional_input=condition))
        assert abs(np.exp(tf.reduce_logsumexp(log_prob.astype(np.float64))) - 1) < 1e-4
        totals.append(log_prob)
    assert not np.allclose(totals[0], totals[1], atol=1e-3)  # the top codes matter
    assert not np.allclose(totals[1], totals[2], atol=1e-3)  # the label matters


def test_top_prior_has_the_top_shape():
    vq_vae = _small()
    prior = code_prior(
        vq_vae, code_map_shape=vq_vae.top_code_map_shape, num_classes=10, num_layers=1
    )
    assert tuple(prior.event_shape) == (2, 2, 1) and prior.high == 5


def test_odd_bottom_maps_are_refused():
    with pytest.raises(ValueError, match="even"):
        _small(image_shape=(6, 6, 1))
    with pytest.raises(ValueError, match="num_classes"):
        _small().bottom_condition(np.zeros((1, 2, 2)), labels=np.zeros(1))
