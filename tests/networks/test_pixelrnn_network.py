"""PixelRNNNetwork: causality for any weights, receptive fields, config, saving."""

import numpy as np
import pytest
import tensorflow as tf
from harness import perturb_weights, run_model_saving_test

from pixeldist.layers.diagonal_bilstm import DiagonalBiLSTM
from pixeldist.layers.row_lstm import RowLSTM
from pixeldist.layers.spatial_lstm import SpatialLSTM
from pixeldist.networks.pixelrnn_network import PixelRNNNetwork

CELLS = ["row_lstm", "diagonal_bilstm", "spatial_lstm"]
# (channels, groups): grey; RGB with one group (logistic mixture: no output of
# a pixel sees any of its channels); RGB with R/G/B groups (categorical).
COLOURS = [(1, 1), (3, 1), (3, 3)]


def _network(cell, image_shape, groups, num_layers=2, **kwargs):
    return PixelRNNNetwork(
        image_shape,
        num_outputs=2 * groups,
        num_channel_groups=groups,
        cell=cell,
        num_layers=num_layers,
        num_filters=3,
        **kwargs,
    )


def _allowed(height, width, channels, groups):
    """allowed[i, j, g, i', j', c]: may group g at (i, j) see x[i', j', c]?"""
    allowed = np.zeros((height, width, groups, height, width, channels), bool)
    for i, j, g in np.ndindex(height, width, groups):
        allowed[i, j, g, :i] = True
        allowed[i, j, g, i, :j] = True
        if groups > 1:
            allowed[i, j, g, i, j, :g] = True
    return allowed


def _dependencies(network, x, groups):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        raw = network(x)  # [N, H, W, P]
        per_group = tf.stack(
            [tf.reduce_sum(p, -1) for p in tf.split(raw, groups, axis=-1)], -1
        )  # [N, H, W, G]
    return np.abs(tape.batch_jacobian(per_group, x).numpy()).max(axis=0) > 0


@pytest.mark.parametrize("channels, groups", COLOURS)
@pytest.mark.parametrize("cell", CELLS)
def test_state_carries_no_future(cell, channels, groups):
    """Changing the future of a pixel leaves its outputs unchanged, for perturbed
    weights, two layers and a non-square image.

    For each pixel p and group g, every later pixel and the channels >= g of p
    get new random values; the outputs of group g at p must not move.
    """
    height, width = 3, 5
    network = _network(cell, (height, width, channels), groups)
    perturb_weights(network, 0.5)
    rng = np.random.default_rng(0)
    base = rng.uniform(-1, 1, (height, width, channels)).astype(np.float32)
    cases = list(np.ndindex(height, width, groups))
    edited = np.repeat(base[None], len(cases), axis=0)
    for k, (i, j, g) in enumerate(cases):
        future = np.arange(height * width).reshape(height, width) > i * width + j
        edited[k][future] = rng.uniform(-1, 1, (future.sum(), channels))
        first_hidden = g if groups > 1 else 0
        edited[k, i, j, first_hidden:] = rng.uniform(-1, 1, channels - first_hidden)
    raw = network(np.concatenate([base[None], edited])).numpy()  # [1 + K, H, W, P]
    per_group = raw.reshape(*raw.shape[:3], groups, -1)
    for k, (i, j, g) in enumerate(cases):
        np.testing.assert_allclose(
            per_group[1 + k, i, j, g], per_group[0, i, j, g], atol=1e-5
        )
    # ... while changing the past moves them (the check can fail).
    moved = [
        not np.allclose(per_group[1 + k, -1, -1], per_group[0, -1, -1])
        for k in range(3)
    ]
    assert any(moved)


def _diagonal_blind_spot(height, width, channels, groups):
    """blind[i, j, g, i', j', c]: the earlier inputs a Diagonal BiLSTM network misses.

    The last pixel of row i - 1 reaches row i only through the 7×7 mask-A
    input convolution (columns >= W - 4): the right-to-left sweep that carries
    row i - 1 leftwards reads the input convolution's features of row i - 1,
    and mask A keeps channel C - 1 (every channel without R/G/B groups) of
    x[i - 1, W - 1] out of all of them (nothing lies to its right).
    """
    blind = np.zeros((height, width, groups, height, width, channels), bool)
    for i in range(1, height):
        blind[i, : width - 4, :, i - 1, width - 1, groups - 1 :] = True
    return blind


