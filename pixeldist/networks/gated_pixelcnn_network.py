"""The Gated PixelCNN network of van den Oord et al. (2016): no blind spot."""

from __future__ import annotations

import keras

from pixeldist.layers.gated_pixelcnn_block import GatedPixelCNNBlock
from pixeldist.layers.masked_conv2d import MaskedConv2D
from pixeldist.networks.image_network import (
    ImageNetwork,
    check_integer,
    check_num_filters,
)
from pixeldist.networks.network_inputs import condition_features, network_inputs


@keras.saving.register_keras_serializable(package="pixeldist")
class GatedPixelCNNNetwork(ImageNetwork):
    """Maps an image (and a condition) to per-pixel likelihood parameters.

    Architecture (Conditional Image Generation with PixelCNN Decoders, Figure 2):

    - `num_layers` `GatedPixelCNNBlock`s of `num_filters` = p features. The
      first reads the image in both stacks (vertical window strictly above the
      row, horizontal mask A); the later ones carry the vertical stack
      `[N, H, W, p]` and the residual horizontal stack `[N, H, W, p]`. Every
      gate adds the conditional term `V h` when the network is conditional;
    - on the horizontal stack: ReLU, 1×1 mask B (p→p), ReLU, 1×1 mask B
      (p→`num_outputs`), grouped into R/G/B when `num_channel_groups = C`.

    The vertical stack sees every row above and the horizontal stack every
    pixel to the left, so after enough layers a pixel's outputs depend on every
    earlier pixel (the masked 3×3 stacks of `PixelCNNNetwork` never see a
    wedge to the upper right). After L layers with kernel k the receptive
    field reaches `L * (k // 2)` columns to the left and right and
    `L * (k // 2) + 1` rows up.

    Inputs: `image [batch, H, W, C]` scaled to [-1, 1], and `label [batch]`
    (int), `condition [batch, d]` (float) or a condition map
    `[batch, h, w, c]` (read through `SpatialCondition`) when conditional.
    Output: `[batch, H, W, num_outputs]`; output group g (of
    `num_channel_groups` contiguous groups) sees the current pixel's channels
    < g only.
    """

    def __init__(
        self,
        image_shape,
        num_outputs: int,
        num_channel_groups: int = 1,
        num_layers: int = 15,
        num_filters: int = 128,
        kernel_size: int = 5,
        num_classes: int | None = None,
        conditional_shape=None,
        dtype=None,
        **kwargs,
    ):
        arguments = dict(locals())
        num_layers = check_integer("num_layers", num_layers, 1)
        num_filters = check_num_filters(num_filters, num_channel_groups)
        kernel_size = check_integer("kernel_size", kernel_size, 3, odd=True)
        image, condition = network_inputs(
            image_shape, num_classes, conditional_shape, dtype
        )
        groups = num_channel_groups

        terms = condition_features(condition, image_shape, num_filters, dtype)
        vertical = horizontal = image  # [B, H, W, C]
        for index in range(num_layers):
            vertical, horizontal = GatedPixelCNNBlock(
                num_filters,
                kernel_size,
                "A" if index == 0 else "B",
                groups,
                num_classes,
                dtype=dtype,
                name=f"gated_block_{index}",
            )([vertical, horizontal], condition=terms)  # 2 × [B, H, W, p]
        x = keras.layers.ReLU(dtype=dtype)(horizontal)
        x = MaskedConv2D(num_filters, 1, "B", groups, dtype=dtype)(x)  # [B, H, W, p]
        x = keras.layers.ReLU(dtype=dtype)(x)
        outputs = MaskedConv2D(num_outputs, 1, "B", groups, dtype=dtype)(x)
        inputs = [image] if condition is None else [image, condition]
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self._keep_arguments(arguments)
