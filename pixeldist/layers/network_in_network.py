"""PixelCNN++'s `nin`: a weight-normalized dense layer applied at every position."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from pixeldist.layers.cached_step import CachedStep
from pixeldist.layers.step_schedule import Schedule
from pixeldist.layers.weight_normalization import WeightNormalization


@keras.saving.register_keras_serializable(package="pixeldist")
class NetworkInNetwork(WeightNormalization, CachedStep):
    """A 1×1 convolution: the same weight-normalized dense map at every pixel.

    Mixes the features of one position only, so it cannot break causality,
    and its cached step is the map at the step's position (row), with the
    normalized kernel computed once per generation.
    PixelCNN++ uses it for the auxiliary inputs of its gated residual blocks
    (the other stream, the skip connections) and for the output layer.

    #### Mathematical details

    ```none
    y[..., o] = b[o] + sum_c x[..., c] K[c, o],    K = g v / ||v|| (per column)
    ```

    Args:
      filters: number of output features.
      use_weight_norm, use_data_init, init_scale, kernel_initializer: see
        `WeightNormalization`.

    Shapes: `[..., C] -> [..., filters]`.

    #### References

    [1]: Min Lin, Qiang Chen, Shuicheng Yan. Network In Network. ICLR 2014.
         https://arxiv.org/abs/1312.4400
    [2]: Tim Salimans et al. PixelCNN++. ICLR 2017 (`nin`).
         https://arxiv.org/abs/1701.05517
    """

    def kernel_shape(self, input_shape):
        return (int(input_shape[-1]), self.filters)

    def apply_kernel(self, inputs, kernel):
        return ops.matmul(inputs, kernel)  # [..., filters]

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def plan_steps(self, x):
        return x.schedule

    def prepare_steps(self, x=None):
        return self.kernel_value(), ops.cast(self.bias, self.compute_dtype)

    def row_step(self, constants, state, row, x):
        if x.schedule != Schedule.ROW:
            return None, state
        return self.position_step(constants, state, row, None, x)

    def position_step(self, constants, state, row, col, x):
        kernel, bias = constants
        return tf.matmul(tf.cast(x.value, kernel.dtype), kernel) + bias, state
