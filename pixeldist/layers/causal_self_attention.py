"""PixelSNAIL's causal self-attention over the raster positions of an image."""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from pixeldist.layers.cached_step import CachedStep, write_at
from pixeldist.layers.network_in_network import NetworkInNetwork
from pixeldist.layers.shifted_window import ShiftedWindow
from pixeldist.layers.step_schedule import Schedule

#: What a step reads of its inputs: the previous raster position, in the row
#: above at a row's first column, always inside the image (p = 0 reads
#: position 0); `top=1` keeps that row in a ring cache.
_PREVIOUS_POSITION = ShiftedWindow(rows=2, cols=1, top=1, left=0)


def masked_softmax(scores, mask):
    """The softmax of `scores` over the last axis, restricted to `mask`.

    Entries outside the mask get probability 0; a row with no entry in the
    mask gets all zeros (not NaN), and so does its gradient. The masked-out
    entries are replaced by the row's maximum before `exp`, so no branch of
    the computation (nor its gradient) ever overflows.

    Args:
      scores: `[..., P]` floats.
      mask: booleans broadcasting against `scores`.

    Returns:
      `[..., P]` probabilities summing to 1, or 0, along the last axis.
    """
    mask = ops.broadcast_to(mask, ops.shape(scores))
    lowest = ops.cast(np.finfo(np.float32).min, scores.dtype)
    largest = ops.max(ops.where(mask, scores, lowest), axis=-1, keepdims=True)
    any_entry = ops.any(mask, axis=-1, keepdims=True)
    # Softmax is invariant to the shift: no gradient flows through it.
    largest = ops.stop_gradient(ops.where(any_entry, largest, ops.zeros_like(largest)))
    shifted = ops.where(mask, scores, largest) - largest  # <= 0, finite
    weights = ops.where(mask, ops.exp(shifted), ops.zeros_like(shifted))
    # The largest entry contributes exp(0) = 1: a total is 0 (empty) or >= 1.
    total = ops.maximum(ops.sum(weights, axis=-1, keepdims=True), 1.0)
    return weights / total


def position_features(height: int, width: int) -> np.ndarray:
    """`[H · W, 2]`: each raster position's row and column, scaled to
    `[-1/2, 1/2)` (PixelSNAIL's "background" channels)."""
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    coords = np.stack([rows / height - 0.5, cols / width - 0.5], axis=-1)
    return coords.reshape(height * width, 2).astype(np.float32)


