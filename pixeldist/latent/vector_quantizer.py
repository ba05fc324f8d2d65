"""The vector quantizer of a VQ-VAE: nearest codebook entries, straight through."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="pixeldist")
class VectorQuantizer(keras.layers.Layer):
    """Replaces each vector of a feature map by its nearest codebook entry.

    A codebook `e [K, D]` of `K = num_codes` vectors of size `D = code_size`.
    For an encoder output `z [N, h, w, D]`, position `p` gets the code

        k(p) = argmin_k ||z_p - e_k||^2,        z_q[p] = e_{k(p)}.

    The layer returns `z + sg(z_q - z)` (`sg` = stop-gradient): the value of
    `z_q`, the gradient of the identity with respect to `z` (the straight-
    through estimator), so the decoder's gradient reaches the encoder
    unchanged. The codebook learns from the loss it adds with `add_loss`
    (van den Oord et al. 2017, eq. 3, as means over the `N·h·w·D` elements):

        L_vq = mean (sg(z) - z_q)^2  +  beta · mean (z - sg(z_q))^2

    the codebook term moves entries toward the encoder outputs that chose
    them; the commitment term (`beta = commitment_cost`) keeps the encoder
    close to the entries it chose.

    Codebook entries start uniform in `[-1/K, 1/K]` (as in the paper's
    reference implementation, Sonnet's `VectorQuantizer`); with
    `initialize_from_data=True` the first call in training mode instead sets
    the codebook to encoder outputs of that batch (picked with a fixed
    stride), so that no entry starts far from the data and stays unused.

    Args:
      num_codes: `K`, the codebook size.
      code_size: `D`, the size of each vector (the last axis of `z`).
      commitment_cost: `beta` (0.25 in the paper).
      initialize_from_data: see above.

    #### References

    [1]: Aaron van den Oord, Oriol Vinyals, Koray Kavukcuoglu. Neural Discrete
         Representation Learning. NeurIPS 2017. https://arxiv.org/abs/1711.00937
    """

    def __init__(
        self,
        num_codes: int,
        code_size: int,
        commitment_cost: float = 0.25,
        initialize_from_data: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if num_codes < 1 or code_size < 1:
            raise ValueError(
                "`num_codes` and `code_size` must be positive, got "
                f"{num_codes} and {code_size}."
            )
        if commitment_cost < 0:
            raise ValueError(f"`commitment_cost` must be >= 0, got {commitment_cost}.")
        self.num_codes = num_codes
        self.code_size = code_size
        self.commitment_cost = commitment_cost
        self.initialize_from_data = initialize_from_data

    def build(self, input_shape):
        if input_shape[-1] != self.code_size:
            raise ValueError(
                f"The last axis of the input must be `code_size` "
                f"({self.code_size}), got shape {tuple(input_shape)}."
            )
        bound = 1.0 / self.num_codes
        self.codebook = self.add_weight(
            shape=(self.num_codes, self.code_size),
            initializer=keras.initializers.RandomUniform(-bound, bound),
            name="codebook",
        )  # [K, D]
        # 1 once the codebook holds data (or when data initialization is off).
        self.initialized = self.add_weight(
            shape=(),
            initializer="zeros" if self.initialize_from_data else "ones",
            trainable=False,
            name="initialized",
        )

    def codes(self, z):
        """The index of the nearest codebook entry: `z [..., D]` -> int32 `[...]`."""
        z = ops.convert_to_tensor(z, dtype=self.codebook.dtype)
        flat = ops.reshape(z, (-1, self.code_size))  # [M, D]
        # ||z - e||^2 = ||z||^2 - 2 z.e + ||e||^2; ||z||^2 does not change argmin.
        distances = ops.sum(ops.square(self.codebook), axis=-1) - 2.0 * ops.matmul(
            flat, ops.transpose(self.codebook)
        )  # [M, K]
        codes = ops.cast(ops.argmin(distances, axis=-1), "int32")  # [M]
        return ops.reshape(codes, ops.shape(z)[:-1])

    def embed(self, codes):
        """The codebook entries of `codes int [...]`: `[..., D]`."""
        return ops.take(self.codebook, ops.cast(codes, "int32"), axis=0)

    def _initialize_from(self, z):
        """Sets the codebook to K encoder outputs of `z` (once, in training)."""
        flat = ops.reshape(ops.stop_gradient(z), (-1, self.code_size))  # [M, D]
        count = ops.shape(flat)[0]
        # K rows spread over the batch (repeating when M < K).
        rows = (
            ops.arange(self.num_codes) * ops.maximum(count // self.num_codes, 1)
        ) % count
        picked = ops.take(flat, rows, axis=0)  # [K, D]
        fresh = ops.cast(self.initialized < 0.5, self.codebook.dtype)
        self.codebook.assign(fresh * picked + (1.0 - fresh) * self.codebook)
        self.initialized.assign(ops.ones_like(self.initialized))

    def call(self, z, training=None):
        if self.initialize_from_data and training:
            self._initialize_from(z)
        z_q = self.embed(self.codes(z))  # [N, h, w, D]
        codebook_loss = ops.mean(ops.square(ops.stop_gradient(z) - z_q))
        commitment_loss = ops.mean(ops.square(z - ops.stop_gradient(z_q)))
        self.add_loss(codebook_loss + self.commitment_cost * commitment_loss)
        return z + ops.stop_gradient(z_q - z)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            num_codes=self.num_codes,
            code_size=self.code_size,
            commitment_cost=self.commitment_cost,
            initialize_from_data=self.initialize_from_data,
        )
        return config
