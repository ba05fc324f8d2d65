"""A two-level VQ-VAE: a coarse top code map and a finer bottom code map."""

from __future__ import annotations

import math

import keras
from keras import ops

from pixeldist.latent.vq_vae import VQVAE, _decoder, _encoder, code_indices


@keras.saving.register_keras_serializable(package="pixeldist")
class TwoLevelVQVAE(VQVAE):
    """A VQ-VAE with two code maps, after VQ-VAE-2 (Razavi et al. 2019).

    The bottom encoder maps `x [N, H, W, C]` to features `[N, h, w, F]`
    (`h = H / f`); the top encoder halves them again and quantizes to top
    codes `[N, h/2, w/2]`; the top codes, up-sampled back to `h x w`, join the
    bottom features to make the bottom codes `[N, h, w]`; the decoder reads
    the bottom codes' entries and the up-sampled top entries. So the top map
    holds the global shape, the bottom map the detail given the top. Both
    codebooks have `num_codes` entries; both quantizers add their losses.

    Priors: `code_prior(m, code_map_shape=m.top_code_map_shape, ...)` for the
    top codes, and for the bottom codes a prior conditioned on the top map,
    `code_prior(m, conditional_shape=m.bottom_condition_shape(num_classes))`,
    given `conditional_input=m.bottom_condition(top_codes, labels)` (the top
    codes one-hot, and the label one-hot at every position): every pixeldist
    model takes such a map through its learned up-sampling.

    Args: as `VQVAE`; `downsampling` gives the bottom map's size and the
    bottom map's height and width must be even.

    #### References

    [1]: Ali Razavi, Aaron van den Oord, Oriol Vinyals. Generating Diverse
         High-Fidelity Images with VQ-VAE-2. NeurIPS 2019.
         https://arxiv.org/abs/1906.00446
    """

    def _build_networks(self) -> None:
        height, width = self.code_map_shape
        if height % 2 or width % 2:
            raise ValueError(
                "The bottom code map must have an even height and width to halve, "
                f"got {(height, width)}."
            )
        filters, size = self.num_filters, self.code_size
        halvings = round(math.log2(self.downsampling))
        self.encoder = _encoder(self.image_shape, filters, filters, halvings)
        self.top_encoder = _encoder((height, width, filters), size, filters, 1)
        self.top_quantizer = self._quantizer("top_quantizer", self.top_code_map_shape)
        self.top_upsampler = keras.Sequential(
            [
                keras.Input((*self.top_code_map_shape, size)),
                keras.layers.Conv2D(filters, 3, padding="same"),
                keras.layers.ReLU(),
                keras.layers.Conv2DTranspose(filters, 4, 2, padding="same"),
            ],
            name="top_upsampler",
        )  # [N, h/2, w/2, D] -> [N, h, w, F]
        self.bottom_mixer = keras.Sequential(
            [
                keras.Input((height, width, 2 * filters)),
                keras.layers.ReLU(),
                keras.layers.Conv2D(filters, 3, padding="same"),
                keras.layers.ReLU(),
                keras.layers.Conv2D(size, 1),
            ],
            name="bottom_mixer",
        )  # [features, up-sampled top] -> z_bottom [N, h, w, D]
        self.quantizer = self._quantizer("quantizer", self.code_map_shape)
        self.decoder = _decoder(
            self.code_map_shape,
            size + filters,
            self.image_shape,
            self.num_levels,
            filters,
        )

    @property
    def top_code_map_shape(self) -> tuple[int, int]:
        """`(h / 2, w / 2)`, the spatial shape of a top code map."""
        height, width = self.code_map_shape
        return height // 2, width // 2

    def _quantize(self, images, training):
        """`(z_q bottom, up-sampled top)` of `images`, and the two code maps."""
        features = self.encoder(self._scaled(images), training=training)
        z_top = self.top_encoder(features, training=training)  # [N, h/2, w/2, D]
        top_codes = self.top_quantizer.codes(z_top)
        top = self.top_upsampler(self.top_quantizer(z_top, training=training))
        z_bottom = self.bottom_mixer(ops.concatenate([features, top], axis=-1))
        bottom_codes = self.quantizer.codes(z_bottom)
        z_q = self.quantizer(z_bottom, training=training)  # [N, h, w, D]
        return z_q, top, top_codes, bottom_codes

    def call(self, images, training=False):
        z_q, top, _, _ = self._quantize(images, training)
        return self.decoder(ops.concatenate([z_q, top], axis=-1), training=training)

    def encode(self, images):
        """`(top codes int32 [N, h/2, w/2], bottom codes int32 [N, h, w])`."""
        _, _, top_codes, bottom_codes = self._quantize(images, training=False)
        return top_codes, bottom_codes

    def decode(self, top_codes, bottom_codes):
        """Images `float [N, H, W, C]` of code maps (`[N, ., .]` or
        `[N, ., ., 1]`), each pixel its most probable value."""
        top = self.top_upsampler(self.top_quantizer.embed(code_indices(top_codes)))
        z_q = self.quantizer.embed(code_indices(bottom_codes))
        logits = self.decoder(ops.concatenate([z_q, top], axis=-1), training=False)
        return self._most_probable(logits)

    def reconstruct(self, images):
        return self.decode(*self.encode(images))

    def bottom_condition_shape(self, num_classes: int | None = None):
        """The `conditional_shape` of a bottom prior: `(h/2, w/2, K [+ classes])`."""
        return (*self.top_code_map_shape, self.num_codes + (num_classes or 0))

    def bottom_condition(self, top_codes, labels=None, num_classes=None):
        """A bottom prior's condition map, float32 `[N, h/2, w/2, K [+ classes]]`:
        the top codes one-hot, then (with `labels` and `num_classes`) each
        image's label one-hot at every position."""
        top = ops.one_hot(code_indices(top_codes), self.num_codes)  # [N, h/2, w/2, K]
        if labels is None:
            return top
        if num_classes is None:
            raise ValueError("Give `num_classes` with `labels`.")
        label = ops.one_hot(ops.cast(labels, "int32"), num_classes)  # [N, classes]
        label = ops.broadcast_to(
            label[:, None, None, :], (*ops.shape(top)[:-1], num_classes)
        )
        return ops.concatenate([top, label], axis=-1)
