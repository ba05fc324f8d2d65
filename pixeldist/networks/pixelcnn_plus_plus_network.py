"""The PixelCNN++ network of Salimans et al. (2017): two shifted streams in a U-Net."""

from __future__ import annotations

import keras

from pixeldist.layers.gated_residual_block import GatedResidualBlock, check_activation
from pixeldist.layers.masked_conv2d import MaskedConv2D
from pixeldist.layers.network_in_network import NetworkInNetwork
from pixeldist.layers.shifted_conv2d import ShiftedConv2D
from pixeldist.layers.shifted_conv2d_transpose import ShiftedConv2DTranspose
from pixeldist.networks.image_network import (
    ImageNetwork,
    check_integer,
    check_num_filters,
)
from pixeldist.networks.network_inputs import condition_features, network_inputs


@keras.saving.register_keras_serializable(package="pixeldist")
class PixelCNNPlusPlusNetwork(ImageNetwork):
    """Maps an image (and a condition) to per-pixel likelihood parameters.

    Architecture (PixelCNN++, Figure 2 and `model_spec` of the authors' code),
    with `rows, cols = receptive_field_dims` and `F = num_filters`:

    - Two streams. The vertical stream `u` at pixel (i, j) sees the rows above
      i; the horizontal stream `ul` sees the pixels before (i, j) in raster
      order. Their first layers are shifted convolutions whose windows end one
      row above (one column left of) the pixel (PixelCNN++'s `down_shift` and
      `right_shift`), so neither sees pixel (i, j) itself:
      `u = conv_down_shifted(x)`, `ul = conv_down_1xcols_shifted(x) +
      conv_down_right_(rows-1)x(cols//2)_right_shifted(x)`.
    - A U-Net of `num_hierarchies` levels. On the way down, each level runs
      `num_resnet` pairs of `GatedResidualBlock`s (u with kernel
      `(rows - 1, cols)`, then ul with kernel `(rows - 1, cols // 2 + 1)` and u
      as auxiliary input) and, between levels, a stride-2 shifted convolution
      of each stream; every output is pushed on a stack. On the way up, the
      first level runs `num_resnet` pairs and later ones `num_resnet + 1`, each
      block popping its skip connection (u: the stacked u; ul: the new u
      concatenated with the stacked ul), and stride-2 shifted transposed
      convolutions up-sample between levels. Every skip is consumed.
    - Output: ELU then a 1×1 `NetworkInNetwork` from ul to `num_outputs`; no
      output of pixel p sees any channel of p. With `num_channel_groups = C
      > 1` (categorical likelihood on colour images), a masked 1×1 stack on
      top lets channel c's outputs see channels < c of p:
      `MaskedConv2D(B)(elu(nin(elu(ul)) + MaskedConv2D(A)(x)))`, which is
      the 1×1 convolution of the concatenation `[context, x]` with the
      context unmasked and the pixel's channels masked by group.

    Every convolution and dense layer is weight-normalized with a data-dependent
    initialization on the first training batch (`use_weight_norm`,
    `use_data_init`); dropout with rate `dropout_p` acts with `training=True`
    only. A conditional network adds `ConditionalBias(2F)` in every block.

    Inputs: `image [N, H, W, C]` scaled to [-1, 1], and `label [N]` (int),
    `condition [N, d]` (float) or a condition map `[N, h, w, c]` (read
    through `SpatialCondition`, averaged down to each level) when
    conditional. `H` and `W` must be divisible by `2 ** (num_hierarchies -
    1)`. Output: `[N, H, W, num_outputs]`.

    #### References

    [1]: Tim Salimans, Andrej Karpathy, Xi Chen, Diederik P. Kingma. PixelCNN++:
         Improving the PixelCNN with Discretized Logistic Mixture Likelihood
         and Other Modifications. ICLR 2017. https://arxiv.org/abs/1701.05517
    """

    def __init__(
        self,
        image_shape,
        num_outputs: int,
        num_channel_groups: int = 1,
        num_resnet: int = 5,
        num_hierarchies: int = 3,
        num_filters: int = 160,
        receptive_field_dims=(3, 3),
        dropout_p: float = 0.5,
        resnet_activation: str = "concat_elu",
        use_weight_norm: bool = True,
        use_data_init: bool = True,
        num_classes: int | None = None,
        conditional_shape=None,
        dtype=None,
        **kwargs,
    ):
        arguments = dict(locals())
        num_resnet = check_integer("num_resnet", num_resnet, 0)
        num_hierarchies = check_integer("num_hierarchies", num_hierarchies, 1)
        num_filters = check_num_filters(num_filters, num_channel_groups)
        try:
            rows, cols = (int(d) for d in receptive_field_dims)
        except (TypeError, ValueError):
            raise ValueError(
                "`receptive_field_dims` must be a pair (rows, cols), "
                f"got {receptive_field_dims!r}."
            ) from None
        check_receptive_field(rows, cols)
        if not 0.0 <= dropout_p < 1.0:
            raise ValueError(f"`dropout_p` must be in [0, 1), got {dropout_p}.")
        check_divisible(image_shape, num_hierarchies)
        check_activation(resnet_activation, "resnet_activation")
        image, condition = network_inputs(
            image_shape, num_classes, conditional_shape, dtype
        )
        filters = int(num_filters)
        weight_norm = dict(
            use_weight_norm=use_weight_norm, use_data_init=use_data_init, dtype=dtype
        )
        vertical, horizontal = (rows - 1, cols), (rows - 1, cols // 2 + 1)
        # A condition map's features m(s), averaged over 2^l × 2^l blocks at
        # level l: the blocks of every resolution add their own V m(s).
        terms = {1: condition_features(condition, image_shape, filters, dtype)}

        def terms_for(x):
            factor = image_shape[0] // x.shape[1]
            if factor not in terms:
                pool = keras.layers.AveragePooling2D(factor, dtype=dtype)
                terms[factor] = pool(terms[1])
            return terms[factor]

        def block(direction, kernel, x, auxiliary=None):
            condition_terms = terms[1]
            if condition_terms is not None and len(condition_terms.shape) == 4:
                condition_terms = terms_for(x)
            return GatedResidualBlock(
                direction,
                kernel,
                dropout_p,
                resnet_activation,
                num_classes=num_classes,
                **weight_norm,
            )(x, auxiliary=auxiliary, condition=condition_terms)

        def conv(direction, kernel, x, strides=1, shift=0):
            return ShiftedConv2D(
                filters,
                kernel,
                direction,
                strides,
                shift,
                zero_border=True,
                **weight_norm,
            )(x)

        def deconv(direction, kernel, x):
            return ShiftedConv2DTranspose(filters, kernel, direction, 2, **weight_norm)(
                x
            )

        # The shift of the first layers keeps pixel (i, j) out of its own
        # features; later layers may read their own position.
        u = conv("down", vertical, image, shift=1)  # [N, H, W, F]
        ul = keras.layers.Add(dtype=dtype)(
            [
                conv("down", (1, cols), image, shift=1),
                conv("down_right", (rows - 1, max(cols // 2, 1)), image, shift=1),
            ]
        )  # [N, H, W, F]

        u_stack, ul_stack = [u], [ul]
        for level in range(num_hierarchies):  # [N, H / 2^level, W / 2^level, F]
            for _ in range(num_resnet):
                u = block("down", vertical, u)
                ul = block("down_right", horizontal, ul, auxiliary=u)
                u_stack.append(u)
                ul_stack.append(ul)
            if level < num_hierarchies - 1:
                u = conv("down", vertical, u, strides=2)
                ul = conv("down_right", horizontal, ul, strides=2)
                u_stack.append(u)
                ul_stack.append(ul)

        u, ul = u_stack.pop(), ul_stack.pop()
        for level in range(num_hierarchies):  # from the coarsest level up
            for _ in range(num_resnet + (level > 0)):
                u = block("down", vertical, u, auxiliary=u_stack.pop())
                skip = keras.layers.Concatenate(dtype=dtype)([u, ul_stack.pop()])
                ul = block("down_right", horizontal, ul, auxiliary=skip)
            if level < num_hierarchies - 1:
                u = deconv("down", vertical, u)
                ul = deconv("down_right", horizontal, ul)
        assert not u_stack and not ul_stack, "every skip connection is consumed"

        outputs = pixel_outputs(
            ul, image, num_outputs, num_channel_groups, filters, weight_norm
        )

        inputs = [image] if condition is None else [image, condition]
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self._keep_arguments(arguments)


def pixel_outputs(
    context, image, num_outputs: int, num_channel_groups: int, filters: int, weight_norm
):
    """The output layers on the horizontal stream `context [N, H, W, F]`:
    `[N, H, W, num_outputs]`, ELU then a 1×1 `NetworkInNetwork`; with channel
    groups, the masked 1×1 stack through which channel c's outputs read
    channels < c of their own pixel in `image` (see the class docstring).
    `weight_norm`: the keyword arguments of the weight-normalized layers."""
    dtype = weight_norm.get("dtype")
    context = keras.layers.ELU(dtype=dtype)(context)  # [N, H, W, F]
    if num_channel_groups == 1:
        return NetworkInNetwork(num_outputs, **weight_norm)(context)
    # Channel c's outputs may read channels < c of their own pixel: mask A on
    # the raw channels, mask B on the mixed features.
    hidden = keras.layers.Add(dtype=dtype)(
        [
            NetworkInNetwork(filters, **weight_norm)(context),
            MaskedConv2D(filters, 1, "A", num_channel_groups, dtype=dtype)(image),
        ]
    )  # [N, H, W, F] in C groups
    hidden = keras.layers.ELU(dtype=dtype)(hidden)
    return MaskedConv2D(num_outputs, 1, "B", num_channel_groups, dtype=dtype)(
        hidden
    )  # [N, H, W, num_outputs]


def check_receptive_field(rows: int, cols: int) -> None:
    """Rows >= 2 (the current row and at least one above) and odd columns."""
    if rows < 2 or cols < 1 or cols % 2 == 0:
        raise ValueError(
            "`receptive_field_dims` must be (rows >= 2, odd columns >= 1), "
            f"got {(rows, cols)}."
        )


def check_divisible(image_shape, num_hierarchies: int) -> None:
    """The U-Net halves H and W `num_hierarchies - 1` times."""
    factor = 2 ** (int(num_hierarchies) - 1)
    height, width = image_shape[0], image_shape[1]
    if height % factor or width % factor:
        raise ValueError(
            f"`image_shape` {tuple(image_shape)}: height and width must be "
            f"divisible by 2 ** (num_hierarchies - 1) = {factor} for "
            f"`num_hierarchies={num_hierarchies}` (the U-Net halves them "
            f"{num_hierarchies - 1} times); use fewer hierarchies or pad the "
            "images."
        )
