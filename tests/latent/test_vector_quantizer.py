"""VectorQuantizer: nearest codes, straight-through gradients, the VQ loss."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from harness import run_layer_test

from pixeldist.latent.vector_quantizer import VectorQuantizer

# A hand-computed case: 3 codes in 2-d, two encoder outputs at one position row.
CODEBOOK = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]], np.float32)  # [K=3, D=2]
Z = np.array([[[[0.5, 0.2], [1.6, 0.1]]]], np.float32)  # [1, 1, 2, 2]


def _quantizer(codebook=CODEBOOK, **kwargs):
    quantizer = VectorQuantizer(*codebook.shape, **kwargs)
    quantizer.build((None, None, None, codebook.shape[1]))
    quantizer.codebook.assign(codebook)
    return quantizer


def test_codes_are_the_nearest_codebook_entries():
    rng = np.random.default_rng(0)
    codebook = rng.normal(size=(7, 3)).astype(np.float32)
    z = rng.normal(size=(4, 3, 5, 3)).astype(np.float32)
    quantizer = _quantizer(codebook)
    distances = ((z[..., None, :] - codebook) ** 2).sum(-1)  # [4, 3, 5, 7]
    codes = quantizer.codes(z).numpy()
    assert codes.dtype == np.int32 and codes.shape == (4, 3, 5)
    np.testing.assert_array_equal(codes, distances.argmin(-1))
    np.testing.assert_array_equal(quantizer.embed(codes), codebook[codes])
    np.testing.assert_allclose(quantizer(z), codebook[codes], atol=1e-6)


def test_hand_computed_codes_loss_and_gradients():
    # Nearest: (0.5, 0.2) -> e0 = (0, 0); (1.6, 0.1) -> e1 = (2, 0).
    # Squared distances 0.29 and 0.17: mean over 4 elements 0.115 for both the
    # codebook and the commitment terms, so L = 0.115 * (1 + 0.25).
    quantizer = _quantizer(commitment_cost=0.25)
    np.testing.assert_array_equal(quantizer.codes(Z), [[[0, 1]]])
    z = tf.constant(Z)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(z)
        quantizer(z)
        (loss,) = quantizer.losses
    np.testing.assert_allclose(loss, 0.115 * 1.25, rtol=1e-6)
    # dL/de_k = 2 (e_k - z) / 4 over the positions choosing k; e2 is unused.
    np.testing.assert_allclose(
        tf.convert_to_tensor(tape.gradient(loss, quantizer.codebook)),
        [[-0.25, -0.1], [0.2, -0.05], [0.0, 0.0]],
        atol=1e-6,
    )
    # dL/dz = beta * 2 (z - e) / 4.
    np.testing.assert_allclose(
        tape.gradient(loss, z), [[[[0.0625, 0.025], [-0.05, 0.0125]]]], atol=1e-6
    )


def test_straight_through_gradient_is_the_identity():
    rng = np.random.default_rng(1)
    z = tf.constant(rng.normal(size=(2, 3, 3, 4)).astype(np.float32))
    upstream = tf.constant(rng.normal(size=(2, 3, 3, 4)).astype(np.float32))
    quantizer = VectorQuantizer(5, 4)
    with tf.GradientTape() as tape:
        tape.watch(z)
        z_q = quantizer(z)
        reconstruction_path = tf.reduce_sum(upstream * z_q)
    np.testing.assert_allclose(tape.gradient(reconstruction_path, z), upstream)
    # ... while the value is the quantized map, not z.
    np.testing.assert_allclose(z_q, quantizer.embed(quantizer.codes(z)), atol=1e-6)
    assert not np.allclose(z_q, z)


def test_layer_harness():
    data = np.random.default_rng(2).normal(size=(4, 2, 2, 3)).astype(np.float32)
    run_layer_test(
        VectorQuantizer,
        {"num_codes": 5, "code_size": 3, "commitment_cost": 0.5},
        data,
        (4, 2, 2, 3),
        step_input=None,
    )


def test_data_initialization_takes_encoder_outputs_once_in_training():
    z = np.random.default_rng(3).normal(size=(2, 2, 2, 3)).astype(np.float32)
    quantizer = VectorQuantizer(4, 3, initialize_from_data=True)
    quantizer(z)  # inference: no initialization
    untouched = quantizer.codebook.numpy().copy()
    assert np.abs(untouched).max() <= 1 / 4
    quantizer(z, training=True)
    rows = z.reshape(-1, 3)
    first = quantizer.codebook.numpy().copy()
    assert all(np.isclose(rows, entry, atol=1e-6).all(-1).any() for entry in first)
    quantizer(z + 10.0, training=True)  # once only
    np.testing.assert_array_equal(quantizer.codebook.numpy(), first)
    # Every code is some encoder output's nearest entry: none starts dead.
    assert len(np.unique(quantizer.codes(z).numpy())) == 4


def test_data_initialization_survives_a_config_round_trip():
    quantizer = VectorQuantizer(4, 3, initialize_from_data=True, commitment_cost=0.1)
    clone = VectorQuantizer.from_config(quantizer.get_config())
    assert clone.initialize_from_data and clone.commitment_cost == 0.1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_codes": 0, "code_size": 2}, "positive"),
        ({"num_codes": 2, "code_size": 2, "commitment_cost": -1.0}, "commitment"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        VectorQuantizer(**kwargs)


def test_wrong_code_size_is_a_clear_error():
    with pytest.raises(ValueError, match="code_size"):
        VectorQuantizer(4, 3)(np.zeros((1, 2, 2, 5), np.float32))


def test_registered_for_loading():
    assert keras.saving.get_registered_object("pixeldist>VectorQuantizer") is (
        VectorQuantizer
    )