@pytest.mark.parametrize(
    "cell, channels, groups",
    [
        ("row_lstm", 3, 3),
        ("diagonal_bilstm", 3, 1),
        ("diagonal_bilstm", 3, 3),
        ("spatial_lstm", 1, 1),
        ("spatial_lstm", 3, 1),
        ("spatial_lstm", 3, 3),
    ],
)
def test_autoregressive_by_gradients(cell, channels, groups):
    """Two layers on a non-square image: no output sees its future, the
    Diagonal BiLSTM network sees all of its past but the last pixel of the
    previous row from far left (see `_diagonal_blind_spot`), and the spatial
    LSTM network all of its past."""
    height, width = 4, 6
    network = _network(cell, (height, width, channels), groups)
    if cell == "spatial_lstm":
        # With zero biases, group g of the first pixel is a function of its
        # channels < g alone, of one sign over all samples at some ReLUs: a
        # fresh network can lose that dependence (seen: G on R at (0, 0)).
        perturb_weights(network, 0.5)
    x = np.random.default_rng(1).uniform(-1, 1, (16, height, width, channels))
    depends = _dependencies(network, x.astype(np.float32), groups)
    allowed = _allowed(height, width, channels, groups)
    assert not np.any(depends & ~allowed), np.argwhere(depends & ~allowed)[:5]
    if cell == "diagonal_bilstm":
        blind = _diagonal_blind_spot(height, width, channels, groups)
        np.testing.assert_array_equal(depends, allowed & ~blind)
    if cell == "spatial_lstm":
        np.testing.assert_array_equal(depends, allowed)
        assert depends[1, 0, -1, 0, width - 1].all()  # up and to the far right


def test_receptive_fields_of_the_two_cells():
    """One layer on a wide image. Diagonal BiLSTM: the last pixel depends on
    every earlier pixel, and the first pixel of the last row on the far
    top-right one. Row LSTM: the receptive field is a triangle (widened by the
    7×7 input convolution), with a blind spot to the upper right."""
    height, width = 5, 12
    x = (
        np.random.default_rng(2)
        .uniform(-1, 1, (16, height, width, 1))
        .astype(np.float32)
    )
    allowed = _allowed(height, width, 1, 1)
    diagonal = _dependencies(
        _network("diagonal_bilstm", (height, width, 1), 1, 1), x, 1
    )
    np.testing.assert_array_equal(diagonal[-1, -1], allowed[-1, -1])
    blind = _diagonal_blind_spot(height, width, 1, 1)
    np.testing.assert_array_equal(diagonal, allowed & ~blind)
    assert diagonal[-1, 0, 0, 0, -1, 0]
    row = _dependencies(_network("row_lstm", (height, width, 1), 1, 1), x, 1)
    assert not np.any(row & ~allowed)
    # Row i - d is seen up to column j + d + 2: the triangle reaches column
    # j + d - 1 of the features of row i - d + 1, which see 3 columns further.
    for d in range(1, height):
        seen = np.flatnonzero(row[-1, 0, 0, height - 1 - d, :, 0])
        assert seen.max() == min(d + 2, width - 1), (d, seen)
    assert not row[-1, 0, 0, 0, -1, 0]


@pytest.mark.parametrize("cell", CELLS)
def test_layers_and_shapes(cell):
    network = _network(cell, (3, 4, 3), 3, num_classes=5)
    lstm = {
        "row_lstm": RowLSTM,
        "diagonal_bilstm": DiagonalBiLSTM,
        "spatial_lstm": SpatialLSTM,
    }[cell]
    assert sum(isinstance(layer, lstm) for layer in network.layers) == 2
    images = np.zeros((2, 3, 4, 3), np.float32)
    assert network([images, np.array([0, 4])]).shape == (2, 3, 4, 6)


def test_unknown_cell():
    with pytest.raises(ValueError, match="cell"):
        _network("gru", (3, 3, 1), 1)


def test_the_label_changes_the_gates():
    network = _network("diagonal_bilstm", (3, 3, 1), 1, num_classes=3)
    perturb_weights(network, 0.5)
    images = np.zeros((2, 3, 3, 1), np.float32)
    out = network([images, np.array([0, 2])]).numpy()
    assert not np.allclose(out[0], out[1])


@pytest.mark.parametrize("cell", CELLS)
def test_config_round_trip_and_saving(cell, tmp_path):
    network = _network(cell, (3, 4, 1), 1, conditional_shape=(2,), name="net")
    perturb_weights(network, 0.3)
    config = network.get_config()
    clone = PixelRNNNetwork.from_config(config)
    assert clone.get_config() == config
    clone.set_weights(network.get_weights())
    rng = np.random.default_rng(3)
    inputs = [rng.uniform(-1, 1, (2, 3, 4, 1)), rng.normal(size=(2, 2))]
    inputs = [v.astype(np.float32) for v in inputs]
    np.testing.assert_array_equal(clone(inputs), network(inputs))
    run_model_saving_test(network, inputs, tmp_path)
