"""PixelCNN++ (Salimans et al. 2017) as a TFP distribution: a Keras 3 `tfd.PixelCNN`."""

from __future__ import annotations

import keras
import tensorflow as tf

from pixeldist.distributions.autoregressive_image_distribution import (
    AutoregressiveImageDistribution,
    constructor_arguments,
    shared_arguments,
)
from pixeldist.networks.pixelcnn_plus_plus_network import PixelCNNPlusPlusNetwork


@keras.saving.register_keras_serializable(package="pixeldist")
class PixelCNNPlusPlus(AutoregressiveImageDistribution):
    """PixelCNN++: shifted convolutions in a U-Net, discretized logistic mixtures.

    `p(x | h) = prod_i p(x_i | x_<i, h)` in raster order. A
    `PixelCNNPlusPlusNetwork` computes the parameters of every factor in one
    pass: a vertical stream (rows above) and a horizontal stream (pixels to
    the left and above) built from down- and down-right-shifted convolutions,
    so the model is autoregressive for any weights and has no blind spot,
    with gated residual blocks in a U-Net of `num_hierarchies` resolutions.

    A drop-in for `tfd.PixelCNN` on Keras 3: the same arguments and defaults,
    plus `num_classes` (integer labels, a learned bias per class),
    `likelihood`, `validate_args`. With `likelihood="logistic_mixture"` (the
    default, as in TFP) each pixel is a mixture of `num_logistic_mix`
    discretized logistics whose channel means are coupled linearly (R, then G
    given R, then B); with `"categorical"` a masked 1×1 stack lets channel c's
    softmax see channels < c of the same pixel.

    #### Mathematical details

    ```none
    p(x[i, j] | x_<(i, j), h) = sum_k pi_k prod_c DL(x_c; mu_kc, s_kc)
    mu_kc = m_kc + sum_{c' < c} a_kcc' (x_c' - (low + high) / 2)
    DL(v; mu, s) = F((v + 1/2 - mu) / s) - F((v - 1/2 - mu) / s)
    ```

    with the logistic CDF `F`, the end bins `low` and `high` open to
    -infinity and +infinity (PixelCNN++, equation 2), and `pi, m, s, a` the
    outputs of the network at pixel (i, j) (see `LogisticMixtureHead`).

    Weight normalization uses a data-dependent initialization on the first
    `training=True` call (the first batch of `fit`), once: `sample` and
    `log_prob` (training false) never trigger it, and a saved model keeps it.

    #### Example

    ```python
    dist = pixeldist.PixelCNNPlusPlus(
        image_shape=(28, 28, 1), num_resnet=1, num_hierarchies=2,
        num_filters=32, num_logistic_mix=5, dropout_p=0.3, num_classes=10)
    model = pixeldist.DensityModel(dist)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(train_dataset, epochs=10)          # (images, labels) batches
    samples = dist.sample(10, conditional_input=tf.range(10), seed=1)
    ```

    Args:
      image_shape: `(H, W, C)`; `H` and `W` divisible by
        `2 ** (num_hierarchies - 1)`.
      conditional_shape: shape of a float condition (`()` for a scalar), as
        in TFP.
      num_resnet: gated residual blocks per stream and resolution (one more
        on the way up, except at the coarsest level).
      num_hierarchies: resolutions of the U-Net.
      num_filters: features of both streams.
      num_logistic_mix: mixture components.
      receptive_field_dims: `(rows, cols)`: the blocks' convolutions read
        `rows - 1` rows up to the current one, `cols` (odd) columns on the
        vertical stream and `cols // 2 + 1` on the horizontal one.
      dropout_p: dropout rate in the blocks, in [0, 1).
      resnet_activation: "concat_elu", or a Keras activation name ("elu",
        "relu").
      use_weight_norm: weight-normalize every convolution and dense layer.
      use_data_init: data-dependent initialization of the weight norm.
      high, low: the pixel values are the integers in `[low, high]`.
      dtype: float dtype of `log_prob` and samples.
      num_classes: number of classes of an integer label condition.
      likelihood: "logistic_mixture" or "categorical".
      validate_args, name, trainable, input_encoding: see
        `AutoregressiveImageDistribution`.

    #### References

    [1]: Tim Salimans, Andrej Karpathy, Xi Chen, Diederik P. Kingma. PixelCNN++:
         Improving the PixelCNN with Discretized Logistic Mixture Likelihood
         and Other Modifications. ICLR 2017. https://arxiv.org/abs/1701.05517
    [2]: Aaron van den Oord, Nal Kalchbrenner, Oriol Vinyals, Lasse Espeholt,
         Alex Graves, Koray Kavukcuoglu. Conditional Image Generation with
         PixelCNN Decoders. NeurIPS 2016. https://arxiv.org/abs/1606.05328
    [3]: Tim Salimans, Diederik P. Kingma. Weight Normalization. NeurIPS 2016.
         https://arxiv.org/abs/1602.07868
    """

    network_class = PixelCNNPlusPlusNetwork

    def __init__(
        self,
        image_shape,
        conditional_shape=None,
        num_resnet: int = 5,
        num_hierarchies: int = 3,
        num_filters: int = 160,
        num_logistic_mix: int = 10,
        receptive_field_dims=(3, 3),
        dropout_p: float = 0.5,
        resnet_activation: str = "concat_elu",
        use_weight_norm: bool = True,
        use_data_init: bool = True,
        high: int = 255,
        low: int = 0,
        dtype=tf.float32,
        num_classes: int | None = None,
        likelihood: str = "logistic_mixture",
        validate_args: bool = True,
        name: str | None = None,
        trainable: bool = True,
        input_encoding: str = "scaled",
    ):
        parameters = constructor_arguments(locals())
        super().__init__(**shared_arguments(parameters), parameters=parameters)
