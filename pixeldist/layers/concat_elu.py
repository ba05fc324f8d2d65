"""The concatenated ELU of PixelCNN++."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="pixeldist")
class ConcatELU(keras.layers.Layer):
    """`elu([x, -x])`: an ELU that keeps the information of both signs.

    #### Mathematical details

    ```none
    y = concat(elu(x), elu(-x)),    elu(z) = z if z > 0 else exp(z) - 1
    ```

    Shapes: `[..., C] -> [..., 2 C]`.

    #### References

    [1]: Wenling Shang, Kihyuk Sohn, Diogo Almeida, Honglak Lee. Understanding
         and Improving Convolutional Neural Networks via Concatenated Rectified
         Linear Units. ICML 2016. https://arxiv.org/abs/1603.05201
    [2]: Tim Salimans et al. PixelCNN++. ICLR 2017 (`concat_elu`).
         https://arxiv.org/abs/1701.05517
    """

    def call(self, inputs):
        return ops.elu(ops.concatenate([inputs, -inputs], axis=-1))

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1]
        return (*input_shape[:-1], None if channels is None else 2 * channels)
