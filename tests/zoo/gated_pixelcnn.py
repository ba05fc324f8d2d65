"""Tiny Gated PixelCNN for the parameterized model suite.

Two layers: the first block (vertical window strictly above, horizontal mask A,
no residual) and one later block (mask B, residual), kernel 3.
"""

import pixeldist.distributions.gated_pixelcnn as gated_pixelcnn

NAME = "gated_pixelcnn"


def factory(**kwargs):
    return gated_pixelcnn.GatedPixelCNN(
        num_layers=2, num_filters=6, kernel_size=3, **kwargs
    )
