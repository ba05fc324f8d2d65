"""The PixelCNN network of van den Oord et al. (2016), with masked convolutions."""

from __future__ import annotations

import keras

from pixeldist.layers.conditional_bias import ConditionalBias
from pixeldist.layers.masked_conv2d import MaskedConv2D
from pixeldist.networks.image_network import (
    ImageNetwork,
    check_integer,
    check_num_filters,
)
from pixeldist.networks.network_inputs import condition_features, network_inputs


@keras.saving.register_keras_serializable(package="pixeldist")
class PixelCNNNetwork(ImageNetwork):
    """Maps an image (and a condition) to per-pixel likelihood parameters.

    Architecture (Pixel Recurrent Neural Networks, Table 1 and Figure 5):

    - a `first_kernel_size` mask-A convolution to `num_filters` = 2h features;
    - `num_layers` residual blocks: ReLU, 1×1 mask B (2h→h), ReLU,
      `kernel_size` mask B (h→h), ReLU, 1×1 mask B (h→2h), plus the input;
    - ReLU, 1×1 mask B (2h→2h), ReLU, 1×1 mask B (2h→`num_outputs`).

    Every convolution is masked in its forward pass and, with
    `num_channel_groups = C`, splits its features into R/G/B groups so that
    outputs of group c see the current pixel's channels < c only. A
    conditional model adds `ConditionalBias(h)` after every convolution.

    Inputs: `image [batch, H, W, C]` scaled to [-1, 1], and `label [batch]`
    (int), `condition [batch, d]` (float) or a condition map
    `[batch, h, w, c]` (read through `SpatialCondition`) when conditional.
    Output: `[batch, H, W, num_outputs]`.
    """

    def __init__(
        self,
        image_shape,
        num_outputs: int,
        num_channel_groups: int = 1,
        num_layers: int = 7,
        num_filters: int = 64,
        kernel_size: int = 3,
        first_kernel_size: int = 7,
        num_classes: int | None = None,
        conditional_shape=None,
        dtype=None,
        **kwargs,
    ):
        arguments = dict(locals())
        num_layers = check_integer("num_layers", num_layers, 0)
        num_filters = check_num_filters(num_filters, num_channel_groups)
        kernel_size = check_integer("kernel_size", kernel_size, 1, odd=True)
        first_kernel_size = check_integer(
            "first_kernel_size", first_kernel_size, 1, odd=True
        )
        image, condition = network_inputs(
            image_shape, num_classes, conditional_shape, dtype
        )
        terms = condition_features(condition, image_shape, num_filters, dtype)
        groups = num_channel_groups
        half = max(num_filters // 2, groups)

        def conv(x, filters, size, mask_type="B"):
            x = MaskedConv2D(filters, size, mask_type, groups, dtype=dtype)(x)
            if condition is not None:
                bias = ConditionalBias(filters, num_classes, dtype=dtype)(terms)
                x = keras.layers.Add(dtype=dtype)([x, bias])
            return x

        def relu(x):
            return keras.layers.ReLU(dtype=dtype)(x)

        x = conv(image, num_filters, first_kernel_size, "A")  # [B, H, W, 2h]
        for _ in range(num_layers):
            y = conv(relu(x), half, 1)
            y = conv(relu(y), half, kernel_size)
            y = conv(relu(y), num_filters, 1)
            x = keras.layers.Add(dtype=dtype)([x, y])
        x = conv(relu(x), num_filters, 1)
        outputs = MaskedConv2D(num_outputs, 1, "B", groups, dtype=dtype)(relu(x))
        inputs = [image] if condition is None else [image, condition]
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self._keep_arguments(arguments)
