"""The encoder of a VAE with a spatial latent map: images to a diagonal Gaussian."""

from __future__ import annotations

import keras

from pixeldist.networks.image_network import ImageNetwork, check_integer

#: The smallest scale of `q(z | x)`: keeps `log q` finite when the encoder
#: pushes a scale towards zero.
MIN_SCALE = 1e-3


@keras.saving.register_keras_serializable(package="pixeldist")
class GaussianEncoderNetwork(ImageNetwork):
    """Maps images to the parameters of `q(z | x)`, a Gaussian per latent entry.

    Architecture, with `(a, b) = (H / h, W / w)`:

    - a 3×3 convolution to `num_filters` features (ELU), at `H × W`;
    - a convolution with strides `(a, b)` and kernel `max(3, 2a - 1) ×
      max(3, 2b - 1)` (overlapping windows), to `h × w` (ELU);
    - `num_layers` 3×3 convolutions (ELU) at `h × w`;
    - two 1×1 convolutions to `d` channels: the mean, and the scale
      `softplus(raw) + MIN_SCALE`.

    It reads the whole image (no causality: it is an encoder).

    Inputs: `image [N, H, W, C]` scaled to [-1, 1].
    Outputs: `[loc [N, h, w, d], scale [N, h, w, d]]`, `scale > 0`.

    Args:
      image_shape: `(H, W, C)`.
      latent_shape: `(h, w, d)` with `h`, `w` dividing `H`, `W`.
      num_filters: features of the hidden convolutions.
      num_layers: 3×3 convolutions at the latent resolution.
    """

    def __init__(
        self,
        image_shape,
        latent_shape,
        num_filters: int = 32,
        num_layers: int = 1,
        **kwargs,
    ):
        arguments = dict(locals())
        image_shape = tuple(int(s) for s in image_shape)
        latent_shape = tuple(int(s) for s in latent_shape)
        check_latent_shape(latent_shape, image_shape)
        num_filters = check_integer("num_filters", num_filters, 1)
        num_layers = check_integer("num_layers", num_layers, 0)
        factors = tuple(
            size // latent
            for size, latent in zip(image_shape[:2], latent_shape[:2], strict=True)
        )
        kernel = tuple(max(3, 2 * f - 1) for f in factors)

        image = keras.Input(shape=image_shape, name="image")
        x = keras.layers.Conv2D(
            num_filters, 3, padding="same", activation="elu", name="input_conv"
        )(image)  # [N, H, W, F]
        x = keras.layers.Conv2D(
            num_filters,
            kernel,
            strides=factors,
            padding="same",
            activation="elu",
            name="down_conv",
        )(x)  # [N, h, w, F]
        for i in range(num_layers):
            x = keras.layers.Conv2D(
                num_filters, 3, padding="same", activation="elu", name=f"conv_{i}"
            )(x)
        depth = latent_shape[-1]
        loc = keras.layers.Conv2D(depth, 1, name="loc")(x)  # [N, h, w, d]
        raw_scale = keras.layers.Conv2D(depth, 1, name="raw_scale")(x)
        scale = keras.layers.Lambda(
            lambda r: keras.ops.softplus(r) + MIN_SCALE, name="scale"
        )(raw_scale)  # [N, h, w, d]
        kwargs.setdefault("name", "encoder")
        super().__init__(inputs=image, outputs=[loc, scale], **kwargs)
        self._keep_arguments(arguments)
        self.image_shape = image_shape
        self.latent_shape = latent_shape


def check_latent_shape(latent_shape, image_shape) -> None:
    """`(h, w, d)` positive, with `h`, `w` dividing the image's `H`, `W`."""
    if len(latent_shape) != 3 or any(s < 1 for s in latent_shape):
        raise ValueError(
            f"`latent_shape` must be (h, w, d) with positive sizes, got {latent_shape}."
        )
    if any(
        size % latent
        for size, latent in zip(image_shape[:2], latent_shape[:2], strict=True)
    ):
        raise ValueError(
            f"The latent map's height and width {latent_shape[:2]} must divide "
            f"the image's {tuple(image_shape[:2])}."
        )
