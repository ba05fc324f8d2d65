"""One gated layer of Gated PixelCNN: a vertical and a horizontal stack."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from pixeldist.layers.cached_step import (
    CachedStep,
    correlate_row,
    matmul_window,
    term_at,
)
from pixeldist.layers.conditional_bias import ConditionalBias
from pixeldist.layers.masked_conv2d import MaskedConv2D
from pixeldist.layers.shifted_conv2d import ShiftedConv2D
from pixeldist.layers.step_schedule import Schedule


def _gate(features):
    """`tanh(f) * sigmoid(g)` of `features [..., 2p] = [f | g]`, `[..., p]`."""
    f, g = ops.split(features, 2, axis=-1)
    return ops.tanh(f) * ops.sigmoid(g)


@keras.saving.register_keras_serializable(package="pixeldist")
class GatedPixelCNNBlock(keras.layers.Layer, CachedStep):
    """A gated layer with a vertical and a horizontal stack (Figure 2 of [1]).

    With `p = filters`, `k = kernel_size`, `v` the vertical and `h` the
    horizontal input and `c` the optional condition:

    #### Mathematical details

    ```none
    a_v = ShiftedConv_{down, (k//2+1) × k}(v) + V c              # [N, H, W, 2p]
    a_h = ShiftedConv_{down_right, 1 × (k//2+1), masked}(h) + V' c + Conv_{1×1}(a_v)
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
    The first block has no residual connection (its input is the image).

    Cached steps: the vertical features of a whole row depend on earlier
    rows only, so the block computes them, and the link with every constant
    term of the horizontal gate, once per row (`row_step`, one correlation
    over the cached rows above); at each position (`position_step`) it reads
    the horizontal window `[N, k//2 + 1, C_h]` from its input's cache: one
    matmul, the link at the column, the gate and the output matmul.

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
        self.vertical_conv = ShiftedConv2D(
            features,
            (k // 2 + 1, k),
            "down",
            shift=1 if self.mask_type == "A" else 0,
            use_weight_norm=False,
            dtype=dtype,
            name="vertical_conv",
        )
        self.vertical_conv.build(vertical_shape)
        self.horizontal_conv = ShiftedConv2D(
            features,
            (1, k // 2 + 1),
            "down_right",
            mask_type=self.mask_type,
            num_channel_groups=self.num_channel_groups,
            num_output_blocks=2,
            use_weight_norm=False,
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

    # -- Cached steps (see `CachedStep`) -----------------------------------------

    def plan_steps(self, inputs, condition=None):
        vertical, horizontal = inputs
        if self.horizontal_conv.plan_steps(horizontal) != Schedule.POSITION:
            raise ValueError("the horizontal stack must be computed per position")
        return [self.vertical_conv.plan_steps(vertical), Schedule.POSITION]

    def prepare_steps(self, inputs, condition=None):
        vertical_kernel, _, vertical_bias = self.vertical_conv.prepare_steps()
        _, horizontal_kernel, horizontal_bias = self.horizontal_conv.prepare_steps()
        link = self.vertical_to_horizontal
        link_kernel = ops.cast(link.kernel, self.compute_dtype)[0, 0]  # [2p, 2p]
        link_bias = ops.cast(link.bias, self.compute_dtype) + horizontal_bias
        constants = {
            "vertical": (vertical_kernel, vertical_bias),
            "horizontal": horizontal_kernel,
            "link": (link_kernel, link_bias),
            "output": self.horizontal_output.prepare_steps(None)[1:],
        }
        if condition is not None:  # [N, 1, 1, 2p], or [N, H, W, 2p] for a map
            constants["conditions"] = (
                self.vertical_condition(condition),
                self.horizontal_condition(condition),
            )
        return constants

    def initial_step_state(self, batch_size, inputs, condition=None):
        width = inputs[1].shape[1]
        return tf.zeros([batch_size, width, 2 * self.filters], self.compute_dtype)

    def row_step(self, constants, link, row, inputs, condition=None):
        """The vertical stack of row `row`, and its link into the horizontal
        gates with their constant terms (kept as the state `[N, W, 2p]`)."""
        kernel, bias = constants["vertical"]
        a_v = correlate_row(self.vertical_conv.window.row(inputs[0], row), kernel)
        a_v = a_v + bias  # [N, W, 2p]
        link_kernel, link_bias = constants["link"]
        if "conditions" in constants:  # V c and V' c at this row
            vertical, horizontal = constants["conditions"]
            a_v = a_v + tf.cast(term_at(vertical, row), a_v.dtype)
            link_bias = link_bias + tf.cast(term_at(horizontal, row), a_v.dtype)
        link = tf.matmul(a_v, link_kernel) + link_bias  # [N, W, 2p]
        return [_gate(a_v), None], link

    def position_step(self, constants, link, row, col, inputs, condition=None):
        horizontal = inputs[1]
        window = self.horizontal_conv.window.at(horizontal, row, col)  # [N, 1, w, C]
        a_h = matmul_window(window, constants["horizontal"]) + tf.gather(
            link, col, axis=1
        )  # [N, 2p]
        matrix, bias = constants["output"]
        out = tf.matmul(_gate(a_h), matrix) + bias  # [N, p]
        if self.mask_type == "B":
            out = horizontal.value + out
        return [None, out], link

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
