"""Per-layer conditioning term `V h` of conditional PixelCNNs."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="pixeldist")
class ConditionalBias(keras.layers.Layer):
    """Maps the conditional input `h` to the conditioning term `V h` of a layer.

    With `num_classes=K`, `h` is an integer label `[batch]` and the bias is a
    learned per-class vector (an embedding). Otherwise `h` is a float tensor
    `[batch, d]` and the bias is a learned linear projection `V h` (no
    offset; the convolution it is added to has its own), or a feature map
    `[batch, H, W, d]` of a spatial condition (`SpatialCondition`'s `m(s)`)
    and the term is the same projection at every position, `V m(s)`: the
    location-dependent term of the Gated PixelCNN paper.

    Shapes: `h [batch]` or `[batch, d]` -> `[batch, 1, 1, units]`, and
    `[batch, H, W, d]` -> `[batch, H, W, units]`, to be added to a feature map
    `[batch, H, W, units]`. The term depends on the condition only, never on
    the image, so it cannot break the autoregressive property.
    """

    def __init__(self, units: int, num_classes: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if num_classes is not None and num_classes < 1:
            raise ValueError(f"`num_classes` must be >= 1, got {num_classes}.")
        self.units = int(units)
        self.num_classes = None if num_classes is None else int(num_classes)

    def build(self, input_shape):
        if self.num_classes is not None:
            self.table = self.add_weight(
                name="class_bias",
                shape=(self.num_classes, self.units),
                initializer=keras.initializers.RandomNormal(stddev=0.05),
            )
        else:
            self.kernel = self.add_weight(
                name="kernel",
                shape=(int(input_shape[-1]), self.units),
                initializer="glorot_uniform",
            )

    def call(self, conditional_input):
        if self.num_classes is not None:
            labels = ops.cast(conditional_input, "int32")
            bias = ops.take(self.table, labels, axis=0)  # [batch, units]
        else:
            h = ops.cast(conditional_input, self.compute_dtype)
            bias = ops.matmul(h, self.kernel)  # [batch, units] or [batch, H, W, units]
            if len(h.shape) == 4:
                return bias
        return bias[:, None, None, :]

    def compute_output_shape(self, input_shape):
        if self.num_classes is None and len(input_shape) == 4:
            return (*input_shape[:3], self.units)
        return (input_shape[0], 1, 1, self.units)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, num_classes=self.num_classes)
        return config
