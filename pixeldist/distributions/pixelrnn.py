"""PixelRNN (van den Oord et al. 2016) as a TFP distribution."""

from __future__ import annotations

import keras
import tensorflow as tf

from pixeldist.distributions.autoregressive_image_distribution import (
    AutoregressiveImageDistribution,
    constructor_arguments,
    shared_arguments,
)
from pixeldist.networks.pixelrnn_network import PixelRNNNetwork


@keras.saving.register_keras_serializable(package="pixeldist")
class PixelRNN(AutoregressiveImageDistribution):
    """PixelRNN: residual layers of two-dimensional LSTMs over the image.

    `p(x | h) = prod_i p(x_i | x_<i, h)` in raster order, each factor from a
    `PixelRNNNetwork`: a 7×7 mask-A convolution, `num_layers` residual LSTM
    layers, and two 1×1 output convolutions. Three cells:

    - `cell="row_lstm"` (`RowLSTM`): processes the image one row at a time;
      the state of a pixel reads the previous row's states through a width-3
      convolution, so its receptive field is a triangle above the pixel (it
      misses part of the current row and the far upper left/right).
    - `cell="diagonal_bilstm"` (`DiagonalBiLSTM`): processes the image one
      diagonal at a time, in both horizontal directions; each layer has a
      full receptive field. In the network, the only earlier input a pixel
      `(i, j)` misses is the last pixel of the previous row when
      `j < W - 4` (its last channel with R/G/B groups): the mask-A input
      convolution hides it from every feature of its own row, and only row
      i - 1's features reach row i through the right-to-left sweep.
    - `cell="spatial_lstm"` (`SpatialLSTM`, Theis & Bethge 2015): the
      two-dimensional LSTM whose state at `(i, j)` reads the states at
      `(i - 1, j)` and `(i, j - 1)`, one forget gate per predecessor, computed
      one diagonal at a time. A second sweep, right to left and shifted down
      one row, carries the pixels up and to the right; it reads the image
      itself as well as the features, so the network sees every earlier
      pixel (no blind spot).

    All masks act in the forward computation and the recurrences only read
    earlier rows/diagonals, so the model is autoregressive for any weights.
    With `likelihood="categorical"` and C > 1, features and LSTM units are
    split into R/G/B groups and channel c's logits see channels < c of the
    same pixel; with `"logistic_mixture"` every mixture parameter of a pixel
    comes from features that see none of its channels.

    `sample` and `complete` with `method="fast"` use the layers' cached
    steps, for both cells. Row LSTM: the state-to-state convolution once per
    row, the input-to-state window, gates and 1×1 layers once per pixel.
    Diagonal BiLSTM and spatial LSTM: the right-to-left states of the
    previous row once per row (a scan over its columns), the left-to-right
    LSTM step, gates and 1×1 layers once per pixel.

    #### Mathematical details

    Each LSTM layer computes, for the row (Row LSTM) or diagonal (Diagonal
    BiLSTM) `t`, with `⊛` a convolution and `V y` the conditional bias:

    ```none
    [i, f, o, g] = K_is ⊛ x_t + K_ss ⊛ h_{t-1} + b + V y
    c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
    h_t = sigmoid(o) * tanh(c_t)
    ```

    The spatial LSTM, left to right (right to left: `(i, j + 1)` for
    `(i, j - 1)`, the image `x` added to its inputs `z`, output shifted down):

    ```none
    [i, f_a, f_b, o, g] = W z[i, j] + U_a h[i-1, j] + U_b h[i, j-1] + b + V y
    c[i, j] = sigmoid(f_a) * c[i-1, j] + sigmoid(f_b) * c[i, j-1]
              + sigmoid(i) * tanh(g)
    h[i, j] = sigmoid(o) * tanh(c[i, j])
    ```

    #### Example

    ```python
    dist = pixeldist.PixelRNN(image_shape=(8, 8, 1), cell="diagonal_bilstm",
                              num_classes=10, high=16)
    model = pixeldist.DensityModel(dist)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(train_dataset, epochs=10)           # (images, labels) batches
    samples = dist.sample(10, conditional_input=tf.range(10), seed=1)
    ```

    Args:
      image_shape: `(H, W, C)`.
      cell: "row_lstm", "diagonal_bilstm" or "spatial_lstm".
      num_classes, conditional_shape, likelihood, num_logistic_mix, high, low,
        dtype, validate_args, name, input_encoding: see
        `AutoregressiveImageDistribution`.
      num_layers: residual LSTM layers.
      num_filters: `h`, the LSTM units per layer (per direction); the residual
        stream has 2h features.

    Defaults follow the paper's MNIST model: 7 layers with h = 16.

    #### References

    [1]: Aaron van den Oord, Nal Kalchbrenner, Koray Kavukcuoglu. Pixel
         Recurrent Neural Networks. ICML 2016. https://arxiv.org/abs/1601.06759
    [2]: Lucas Theis, Matthias Bethge. Generative Image Modeling Using
         Spatial LSTMs. NeurIPS 2015. https://arxiv.org/abs/1506.03478
    """

    network_class = PixelRNNNetwork

    def __init__(
        self,
        image_shape,
        cell: str = "row_lstm",
        num_classes: int | None = None,
        conditional_shape=None,
        likelihood: str = "categorical",
        num_logistic_mix: int = 5,
        num_layers: int = 7,
        num_filters: int = 16,
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
