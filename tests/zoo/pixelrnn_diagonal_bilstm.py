"""Tiny PixelRNN with Diagonal BiLSTM layers for the parameterized model suite."""

from pixeldist.distributions.pixelrnn import PixelRNN

NAME = "pixelrnn_diagonal_bilstm"


def factory(**kwargs):
    return PixelRNN(cell="diagonal_bilstm", num_layers=1, num_filters=6, **kwargs)
