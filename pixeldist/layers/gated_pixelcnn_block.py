"""One gated layer of Gated PixelCNN: a vertical and a horizontal stack."""

from __future__ import annotations

import keras
from keras import ops

from pixeldist.layers.causal_row_conv2d import CausalRowConv2D
from pixeldist.layers.conditional_bias import ConditionalBias
from pixeldist.layers.down_shifted_conv2d import DownShiftedConv2D
from pixeldist.layers.masked_conv2d import MaskedConv2D


def _gate(features):
    """`tanh(f) * sigmoid(g)` of `features [..., 2p] = [f | g]`, `[..., p]`."""
    f, g = ops.split(features, 2, axis=-1)
    return ops.tanh(f) * ops.sigmoid(g)


@keras.saving.register_keras_serializable(package="pixeldist")
class GatedPixelCNNBlock(keras.layers.Layer):
    """A gated layer with a vertical and a horizontal stack (Figure 2 of [1]).

    With `p = filters`, `k = kernel_size`, `v` the vertical and `h` the
    horizontal input and `c` the optional condition:

    #### Mathematical details

    ```none
    a_v = DownShiftedConv_{(k//2+1) × k}(v) + V c              # [N, H, W, 2p]
    a_h = CausalRowConv_{1 × (k//2+1)}(h) + V' c + Conv_{1×1}(a_v)
    v'  = tanh(a_v,f) * sigmoid(a_v,g)                           # [N, H, W, p]
    h'  = h + MaskedConv_{1×1, B}(tanh(a_h,f) * sigmoid(a_h,g))  # [N, H, W, p]
    ```

    where `a_f, a_g` are the two halves `[f | g]` of the fused 2p-feature
    convolution (one convolution instead of two: fewer, larger ops), and
    `V c`, `V' c` come from `ConditionalBias(2p)` layers (a per-class vector
    or a projection of a float condition), so they add to both halves: the
    gates are `tanh(W_f x + V_f c) * sigmoid(W_g x + V_g c)`. Without a
    condition the `V c` terms are absent. The last block's `v'` is unused by
    a network; its `V c` still trains through the link.

    Causality, for any weights:

    - the vertical features at row i see input rows < i only. The first block
      (`mask_type="A"`, reading the image) shifts its window one row up; later
      blocks read rows <= i of a vertical input that already sees rows < i
      only. Since the vertical features never see the current row, the 1×1
      link may feed every channel group of the horizontal stack;
    - the horizontal features at (i, j) see columns <= j of row i: the current
      pixel through the channel-group mask (A in the first block: group g sees
      the image channels < g; B later: groups <= g of features that already
      exclude channels >= g), and the rows above through the link. The
      residual 1×1 convolution is grouped with mask B.

    (The paper's vertical stack reads rows <= i and shifts its link down one
    row instead; the horizontal stack then sees the same rows as here.)
    The first block has no residual connection (its input is the image). The
    vertical features of a whole row depend on earlier rows only, so a sampler
    can compute them once per row.

    Args:
      filters: features `p` of both stacks (the gates compute `2p`).
      kernel_size: odd `k`; the vertical stack reads `k` columns, the
        horizontal stack `k // 2 + 1` (the current one and those to its left).
      mask_type: "A" for the first block (reading the image), else "B".
      num_channel_groups: 1, or C for R/G/B feature groups (categorical
        likelihood on colour images).
      num_classes: the condition is an integer label in `[0, num_classes)`;
        `None`: a float vector `[batch, d]` (or no condition at all).

    Call: `block([vertical, horizontal], condition=None)` with
    `vertical [N, H, W, Cv]`, `horizontal [N, H, W, Ch]` (both the image for
    the first block; `Ch == p` for later blocks), `condition [N]` (int) or
    `[N, d]` (float). Returns `[vertical' [N, H, W, p], horizontal' [N, H, W, p]]`.

    #### References

    [1]: Aaron van den Oord, Nal Kalchbrenner, Oriol Vinyals, Lasse Espeholt,
         Alex Graves, Koray Kavukcuoglu. Conditional Image Generation with
         PixelCNN Decoders. NeurIPS 2016. https://arxiv.org/abs/1606.05328
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int = 5,
        mask_type: str = "B",
        num_channel_groups: int = 1,
        num_classes: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filters) != filters or filters < num_channel_groups:
            raise ValueError(
                "`filters` must be an integer >= `num_channel_groups` "
                f"({num_channel_groups}), got {filters}."
            )
        if int(kernel_size) != kernel_size or kernel_size < 3 or kernel_size % 2 == 0:
            raise ValueError(
                f"`kernel_size` must be an odd integer >= 3, got {kernel_size}."
            )
        if mask_type not in ("A", "B"):
            raise ValueError(f"`mask_type` must be 'A' or 'B', got {mask_type!r}.")
        if num_classes is not None and num_classes < 1:
            raise ValueError(f"`num_classes` must be >= 1, got {num_classes}.")
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.mask_type = mask_type
        self.num_channel_groups = int(num_channel_groups)
        self.num_classes = None if num_classes is None else int(num_classes)

    def build(self, inputs_shape, condition_shape=None):
        vertical_shape, horizontal_shape = inputs_shape
        if self.mask_type == "B" and horizontal_shape[-1] != self.filters:
            raise ValueError(
                "The horizontal input of a mask-B block must have `filters` = "
                f"{self.filters} features (residual), got {horizontal_shape[-1]}."
            )
        features, k, dtype = 2 * self.filters, self.kernel_size, self.dtype_policy
        self.vertical_conv = DownShiftedConv2D(
            features,
            (k // 2 + 1, k),
            shift=1 if self.mask_type == "A" else 0,
            dtype=dtype,
            name="vertical_conv",
        )
        self.vertical_conv.build(vertical_shape)
        self.horizontal_conv = CausalRowConv2D(
            features,
            k // 2 + 1,
            self.mask_type,
            self.num_channel_groups,
            num_output_blocks=2,
            dtype=dtype,
            name="horizontal_conv",
        )
        self.horizontal_conv.build(horizontal_shape)
        stack_shape = tuple(horizontal_shape[:-1]) + (features,)
        # No mask: the vertical features never see the current row.
        self.vertical_to_horizontal = keras.layers.Conv2D(
            features, 1, dtype=dtype, name="vertical_to_horizontal"
        )
        self.vertical_to_horizontal.build(stack_shape)
        self.horizontal_output = MaskedConv2D(
            self.filters,
            1,
            "B",
            self.num_channel_groups,
            dtype=dtype,
            name="horizontal_output",
        )
        self.horizontal_output.build(stack_shape[:-1] + (self.filters,))
        self.vertical_condition = self.horizontal_condition = None
        if condition_shape is not None:
            self.vertical_condition = ConditionalBias(
                features, self.num_classes, dtype=dtype, name="vertical_condition"
            )
            self.vertical_condition.build(condition_shape)
            self.horizontal_condition = ConditionalBias(
                features, self.num_classes, dtype=dtype, name="horizontal_condition"
            )
            self.horizontal_condition.build(condition_shape)

    def call(self, inputs, condition=None):
        vertical, horizontal = inputs
        if (condition is None) != (self.vertical_condition is None):
            raise ValueError(
                "Call the block with a condition if and only if it was built with one."
            )
        v = self.vertical_conv(vertical)  # [N, H, W, 2p], rows < i
        h = self.horizontal_conv(horizontal)  # [N, H, W, 2p], columns <= j
        if condition is not None:
            v = v + self.vertical_condition(condition)  # + [N, 1, 1, 2p]
            h = h + self.horizontal_condition(condition)
        # The link reads the conditioned vertical pre-activations, so the last
        # block's vertical condition (whose gate output is unused) still trains.
        h = h + self.vertical_to_horizontal(v)
        vertical_out = _gate(v)  # [N, H, W, p]
        horizontal_out = self.horizontal_output(_gate(h))  # [N, H, W, p]
        if self.mask_type == "B":
            horizontal_out = horizontal + horizontal_out
        return [vertical_out, horizontal_out]

    def compute_output_shape(self, inputs_shape, condition_shape=None):
        shape = tuple(inputs_shape[1][:-1]) + (self.filters,)
        return [shape, shape]

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            kernel_size=self.kernel_size,
            mask_type=self.mask_type,
            num_channel_groups=self.num_channel_groups,
            num_classes=self.num_classes,
        )
        return config
