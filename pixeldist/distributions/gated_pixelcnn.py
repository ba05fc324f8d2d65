"""Gated PixelCNN (van den Oord et al. 2016) as a TFP distribution."""

from __future__ import annotations

import keras
import tensorflow as tf

from pixeldist.distributions.autoregressive_image_distribution import (
    AutoregressiveImageDistribution,
    constructor_arguments,
    shared_arguments,
)
from pixeldist.networks.gated_pixelcnn_network import GatedPixelCNNNetwork


@keras.saving.register_keras_serializable(package="pixeldist")
class GatedPixelCNN(AutoregressiveImageDistribution):
    """Gated PixelCNN: vertical and horizontal stacks with gated activations.

    `p(x | h) = prod_i p(x_i | x_<i, h)` in raster order, each factor from a
    `GatedPixelCNNNetwork`. Each layer has a vertical stack, which sees every
    row above the current one through down-shifted convolutions, and a
    horizontal stack, which sees the current row up to the current pixel
    through masked `1 × (k//2 + 1)` convolutions and receives the vertical
    stack through a 1×1 link. Together they remove the blind spot of
    `PixelCNN`: with enough layers the law of a pixel depends on every earlier
    pixel. The model is autoregressive for any weights (padding and masks act
    in the forward pass).

    #### Mathematical details

    Every layer applies the gated activation, in both stacks,

    ```none
    y = tanh(W_f * x + V_f h) ⊙ sigmoid(W_g * x + V_g h)
    ```

    with `W_f, W_g` fused into one convolution of 2p features and `V h` a
    per-class vector (`num_classes`) or a projection of a float condition
    (`conditional_shape`). The horizontal stack is residual.
    With `likelihood="categorical"` and C > 1 the horizontal features are
    split into R/G/B groups so that channel c's logits see channels < c of the
    same pixel; with `"logistic_mixture"` no feature of a pixel sees any of its
    channels.

    #### Example

    ```python
    dist = pixeldist.GatedPixelCNN(
        image_shape=(8, 8, 1), num_classes=10, high=16, num_layers=5,
        num_filters=32, kernel_size=3)
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
      num_layers: gated layers (>= 1). After L layers of kernel k a pixel sees
        `L * (k // 2)` columns to each side and `L * (k // 2) + 1` rows up.
      num_filters: features p of each stack.
      kernel_size: odd k >= 3: the vertical stack's convolutions are
        `(k // 2 + 1) × k`, the horizontal stack's `1 × (k // 2 + 1)`.

    The shared arguments have `PixelCNN`'s defaults. `num_layers=15`,
    `num_filters=128`, `kernel_size=5` make a mid-sized model for 28×28
    images: 15 layers of kernel 5 reach 30 columns to each side and 31 rows
    up, so every pixel of a 28×28 image sees all the pixels before it.

    #### References

    [1]: Aaron van den Oord, Nal Kalchbrenner, Oriol Vinyals, Lasse Espeholt,
         Alex Graves, Koray Kavukcuoglu. Conditional Image Generation with
         PixelCNN Decoders. NeurIPS 2016. https://arxiv.org/abs/1606.05328
    """

    network_class = GatedPixelCNNNetwork

    def __init__(
        self,
        image_shape,
        num_classes: int | None = None,
        conditional_shape=None,
        likelihood: str = "categorical",
        num_logistic_mix: int = 5,
        num_layers: int = 15,
        num_filters: int = 128,
        kernel_size: int = 5,
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
