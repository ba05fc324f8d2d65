"""The conditioning network `m(s)` of a spatial condition (Gated PixelCNN)."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="pixeldist")
class SpatialCondition(keras.layers.Layer):
    """A learned up-sampling of a condition map to the image's resolution.

    A spatial condition `s [N, h, w, c]` (a low-resolution image, a
    segmentation, the top level of a hierarchical latent model) with `h`, `w`
    dividing the image's `H`, `W` becomes features `m(s) [N, H, W, features]`,
    and every layer adds its own projection `V m(s)` (`ConditionalBias`): the
    location-dependent conditioning of the Gated PixelCNN paper.

    #### Mathematical details

    With `(a, b) = (H / h, W / w)`:

    ```none
    m(s) = K_3x3 * elu(U(s))
    U(s) = the transposed convolution of s with kernel and strides (a, b)
    ```

    so each condition position becomes an `a × b` block of learned features
    (a 1×1 convolution when `a = b = 1`), which a 3×3 convolution then blends
    across blocks. `m` reads the condition alone, never the image, so it may
    look anywhere in it; a generation computes it once.

    Args:
      features: the number of features of `m(s)`.
      image_size: `(H, W)`.

    Shapes: `[N, h, w, c] -> [N, H, W, features]`.

    #### References

    [1]: Aaron van den Oord, Nal Kalchbrenner, Oriol Vinyals, Lasse Espeholt,
         Alex Graves, Koray Kavukcuoglu. Conditional Image Generation with
         PixelCNN Decoders. NeurIPS 2016, section 2.3.
         https://arxiv.org/abs/1606.05328
    """

    def __init__(self, features: int, image_size, **kwargs):
        super().__init__(**kwargs)
        if int(features) != features or features < 1:
            raise ValueError(f"`features` must be an integer >= 1, got {features}.")
        self.features = int(features)
        self.image_size = tuple(int(d) for d in image_size)

    def build(self, input_shape):
        check_condition_map(tuple(input_shape[1:]), self.image_size)
        factors = tuple(
            size // int(d)
            for size, d in zip(self.image_size, input_shape[1:3], strict=True)
        )
        common = dict(dtype=self.dtype_policy)
        self.up = keras.layers.Conv2DTranspose(
            self.features, factors, strides=factors, name="up", **common
        )
        self.up.build(input_shape)
        self.blend = keras.layers.Conv2D(
            self.features, 3, padding="same", name="blend", **common
        )
        self.blend.build((input_shape[0], *self.image_size, self.features))

    def call(self, condition):
        return self.blend(ops.elu(self.up(condition)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.image_size, self.features)

    def get_config(self):
        config = super().get_config()
        config.update(features=self.features, image_size=self.image_size)
        return config


def check_condition_map(conditional_shape, image_size) -> None:
    """A condition map `(h, w, c)` whose `h` and `w` divide the image's."""
    height, width = (int(d) for d in image_size[:2])
    if (
        len(conditional_shape) != 3
        or min(conditional_shape) < 1
        or height % conditional_shape[0]
        or width % conditional_shape[1]
    ):
        raise ValueError(
            f"`conditional_shape` {tuple(conditional_shape)} of a spatial "
            "condition must be (h, w, c) with h dividing the image height "
            f"{height} and w dividing its width {width} (the condition map "
            "is up-sampled by whole factors)."
        )