@keras.saving.register_keras_serializable(package="pixeldist")
class CausalSelfAttention(keras.layers.Layer, CachedStep):
    """Multi-head self-attention from each raster position to the earlier ones.

    PixelSNAIL's attention block: the queries come from the features at a
    position, the keys and values from the features and the image (the
    `source`) at the positions before it in raster order, so position `p`
    gathers information from every earlier position, however far, in one
    layer. Both read the position's coordinates too (PixelSNAIL's
    "background"), since attention alone does not know where a position is.

    #### Mathematical details

    With `P = H · W` positions in raster order, `h` heads, `d_k =
    key_channels / h`, `d_v = value_channels / h`, and for head `a`:

    ```none
    q_p = W_q [f_p, r_p] + b_q                 # [h, d_k]
    k_p, v_p = W_kv [f_p, x_p, r_p] + b_kv     # [h, d_k], [h, d_v]
    s_pp' = q_p,a . k_p',a / sqrt(d_k)
    y_p,a = sum_{p' < p} softmax_{p' < p}(s_pp') v_p',a     # 0 at p = 0
    ```

    with the features `f`, the source `x` and the coordinates `r`; `W_q`
    and `W_kv` are weight-normalized 1×1 maps (`NetworkInNetwork`). The mask
    `p' < p` is strict: `y_p` depends on `x` at earlier positions only, and on
    `f` at `p` and earlier. With `f` computed from the pixels before each
    position (PixelSNAIL's residual stream) and `x` the image, `y_p` sees
    whole earlier pixels and nothing of pixel `p`, whatever the likelihood's
    channel groups: the current pixel's earlier channels can only enter
    later, through a masked output layer. The first position attends to
    nothing and gets zeros (`masked_softmax`).

    The cached step (`CachedStep`) keeps the keys `[N, P, key_channels]` and
    values `[N, P, value_channels]` of the positions so far. The step at `p`
    first writes the keys and values of the previous position `p - 1`, read
    from caches of the features and the source: a pixel is complete only
    after the steps at its position, so they cannot write their own (and
    they compute the same entry again each time they run). It then attends
    over the whole fixed-size cache with the mask `p' < p`: `O(P)` work, one
    shape for every step (XLA compiles it once).

    Args:
      num_heads: attention heads.
      key_channels: query and key features over all heads (divisible by
        `num_heads`).
      value_channels: value features over all heads (divisible by
        `num_heads`): the output's features.
      use_weight_norm, use_data_init: see `WeightNormalization`.

    Call arguments: `features [N, H, W, F]`, `source [N, H, W, S]` (optional),
    `training`. Output: `[N, H, W, value_channels]`.

    #### References

    [1]: Xi Chen, Nikhil Mishra, Mostafa Rohaninejad, Pieter Abbeel.
         PixelSNAIL: An Improved Autoregressive Generative Model. ICML 2018.
         https://arxiv.org/abs/1712.09763
    [2]: Ashish Vaswani et al. Attention Is All You Need. NeurIPS 2017.
         https://arxiv.org/abs/1706.03762
    """

    def __init__(
        self,
        num_heads: int = 1,
        key_channels: int = 16,
        value_channels: int = 128,
        use_weight_norm: bool = True,
        use_data_init: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, value in (
            ("num_heads", num_heads),
            ("key_channels", key_channels),
            ("value_channels", value_channels),
        ):
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValueError(f"`{name}` must be an integer >= 1, got {value}.")
        for name, value in (
            ("key_channels", key_channels),
            ("value_channels", value_channels),
        ):
            if value % num_heads:
                raise ValueError(
                    f"`{name}` ({value}) must be divisible by `num_heads` "
                    f"({num_heads})."
                )
        self.num_heads = int(num_heads)
        self.key_channels = int(key_channels)
        self.value_channels = int(value_channels)
        self.use_weight_norm = bool(use_weight_norm)
        self.use_data_init = bool(use_data_init)

    def build(self, features_shape, source_shape=None):
        height, width = (int(d) for d in features_shape[1:3])
        if source_shape is not None and tuple(source_shape[1:3]) != (height, width):
            raise ValueError(
                f"The source {tuple(source_shape)} must have the height and width "
                f"of the features {tuple(features_shape)}."
            )
        self.height, self.width = height, width
        common = dict(
            use_weight_norm=self.use_weight_norm,
            use_data_init=self.use_data_init,
            dtype=self.dtype_policy,
        )
        features = int(features_shape[-1])
        source = 0 if source_shape is None else int(source_shape[-1])
        self.query_projection = NetworkInNetwork(
            self.key_channels, name="query_projection", **common
        )
        self.query_projection.build((None, height, width, features + 2))
        self.key_value_projection = NetworkInNetwork(
            self.key_channels + self.value_channels,
            name="key_value_projection",
            **common,
        )
        self.key_value_projection.build((None, height, width, features + source + 2))

    def _coordinates(self, batch_shape_like):
        """The position features `[N, H, W, 2]` for a batch like the input."""
        coords = ops.cast(
            np.reshape(
                position_features(self.height, self.width),
                (1, self.height, self.width, 2),
            ),
            self.compute_dtype,
        )
        batch = ops.shape(batch_shape_like)[0]
        return ops.broadcast_to(coords, (batch, self.height, self.width, 2))

    def _heads(self, x, channels: int):
        """`[N, H, W, h · c]` -> `[N, h, P, c]`."""
        x = ops.reshape(x, (-1, self.height * self.width, self.num_heads, channels))
        return ops.transpose(x, (0, 2, 1, 3))

    def call(self, features, source=None, training=None):
        features = ops.cast(features, self.compute_dtype)
        coords = self._coordinates(features)
        keyed = (
            [features]
            if source is None
            else [features, ops.cast(source, self.compute_dtype)]
        )
        query = self.query_projection(
            ops.concatenate([features, coords], axis=-1), training=training
        )  # [N, H, W, K]
        key_value = self.key_value_projection(
            ops.concatenate([*keyed, coords], axis=-1), training=training
        )  # [N, H, W, K + V]
        key, value = (
            key_value[..., : self.key_channels],
            key_value[..., self.key_channels :],
        )
        key_size = self.key_channels // self.num_heads
        query = self._heads(query, key_size)  # [N, h, P, d_k]
        key = self._heads(key, key_size)  # [N, h, P, d_k]
        value = self._heads(
            value, self.value_channels // self.num_heads
        )  # [N, h, P, d_v]
        scores = ops.matmul(query, ops.transpose(key, (0, 1, 3, 2)))  # [N, h, P, P]
        scores = scores / math.sqrt(key_size)
        positions = np.arange(self.height * self.width)
        earlier = positions[None, :] < positions[:, None]  # [P, P]: p' < p
        probabilities = masked_softmax(_at_least_float32(scores), earlier)
        mixed = ops.matmul(
            ops.cast(probabilities, value.dtype), value
        )  # [N, h, P, d_v]
        mixed = ops.transpose(mixed, (0, 2, 1, 3))  # [N, P, h, d_v]
        return ops.reshape(mixed, (-1, self.height, self.width, self.value_channels))

    def compute_output_shape(self, features_shape, source_shape=None):
        return (*features_shape[:-1], self.value_channels)

    # -- Cached steps (see `CachedStep`) -----------------------------------------

    def plan_steps(self, features, source=None):
        inputs = [features] if source is None else [features, source]
        for x in inputs:
            if x.schedule == Schedule.CONSTANT:
                raise ValueError("its inputs must be feature maps of the image")
            x.keep(_PREVIOUS_POSITION)  # the previous position is read at each step
        return Schedule.POSITION

    def prepare_steps(self, features=None, source=None):
        return {
            "query": self.query_projection.prepare_steps(),
            "key_value": self.key_value_projection.prepare_steps(),
            "coordinates": ops.cast(
                position_features(self.height, self.width), self.compute_dtype
            ),  # [P, 2]
        }

    def initial_step_state(self, batch_size, features=None, source=None):
        positions = self.height * self.width
        return {
            "keys": tf.zeros(
                [batch_size, positions, self.key_channels], self.compute_dtype
            ),
            "values": tf.zeros(
                [batch_size, positions, self.value_channels], self.compute_dtype
            ),
        }

    def position_step(self, constants, state, row, col, features, source=None):
        position = row * self.width + col
        previous = tf.maximum(position - 1, 0)
        coordinates = constants["coordinates"]
        batch = tf.shape(features.value)[0]

        def with_coordinates(parts, index):
            coords = tf.gather(coordinates, index)  # [2]
            coords = tf.broadcast_to(coords[None], [batch, 2])
            return tf.concat(
                [tf.cast(p, self.compute_dtype) for p in parts] + [coords], -1
            )

        # At p = 0 this writes position 0 from a pixel not yet known; the step
        # at p = 1 writes it again before any query reads it.
        inputs = [features] if source is None else [features, source]
        earlier = [
            x.read_at(previous // self.width, previous % self.width) for x in inputs
        ]  # [N, F], [N, S]
        kernel, bias = constants["key_value"]
        key_value = tf.matmul(with_coordinates(earlier, previous), kernel) + bias
        key, value = tf.split(key_value, [self.key_channels, self.value_channels], -1)
        keys = write_at(state["keys"], (previous,), key)  # [N, P, K]
        values = write_at(state["values"], (previous,), value)  # [N, P, V]

        kernel, bias = constants["query"]
        query = tf.matmul(with_coordinates([features.value], position), kernel) + bias
        heads, key_size = self.num_heads, self.key_channels // self.num_heads
        query = tf.reshape(query, [batch, heads, key_size])  # [N, h, d_k]
        scores = tf.einsum(
            "nhd,nphd->nhp", query, tf.reshape(keys, [batch, -1, heads, key_size])
        ) / math.sqrt(key_size)  # [N, h, P]
        earlier_positions = tf.range(self.height * self.width) < position  # [P]
        probabilities = masked_softmax(_at_least_float32(scores), earlier_positions)
        mixed = tf.einsum(
            "nhp,nphd->nhd",
            tf.cast(probabilities, values.dtype),
            tf.reshape(values, [batch, -1, heads, self.value_channels // heads]),
        )  # [N, h, d_v]
        return tf.reshape(mixed, [batch, self.value_channels]), {
            "keys": keys,
            "values": values,
        }

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self.num_heads,
            key_channels=self.key_channels,
            value_channels=self.value_channels,
            use_weight_norm=self.use_weight_norm,
            use_data_init=self.use_data_init,
        )
        return config


def _at_least_float32(x):
    """Half-precision scores in float32 for the softmax."""
    if keras.backend.standardize_dtype(x.dtype) in ("float16", "bfloat16"):
        return ops.cast(x, "float32")
    return x
