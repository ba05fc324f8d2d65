"""Tiny PixelCNN++ for the parameterized model suite.

When the image halves evenly: two resolutions and no block on the way down,
so the U-Net still runs its strided and transposed shifted convolutions and
one gated block per stream with skip inputs on the way up. Otherwise one
resolution with one block per stream on each pass (the down-pass blocks,
the vertical one without auxiliary input). Both build 14-15 weight-normalized
layers: the training step of `num_resnet=1, num_hierarchies=2` (36 layers)
takes about four times longer to trace. Small dropout builds the dropout path.
"""

from pixeldist.distributions.pixelcnn_plus_plus import PixelCNNPlusPlus

NAME = "pixelcnn_plus_plus"


def factory(image_shape, **kwargs):
    height, width = image_shape[0], image_shape[1]
    halves = height % 2 == 0 and width % 2 == 0
    return PixelCNNPlusPlus(
        image_shape,
        num_resnet=0 if halves else 1,
        num_hierarchies=2 if halves else 1,
        num_filters=8,
        dropout_p=0.1,
        **kwargs,
    )
