"""Gate masks, gate biases and the LSTM update shared by the PixelRNN cells."""

import numpy as np
import pytest
from scipy.special import expit

from pixeldist.layers.causal_mask import causal_conv_mask, channel_group
from pixeldist.layers.lstm_gates import (
    gate_bias_initializer,
    gate_conv_mask,
    lstm_update,
)


@pytest.mark.parametrize("blocks, groups", [(1, 1), (1, 3), (2, 3)])
def test_every_gate_of_a_unit_gets_the_unit_mask(blocks, groups):
    units, in_channels = 5, 6
    mask = gate_conv_mask((1, 3), in_channels, units, blocks, groups)
    assert mask.shape == (1, 3, in_channels, blocks * 4 * units)
    unit_mask = causal_conv_mask((1, 3), in_channels, units, "B", groups)
    for gate in range(blocks * 4):
        np.testing.assert_array_equal(
            mask[..., gate * units : (gate + 1) * units], unit_mask
        )
    # At the centre, gate k of unit u reads input features of groups <= u's.
    g_in = channel_group(np.arange(in_channels), in_channels, groups)
    g_unit = channel_group(np.arange(units), units, groups)
    centre = mask[0, 1].reshape(in_channels, blocks * 4, units)
    np.testing.assert_array_equal(
        centre,
        np.broadcast_to((g_in[:, None] <= g_unit[None, :])[:, None], centre.shape),
    )


@pytest.mark.parametrize("blocks", [1, 2])
def test_forget_gate_bias_starts_at_one(blocks):
    units = 3
    bias = np.asarray(gate_bias_initializer(units)((blocks * 4 * units,), "float32"))
    expected = np.zeros((blocks, 4, units), np.float32)
    expected[:, 1] = 1.0  # (i, f, o, g)
    np.testing.assert_array_equal(bias, expected.reshape(-1))


def test_lstm_update_matches_the_equations():
    rng = np.random.default_rng(0)
    gates = rng.normal(size=(2, 3, 8)).astype(np.float32)
    cell = rng.normal(size=(2, 3, 2)).astype(np.float32)
    i, f, o, g = np.split(gates, 4, axis=-1)
    expected_cell = expit(f) * cell + expit(i) * np.tanh(g)
    expected_hidden = expit(o) * np.tanh(expected_cell)
    hidden, new_cell = lstm_update(gates, cell)
    np.testing.assert_allclose(new_cell, expected_cell, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hidden, expected_hidden, rtol=1e-5, atol=1e-6)
