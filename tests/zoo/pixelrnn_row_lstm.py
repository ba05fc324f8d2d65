"""Tiny PixelRNN with Row LSTM layers for the parameterized model suite."""

from pixeldist.distributions.pixelrnn import PixelRNN

NAME = "pixelrnn_row_lstm"


def factory(**kwargs):
    return PixelRNN(cell="row_lstm", num_layers=1, num_filters=6, **kwargs)
