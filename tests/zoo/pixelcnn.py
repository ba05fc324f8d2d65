"""Tiny PixelCNN for the parameterized model suite."""

import pixeldist

NAME = "pixelcnn"


def factory(**kwargs):
    return pixeldist.PixelCNN(num_layers=1, num_filters=12, **kwargs)
