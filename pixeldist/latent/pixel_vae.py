"""`PixelVAE`: a VAE whose decoder is a pixeldist distribution given a latent map."""

from __future__ import annotations

import math

import keras
import tensorflow as tf
import tensorflow_probability as tfp

from pixeldist.distributions.pixelcnn import PixelCNN
from pixeldist.keras_integration.bits_per_dim import bits_per_dim
from pixeldist.keras_integration.own_loss_model import OwnLossModel
from pixeldist.latent.gaussian_encoder_network import (
    GaussianEncoderNetwork,
    check_latent_shape,
)
from pixeldist.sampling.raster_generator import RasterGenerator

tfd = tfp.distributions
samplers = tfp.random


@keras.saving.register_keras_serializable(package="pixeldist")
class PixelVAE(OwnLossModel):
    """A VAE with a spatial latent map and an autoregressive pixeldist decoder.

    The latent map `z [h, w, d]` (default `h, w = H / 2, W / 2` and `d = 4`)
    has a standard normal prior; a convolutional encoder
    (`GaussianEncoderNetwork`) gives a diagonal Gaussian posterior; the
    decoder is any pixeldist distribution with `conditional_shape=(h, w, d)`,
    whose learned up-sampling of `z` reaches every layer (PixelVAE,
    Gulrajani et al. 2017).

    #### Mathematical details

    ```none
    p(z)     = prod_{i,j,k} N(z_ijk; 0, 1)                 # [h, w, d]
    q(z | x) = prod_{i,j,k} N(z_ijk; mu_ijk(x), sigma_ijk(x))
    p(x | z) = decoder.log_prob(x, conditional_input=z)   # exact, autoregressive

    ELBO(x)  = E_q[log p(x | z)] - KL(q(z | x) || p(z))  <= log p(x)
    IWAE_K(x) = E[log (1/K) sum_k p(x | z_k) p(z_k) / q(z_k | x)],  z_k ~ q(z | x)
    ```

    `ELBO = IWAE_1 <= IWAE_K <= IWAE_{K+1} <= log p(x)` (Burda et al. 2016).
    Training minimizes `-ELBO` with one reparameterized sample
    `z = mu + sigma * eps` and the analytic Gaussian KL.

    A strong autoregressive decoder can model the images without `z`
    ("posterior collapse": `KL -> 0`). Two remedies act on the training
    objective only (the reported ELBO is always the true one):

    - `kl_warmup_steps`: the KL is weighted by `beta = min(1, step /
      kl_warmup_steps)`, from 0 to 1 over the first optimizer steps;
    - `free_bits`: each latent channel's KL, averaged over the batch, counts
      as at least `free_bits` nats (Kingma et al. 2016): no gradient pushes
      a channel's KL below it.

    #### Keras

    `compile(optimizer)` then `fit(images)` or `fit` on a data set of
    `(images, labels)` pairs (labels are ignored; sample weights are not
    supported). `fit` and `evaluate` report `loss` (the training objective;
    in `evaluate`, `-ELBO`; nats per image), `elbo_bits_per_dim`, `kl` and
    `reconstruction` (`-log p(x | z)`), both in nats per image; the model's
    output (`predict`, `__call__`) is a one-sample ELBO estimate `[N]`.

    ```python
    vae = PixelVAE(image_shape=(8, 8, 1), high=16)
    vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    vae.fit(pixeldist.data.load("digits").batch(64), epochs=10)
    vae.bits_per_dim(vae.importance_weighted_bound(images, num_samples=64))
    vae.sample(16, seed=1)
    ```

    Args:
      image_shape: `(H, W, C)`; with `decoder`, taken from it.
      high, low: pixel values are the integers in `[low, high]`; with
        `decoder`, taken from it.
      latent_shape: `(h, w, d)` of `z`, `h`, `w` dividing `H`, `W`; default
        `(H / 2, W / 2, 4)` (rounded up to a divisor); with `decoder`, its
        `conditional_shape`.
      decoder: a pixeldist distribution with a rank-3 `conditional_shape`
        (no `num_classes`). Default: a `PixelCNN` of `decoder_layers`
        residual blocks of `decoder_filters` features.
      decoder_layers, decoder_filters: the default decoder's size.
      encoder_filters, encoder_layers: see `GaussianEncoderNetwork`.
      kl_warmup_steps: optimizer steps over which the KL weight rises from
        0 to 1 (0: always 1).
      free_bits: nats per latent channel below which the KL is not pushed.
      seed: seed of the training noise.

    #### References

    [1]: Ishaan Gulrajani et al. PixelVAE: A Latent Variable Model for Natural
         Images. ICLR 2017. https://arxiv.org/abs/1611.05013
    [2]: Yuri Burda, Roger Grosse, Ruslan Salakhutdinov. Importance Weighted
         Autoencoders. ICLR 2016. https://arxiv.org/abs/1509.00519
    [3]: Diederik P. Kingma et al. Improved Variational Inference with Inverse
         Autoregressive Flow. NeurIPS 2016 (free bits, appendix C.8).
         https://arxiv.org/abs/1606.04934
    """

    own_loss = "the negative ELBO, with metrics of its own"
    refused_compile_arguments = ("loss", "metrics")

    def __init__(
        self,
        image_shape=None,
        high: int | None = None,
        low: int = 0,
        latent_shape=None,
        decoder=None,
        decoder_layers: int = 3,
        decoder_filters: int = 32,
        encoder_filters: int = 32,
        encoder_layers: int = 1,
        kl_warmup_steps: int = 0,
        free_bits: float = 0.0,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if decoder is None:
            decoder = _default_decoder(
                image_shape, high, low, latent_shape, decoder_layers, decoder_filters
            )
        else:
            _check_decoder(decoder, image_shape, high, low, latent_shape)
        if int(kl_warmup_steps) != kl_warmup_steps or kl_warmup_steps < 0:
            raise ValueError(
                f"`kl_warmup_steps` must be an integer >= 0, got {kl_warmup_steps}."
            )
        if not free_bits >= 0:
            raise ValueError(f"`free_bits` must be >= 0, got {free_bits}.")
        self.decoder = decoder
        self.image_shape = decoder.image_shape
        self.latent_shape = decoder.conditional_shape
        self.encoder_filters = encoder_filters
        self.encoder_layers = encoder_layers
        self.kl_warmup_steps = int(kl_warmup_steps)
        self.free_bits = float(free_bits)
        self.seed = seed
        self.encoder = GaussianEncoderNetwork(
            self.image_shape,
            self.latent_shape,
            num_filters=encoder_filters,
            num_layers=encoder_layers,
        )
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.elbo_bits_per_dim_tracker = keras.metrics.Mean(name="elbo_bits_per_dim")
        self.kl_tracker = keras.metrics.Mean(name="kl")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.built = True

    # -- The three distributions ------------------------------------------------

    @property
    def prior(self) -> tfd.Distribution:
        """`p(z)`: standard normal, batch shape `[]`, event shape `[h, w, d]`."""
        zeros = tf.zeros(self.latent_shape, tf.float32)  # as the encoder
        return tfd.Independent(tfd.Normal(zeros, 1.0), reinterpreted_batch_ndims=3)

    def posterior(self, images, training=False) -> tfd.Distribution:
        """`q(z | x)`: batch shape `[N]`, event shape `[h, w, d]`.

        Args:
          images: `[N, H, W, C]` integer values in `[low, high]` (any dtype).
        """
        loc, scale = self.encoder(self._scale(images), training=training)
        return tfd.Independent(tfd.Normal(loc, scale), reinterpreted_batch_ndims=3)

    def _scale(self, images):
        high, low = self.decoder.high, self.decoder.low
        x = tf.cast(images, tf.float32)
        return 2.0 * (x - low) / (high - low) - 1.0  # [N, H, W, C] in [-1, 1]

    # -- Bounds ------------------------------------------------------------------

    def _seed(self, seed):
        """A stateless seed `[2]`: from `seed`, or the model's generator."""
        if seed is None:
            return tf.cast(self.seed_generator.next(), tf.int32)
        return RasterGenerator.stateless_seed(seed)

    def _terms(self, images, seed, num_samples: int = 1, training=False):
        """`(q, z [K, N, h, w, d], log p(x | z) [K, N])` for one stateless seed."""
        posterior = self.posterior(images, training=training)
        latents = posterior.sample(num_samples, seed=self._seed(seed))
        log_likelihood = self.decoder.log_prob(
            images, conditional_input=latents, training=training
        )  # [K, N]
        return posterior, latents, log_likelihood

    def elbo(self, images, seed=None, analytic_kl: bool = True) -> tf.Tensor:
        """A one-sample estimate of the ELBO of each image, in nats, `[N]`.

        `log p(x | z) - KL(q(z | x) || p(z))` with `z ~ q(z | x)` and the
        analytic KL (default), or, with `analytic_kl=False`,
        `log p(x | z) + log p(z) - log q(z | x)`, which equals
        `importance_weighted_bound(images, 1, seed)`. Both are unbiased for
        the ELBO; the analytic KL has less variance. `seed`: int or
        stateless seed `[2]` (default: the model's seed generator).
        """
        posterior, latents, log_likelihood = self._terms(images, seed)
        if analytic_kl:
            return log_likelihood[0] - tfd.kl_divergence(posterior, self.prior)
        return (
            log_likelihood + self.prior.log_prob(latents) - posterior.log_prob(latents)
        )[0]

    def importance_weighted_bound(
        self, images, num_samples: int, seed=None
    ) -> tf.Tensor:
        """The IWAE bound of each image with `num_samples` samples, nats, `[N]`.

        `log (1/K) sum_k p(x | z_k) p(z_k) / q(z_k | x)` with `z_k ~ q(z | x)`
        (logsumexp over the `K` samples, decoded in one batch of `K · N`
        images); a lower bound on `log p(x)` in expectation, tighter as `K`
        grows.
        """
        if int(num_samples) != num_samples or num_samples < 1:
            raise ValueError(
                f"`num_samples` must be an integer >= 1, got {num_samples}."
            )
        posterior, latents, log_likelihood = self._terms(images, seed, int(num_samples))
        log_weights = (
            log_likelihood + self.prior.log_prob(latents) - posterior.log_prob(latents)
        )  # [K, N]
        return tf.reduce_logsumexp(log_weights, axis=0) - math.log(num_samples)

    def bits_per_dim(self, log_likelihood) -> tf.Tensor:
        """A bound on (or estimate of) `log p(x)` in nats as bits per dimension."""
        return bits_per_dim(log_likelihood, self.image_shape)

    # -- Training ----------------------------------------------------------------

    def loss_terms(self, images, seed=None, training=False) -> dict:
        """The training objective and its parts for one stateless seed.

        Returns a dict: `loss` (scalar, the batch mean of
        `-log p(x | z) + beta · KL` with free bits applied: what `fit`
        minimizes), `kl` `[N]` and `reconstruction` `[N]` (`-log p(x | z)`),
        both in nats, and `latents` `[N, h, w, d]`: the one `z ~ q(z | x)`
        drawn per image.
        """
        posterior, latents, log_likelihood = self._terms(
            images, seed, training=training
        )
        reconstruction = -log_likelihood[0]  # [N]
        # The KL per latent entry, summed over positions: [N, d].
        kl_channels = tf.reduce_sum(
            tfd.kl_divergence(posterior.distribution, self.prior.distribution),
            axis=[1, 2],
        )
        kl = tf.reduce_sum(kl_channels, axis=-1)  # [N]
        kl_term = tf.reduce_mean(kl)
        if self.free_bits > 0:
            kl_term = tf.reduce_sum(
                tf.maximum(tf.reduce_mean(kl_channels, axis=0), self.free_bits)
            )
        loss = tf.reduce_mean(reconstruction) + self._kl_weight() * kl_term
        return {
            "loss": loss,
            "kl": kl,
            "reconstruction": reconstruction,
            "latents": latents[0],
        }

    def _kl_weight(self):
        if not self.kl_warmup_steps or self.optimizer is None:
            return 1.0
        step = tf.cast(self.optimizer.iterations, tf.float32)
        return tf.minimum(1.0, step / float(self.kl_warmup_steps))

    @staticmethod
    def _images(data):
        """Keras' `(x, y, sample_weight)`: the images; labels are ignored."""
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        if isinstance(x, (tuple, list)):
            x = x[0]
        if isinstance(x, dict):
            x = x["image"]
        return x

    def _track(self, loss, terms):
        kl, reconstruction = terms["kl"], terms["reconstruction"]
        self.loss_tracker.update_state(loss)
        self.kl_tracker.update_state(kl)
        self.reconstruction_tracker.update_state(reconstruction)
        self.elbo_bits_per_dim_tracker.update_state(
            self.bits_per_dim(-(reconstruction + kl))
        )
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        images = self._images(data)
        with tf.GradientTape() as tape:
            terms = self.loss_terms(images, training=True)
            loss = terms["loss"]
            for extra in self.losses:
                loss = loss + tf.cast(extra, loss.dtype)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        return self._track(loss, terms)

    def test_step(self, data):
        terms = self.loss_terms(self._images(data))
        return self._track(tf.reduce_mean(terms["kl"] + terms["reconstruction"]), terms)

    def call(self, inputs, training=False):
        return self.elbo(self._images(inputs))

    @property
    def metrics(self):
        return [
            self.loss_tracker,
            self.elbo_bits_per_dim_tracker,
            self.kl_tracker,
            self.reconstruction_tracker,
        ]

    # -- Generation ----------------------------------------------------------------

    def sample(self, n: int, seed=None, **kwargs) -> tf.Tensor:
        """`n` images `[n, H, W, C]`: `z ~ p(z)`, then `x ~ p(x | z)`.

        The decoder draws with its cached sampler; `kwargs` (`temperature`,
        `method`, `progress`) go to `decoder.sample`.
        """
        latent_seed, image_seed = samplers.split_seed(self._seed(seed), 2)
        latents = self.prior.sample(n, seed=latent_seed)  # [n, h, w, d]
        return self.decoder.sample(
            n, conditional_input=latents, seed=image_seed, **kwargs
        )

    def reconstruct(self, images, seed=None, **kwargs) -> tf.Tensor:
        """`x' ~ p(x | z)` with `z ~ q(z | x)`: images `[N, H, W, C]` that share
        what the latent map of each input holds (all of it once the decoder
        ignores `z`: then they are unrelated samples)."""
        latent_seed, image_seed = samplers.split_seed(self._seed(seed), 2)
        latents = self.posterior(images).sample(seed=latent_seed)  # [N, h, w, d]
        return self.decoder.sample(
            tf.shape(latents)[0],
            conditional_input=latents,
            seed=image_seed,
            **kwargs,
        )

    # -- Serialization ---------------------------------------------------------------

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "encoder_filters": self.encoder_filters,
            "encoder_layers": self.encoder_layers,
            "kl_warmup_steps": self.kl_warmup_steps,
            "free_bits": self.free_bits,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["decoder"] = keras.saving.deserialize_keras_object(config["decoder"])
        return cls(**config)


def _default_decoder(image_shape, high, low, latent_shape, num_layers, num_filters):
    """A `PixelCNN` given the latent map, with a 3×3 first convolution."""
    if image_shape is None or high is None:
        raise ValueError("Give `image_shape` and `high`, or a `decoder`.")
    image_shape = tuple(int(s) for s in image_shape)
    if latent_shape is None:
        latent_shape = (*(_half_divisor(s) for s in image_shape[:2]), 4)
    latent_shape = tuple(int(s) for s in latent_shape)
    check_latent_shape(latent_shape, image_shape)
    return PixelCNN(
        image_shape,
        conditional_shape=latent_shape,
        high=high,
        low=low,
        num_layers=num_layers,
        num_filters=num_filters,
        first_kernel_size=3,
        name="decoder",
    )


def _half_divisor(size: int) -> int:
    """`size / 2` when even, else `size` (the latent map must divide the image)."""
    return size // 2 if size % 2 == 0 else size


def _check_decoder(decoder, image_shape, high, low, latent_shape) -> None:
    shape = getattr(decoder, "conditional_shape", None)
    if shape is None or len(shape) != 3:
        raise ValueError(
            "`decoder` must be a pixeldist distribution with a rank-3 "
            f"`conditional_shape=(h, w, d)` (the latent map), got {shape}."
        )
    given = {
        "image_shape": (image_shape, decoder.image_shape),
        "high": (high, decoder.high),
        "latent_shape": (latent_shape, decoder.conditional_shape),
    }
    if low != 0:
        given["low"] = (low, decoder.low)
    for name, (value, expected) in given.items():
        if value is not None and tuple(tf.nest.flatten(value)) != tuple(
            tf.nest.flatten(expected)
        ):
            raise ValueError(
                f"`{name}`={value} disagrees with the decoder's {expected}; "
                "leave it out when passing a `decoder`."
            )
