"""PixelCNN (van den Oord et al. 2016) as a TFP distribution."""

from __future__ import annotations

import keras
import tensorflow as tf

from pixeldist.distributions.autoregressive_image_distribution import (
    AutoregressiveImageDistribution,
    constructor_arguments,
    shared_arguments,
)
from pixeldist.networks.pixelcnn_network import PixelCNNNetwork


@keras.saving.register_keras_serializable(package="pixeldist")
class PixelCNN(AutoregressiveImageDistribution):
    """PixelCNN: masked convolutions (masks A and B) and residual blocks.

    `p(x | h) = prod_i p(x_i | x_<i, h)` in raster order, each factor from a
    `PixelCNNNetwork` whose kernels are masked in the forward computation, so
    the model is autoregressive for any weights. With
    `likelihood="categorical"` and C > 1, features are split into R/G/B groups
    and channel c's logits see channels < c of the same pixel; with
    `"logistic_mixture"` every mixture parameter of a pixel comes from features
    that see none of its channels (the coupling coefficients carry the
    within-pixel dependence).

    The receptive field of a stack of masked 3×3 convolutions has a blind spot
    (pixels to the upper right that it never sees); `GatedPixelCNN` removes it.

    #### Example

    ```python
    dist = pixeldist.PixelCNN(image_shape=(8, 8, 1), num_classes=10, high=16)
    model = pixeldist.DensityModel(dist)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(train_dataset, epochs=10)           # (images, labels) batches
    samples = dist.sample(10, conditional_input=tf.range(10), seed=1)
    ```

    Args:
      image_shape: `(H, W, C)`.
      num_classes, conditional_shape, likelihood, num_logistic_mix, high, low,
        dtype, validate_args, name, input_encoding: see
        `AutoregressiveImageDistribution`.
      num_layers: residual blocks of masked 3×3 convolutions.
      num_filters: width 2h of the residual stream (the blocks narrow to h).
      kernel_size: kernel of the mask-B convolutions in the blocks.
      first_kernel_size: kernel of the mask-A input convolution.

    Defaults follow the PixelRNN paper's MNIST-sized models (7 layers).

    #### References

    [1]: Aaron van den Oord, Nal Kalchbrenner, Koray Kavukcuoglu. Pixel
         Recurrent Neural Networks. ICML 2016. https://arxiv.org/abs/1601.06759
    """

    network_class = PixelCNNNetwork

    def __init__(
        self,
        image_shape,
        num_classes: int | None = None,
        conditional_shape=None,
        likelihood: str = "categorical",
        num_logistic_mix: int = 5,
        num_layers: int = 7,
        num_filters: int = 64,
        kernel_size: int = 3,
        first_kernel_size: int = 7,
        high: int = 255,
        low: int = 0,
        dtype=tf.float32,
        validate_args: bool = True,
        name: str | None = None,
        trainable: bool = True,
        input_encoding: str = "scaled",
    ):
        parameters = constructor_arguments(locals())
        super().__init__(**shared_arguments(parameters), parameters=parameters)
