"""The PixelSNAIL network (Chen et al. 2018): gated residual blocks and attention."""

from __future__ import annotations

import keras

from pixeldist.layers.causal_self_attention import CausalSelfAttention
from pixeldist.layers.gated_residual_block import GatedResidualBlock, check_activation
from pixeldist.layers.shifted_conv2d import ShiftedConv2D
from pixeldist.networks.image_network import (
    ImageNetwork,
    check_integer,
    check_num_filters,
)
from pixeldist.networks.network_inputs import condition_features, network_inputs
from pixeldist.networks.pixelcnn_plus_plus_network import pixel_outputs

#: Kernels of the vertical ("down") and horizontal ("down_right") streams.
_VERTICAL, _HORIZONTAL = (2, 3), (2, 2)


@keras.saving.register_keras_serializable(package="pixeldist")
class PixelSNAILNetwork(ImageNetwork):
    """Maps an image (and a condition) to per-pixel likelihood parameters.

    Architecture (PixelSNAIL, Figure 4 and `h12_noup_smallkey` of the
    authors' code), with `F = num_filters`, at the image's resolution
    throughout:

    - The streams of PixelCNN++: the vertical stream `u` at pixel (i, j)
      sees the rows above i, the horizontal stream `ul` the pixels before
      (i, j) in raster order; their first layers are shifted convolutions
      whose windows end one row above (one column left of) the pixel, so
      neither sees pixel (i, j) itself.
    - `num_blocks` blocks, each: `num_resnet` pairs of `GatedResidualBlock`s
      (u with a 2×3 down-shifted kernel, then ul with a 2×2 down-right-shifted
      kernel and u as auxiliary input); then `CausalSelfAttention` with
      queries from ul and keys and values from ul and the image, over every
      earlier position; then a gated residual block of 1×1 convolutions on
      ul with the attention's output as auxiliary input (PixelSNAIL's
      `gated_resnet(ul, attention, conv=nin)`: both enter through 1×1
      `NetworkInNetwork`s). The attention reads whole earlier pixels only,
      so the features at a pixel never see any of its channels.
    - Output: that of PixelCNN++ (`pixel_outputs`): ELU and a 1×1
      `NetworkInNetwork` from ul, or, with `num_channel_groups = C > 1`
      (categorical likelihood on colour images), the masked 1×1 stack
      through which channel c's outputs see channels < c of their pixel.

    Dropout with rate `dropout_p` acts in the gated blocks with
    `training=True` only; a conditional network adds `ConditionalBias(2F)`
    in every gated block. Every convolution, projection and dense layer is
    weight-normalized (`use_weight_norm`, `use_data_init`).

    Inputs: `image [N, H, W, C]` scaled to [-1, 1] (or one-hot codes), and
    `label [N]` (int), `condition [N, d]` (float) or a condition map
    `[N, h, w, c]` (read through `SpatialCondition`) when conditional.
    Output: `[N, H, W, num_outputs]`.

    #### References

    [1]: Xi Chen, Nikhil Mishra, Mostafa Rohaninejad, Pieter Abbeel.
         PixelSNAIL: An Improved Autoregressive Generative Model. ICML 2018.
         https://arxiv.org/abs/1712.09763
    [2]: Tim Salimans, Andrej Karpathy, Xi Chen, Diederik P. Kingma. PixelCNN++.
         ICLR 2017. https://arxiv.org/abs/1701.05517
    """

    def __init__(
        self,
        image_shape,
        num_outputs: int,
        num_channel_groups: int = 1,
        num_blocks: int = 12,
        num_resnet: int = 4,
        num_filters: int = 256,
        num_heads: int = 1,
        key_channels: int = 16,
        value_channels: int = 128,
        dropout_p: float = 0.0,
        resnet_activation: str = "concat_elu",
        use_weight_norm: bool = True,
        use_data_init: bool = True,
        num_classes: int | None = None,
        conditional_shape=None,
        dtype=None,
        **kwargs,
    ):
        arguments = dict(locals())
        num_blocks = check_integer("num_blocks", num_blocks, 1)
        num_resnet = check_integer("num_resnet", num_resnet, 0)
        filters = check_num_filters(num_filters, num_channel_groups)
        num_heads = check_integer("num_heads", num_heads, 1)
        for name, value in (
            ("key_channels", key_channels),
            ("value_channels", value_channels),
        ):
            if check_integer(name, value, 1) % num_heads:
                raise ValueError(
                    f"`{name}` ({value}) must be divisible by `num_heads` "
                    f"({num_heads})."
                )
        if not 0.0 <= dropout_p < 1.0:
            raise ValueError(f"`dropout_p` must be in [0, 1), got {dropout_p}.")
        check_activation(resnet_activation, "resnet_activation")
        image, condition = network_inputs(
            image_shape, num_classes, conditional_shape, dtype
        )
        weight_norm = dict(
            use_weight_norm=use_weight_norm, use_data_init=use_data_init, dtype=dtype
        )
        terms = condition_features(condition, image_shape, filters, dtype)

        def block(direction, kernel, x, auxiliary=None):
            return GatedResidualBlock(
                direction,
                kernel,
                dropout_p,
                resnet_activation,
                num_classes=num_classes,
                **weight_norm,
            )(x, auxiliary=auxiliary, condition=terms)

        def conv(direction, kernel, x):
            return ShiftedConv2D(
                filters, kernel, direction, shift=1, zero_border=True, **weight_norm
            )(x)

        # The shift of the first layers keeps pixel (i, j) out of its own
        # features; later layers may read their own position.
        u = conv("down", _VERTICAL, image) if num_resnet else None  # [N, H, W, F]
        ul = keras.layers.Add(dtype=dtype)(
            [conv("down", (1, 3), image), conv("down_right", (2, 1), image)]
        )  # [N, H, W, F]
        for _ in range(num_blocks):
            for _ in range(num_resnet):
                u = block("down", _VERTICAL, u)
                ul = block("down_right", _HORIZONTAL, ul, auxiliary=u)
            attention = CausalSelfAttention(
                num_heads, key_channels, value_channels, **weight_norm
            )(ul, image)  # [N, H, W, value_channels]
            ul = block("down_right", (1, 1), ul, auxiliary=attention)

        outputs = pixel_outputs(
            ul, image, num_outputs, num_channel_groups, filters, weight_norm
        )
        inputs = [image] if condition is None else [image, condition]
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self._keep_arguments(arguments)
