"""Tiny PixelRNN with spatial LSTM layers for the parameterized model suite."""

from pixeldist.distributions.pixelrnn import PixelRNN

NAME = "pixelrnn_spatial_lstm"


def factory(**kwargs):
    return PixelRNN(cell="spatial_lstm", num_layers=1, num_filters=6, **kwargs)
