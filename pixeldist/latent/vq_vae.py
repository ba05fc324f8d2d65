"""A VQ-VAE for small discrete images: conv encoder, vector quantizer, conv decoder."""

from __future__ import annotations

import math

import keras
from keras import ops

from pixeldist.keras_integration.own_loss_model import OwnLossModel
from pixeldist.latent.vector_quantizer import VectorQuantizer


@keras.saving.register_keras_serializable(package="pixeldist")
class VQVAE(OwnLossModel):
    """A VQ-VAE (van den Oord et al. 2017) for images with integer values.

    Images `x [N, H, W, C]` hold integers in `[low, high]` (floats or
    integers). The encoder maps `x`, scaled to `[-1, 1]`, to `z [N, h, w, D]`
    with `h = H / f`, `w = W / f` (`f = downsampling`, a power of 2: one
    stride-2 convolution per halving); the `VectorQuantizer` replaces each
    `z_p` by its nearest codebook entry; the decoder maps the quantized map
    back to per-pixel logits over the `L = high - low + 1` levels,
    `[N, H, W, C, L]`.

    #### Mathematical details

    The decoder is a per-pixel categorical likelihood, the natural law of a
    discrete value (no scale, no binning):

        log p(x | z_q) = sum_{i, c} log softmax(logits[i, c])[x_{i, c} - low]

    and training minimizes, per batch,

        loss = -mean_{i, c} log p(x_{i, c} | z_q)          (reconstruction)
             + mean (sg(z) - z_q)^2 + beta · mean (z - sg(z_q))^2   (vq)

    (the quantizer's loss, see `VectorQuantizer`). The reconstruction term is
    in nats per sub-pixel; `fit` reports it as `reconstruction_loss` and the
    quantizer's term as `vq_loss`. `decode` returns each pixel's most
    probable value.

    #### Example

    ```python
    vq_vae = pixeldist.VQVAE((8, 8, 1), high=16, num_codes=16)
    vq_vae.compile(optimizer=keras.optimizers.Adam(2e-3))
    vq_vae.fit(train_dataset, epochs=30)  # images, or (images, labels)
    codes = vq_vae.encode(images)        # int32 [N, 4, 4]
    again = vq_vae.decode(codes)         # float [N, 8, 8, 1], values 0..16
    ```

    Args:
      image_shape: `(H, W, C)`.
      high, low: the range of pixel values.
      num_codes: `K`, the codebook size.
      code_size: `D`, the size of a codebook vector.
      downsampling: `f`, the ratio of image to code-map size (1, 2, 4, ...).
      num_filters: width of the convolutions.
      commitment_cost: `beta`.
      initialize_codebook_from_data: set the codebook to encoder outputs of
        the first training batch (see `VectorQuantizer`).

    #### References

    [1]: Aaron van den Oord, Oriol Vinyals, Koray Kavukcuoglu. Neural Discrete
         Representation Learning. NeurIPS 2017. https://arxiv.org/abs/1711.00937
    """

    own_loss = "its reconstruction and vq losses"

    def __init__(
        self,
        image_shape,
        high: int = 255,
        low: int = 0,
        num_codes: int = 16,
        code_size: int = 16,
        downsampling: int = 2,
        num_filters: int = 64,
        commitment_cost: float = 0.25,
        initialize_codebook_from_data: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        image_shape = tuple(int(d) for d in image_shape)
        if len(image_shape) != 3:
            raise ValueError(f"`image_shape` must be (H, W, C), got {image_shape}.")
        if high <= low:
            raise ValueError(f"`high` must be > `low`, got {high} and {low}.")
        halvings = round(math.log2(downsampling)) if downsampling >= 1 else -1
        if halvings < 0 or 2**halvings != downsampling:
            raise ValueError(
                "`downsampling` must be a power of 2 (1, 2, 4, ...), "
                f"got {downsampling}."
            )
        if image_shape[0] % downsampling or image_shape[1] % downsampling:
            raise ValueError(
                f"`downsampling` ({downsampling}) must divide the image height "
                f"and width, got image_shape={image_shape}."
            )
        self.image_shape = image_shape
        self.high = int(high)
        self.low = int(low)
        self.num_codes = int(num_codes)
        self.code_size = int(code_size)
        self.downsampling = int(downsampling)
        self.num_filters = int(num_filters)
        self.commitment_cost = float(commitment_cost)
        self.initialize_codebook_from_data = bool(initialize_codebook_from_data)

        self._build_networks()
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.vq_tracker = keras.metrics.Mean(name="vq_loss")

    def _build_networks(self) -> None:
        """The encoder, quantizer and decoder, with their weights."""
        halvings = round(math.log2(self.downsampling))
        self.encoder = _encoder(
            self.image_shape, self.code_size, self.num_filters, halvings
        )
        self.quantizer = self._quantizer("quantizer", self.code_map_shape)
        self.decoder = _decoder(
            self.code_map_shape,
            self.code_size,
            self.image_shape,
            self.num_levels,
            self.num_filters,
        )

    def _quantizer(self, name, code_map_shape) -> VectorQuantizer:
        quantizer = VectorQuantizer(
            self.num_codes,
            self.code_size,
            self.commitment_cost,
            initialize_from_data=self.initialize_codebook_from_data,
            name=name,
        )
        quantizer.build((None, *code_map_shape, self.code_size))
        return quantizer

    @property
    def num_levels(self) -> int:
        """`L`, the number of pixel values."""
        return self.high - self.low + 1

    @property
    def code_map_shape(self) -> tuple[int, int]:
        """`(h, w)`, the spatial shape of a code map."""
        height, width, _ = self.image_shape
        return height // self.downsampling, width // self.downsampling

    def _scaled(self, images):
        """Pixel values `[low, high]` -> `[-1, 1]`."""
        images = ops.cast(images, self.compute_dtype)
        return 2.0 * (images - self.low) / (self.high - self.low) - 1.0

    def call(self, images, training=False):
        """Per-pixel logits `[N, H, W, C, L]` of the reconstruction of `images`."""
        z = self.encoder(self._scaled(images), training=training)  # [N, h, w, D]
        z_q = self.quantizer(z, training=training)
        return self.decoder(z_q, training=training)

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        if sample_weight is not None:
            raise ValueError("VQVAE does not support sample weights.")
        levels = ops.cast(x, "int32") - self.low  # [N, H, W, C]
        reconstruction = ops.mean(
            keras.losses.sparse_categorical_crossentropy(
                levels, y_pred, from_logits=True
            )
        )
        vq = ops.sum(self.losses)
        self.reconstruction_tracker.update_state(reconstruction)
        self.vq_tracker.update_state(vq)
        return reconstruction + vq

    def encode(self, images):
        """The codes of `images [N, H, W, C]`: int32 `[N, h, w]`."""
        z = self.encoder(self._scaled(images), training=False)
        return self.quantizer.codes(z)

    def decode(self, codes):
        """The images of `codes int [N, h, w]` (or code maps `[N, h, w, 1]`):
        float `[N, H, W, C]`, each pixel its most probable value in
        `[low, high]`."""
        z_q = self.quantizer.embed(code_indices(codes))
        return self._most_probable(self.decoder(z_q, training=False))

    def _most_probable(self, logits):
        """Logits `[N, H, W, C, L]` -> float images `[N, H, W, C]`."""
        return ops.cast(ops.argmax(logits, axis=-1) + self.low, "float32")

    def reconstruct(self, images):
        """`decode(encode(images))`: float `[N, H, W, C]`."""
        return self.decode(self.encode(images))

    def get_config(self):
        config = super().get_config()
        config.update(
            image_shape=self.image_shape,
            high=self.high,
            low=self.low,
            num_codes=self.num_codes,
            code_size=self.code_size,
            downsampling=self.downsampling,
            num_filters=self.num_filters,
            commitment_cost=self.commitment_cost,
            initialize_codebook_from_data=self.initialize_codebook_from_data,
        )
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def code_indices(codes):
    """Codes `[N, h, w]`, or code maps `[N, h, w, 1]` as a prior samples them."""
    codes = ops.convert_to_tensor(codes)
    if len(codes.shape) == 4:
        if codes.shape[-1] != 1:
            raise ValueError(
                f"Code maps must be [N, h, w] or [N, h, w, 1], got {codes.shape}."
            )
        codes = codes[..., 0]
    return ops.cast(codes, "int32")


def _encoder(image_shape, code_size, num_filters, halvings) -> keras.Model:
    """`[N, H, W, C]` in [-1, 1] -> `z [N, H / 2^halvings, W / 2^halvings, D]`."""
    conv = keras.layers.Conv2D
    layers = [keras.Input(image_shape), conv(num_filters, 3, padding="same")]
    for _ in range(halvings):  # each halves H and W
        layers += [keras.layers.ReLU(), conv(num_filters, 4, 2, padding="same")]
    layers += [
        keras.layers.ReLU(),
        conv(num_filters, 3, padding="same"),
        keras.layers.ReLU(),
        conv(code_size, 1),
    ]
    return keras.Sequential(layers, name="encoder")


def _decoder(code_map_shape, code_size, image_shape, num_levels, num_filters):
    """`z_q [N, h, w, D]` -> logits `[N, H, W, C, L]`."""
    height, width, channels = image_shape
    halvings = round(math.log2(height // code_map_shape[0]))
    layers = [
        keras.Input((*code_map_shape, code_size)),
        keras.layers.Conv2D(num_filters, 3, padding="same"),
        keras.layers.ReLU(),
        keras.layers.Conv2D(num_filters, 3, padding="same"),
    ]
    for _ in range(halvings):  # each doubles h and w
        layers += [
            keras.layers.ReLU(),
            keras.layers.Conv2DTranspose(num_filters, 4, 2, padding="same"),
        ]
    layers += [
        keras.layers.ReLU(),
        keras.layers.Conv2D(channels * num_levels, 1),
        keras.layers.Reshape((height, width, channels, num_levels)),
    ]
    return keras.Sequential(layers, name="decoder")
