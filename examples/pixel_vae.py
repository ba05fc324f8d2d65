"""A PixelVAE on the bundled digits: ELBO and IWAE bounds versus a plain PixelCNN.

A VAE whose decoder is a small PixelCNN given a 4×4×4 latent map
(`pixeldist.latent.pixel_vae.PixelVAE`, 2 nats of free bits per latent
channel against posterior collapse) trains on the digits; then a plain
PixelCNN of the decoder's depth, as wide as makes it about the VAE's size,
trains for the same wall-clock time. It prints held-out bits/dim: the VAE's
ELBO and importance-weighted (IWAE) bounds, which are upper bounds on its
bits/dim, and the plain model's exact bits/dim, plus the VAE's KL term (how
much the decoder uses `z`), and writes a picture of held-out digits, their
reconstructions (`z ~ q(z|x)`, `x ~ p(x|z)`) and samples (`z ~ p(z)`).

    python examples/pixel_vae.py --out pixel_vae_samples.png

About two and a half minutes on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow_probability.python.distributions import kl_divergence  # noqa: E402

import pixeldist  # noqa: E402
from pixeldist.data import DIGITS_HIGH, DIGITS_IMAGE_SHAPE, load  # noqa: E402
from pixeldist.keras_integration.bits_per_dim import bits_per_dim  # noqa: E402
from pixeldist.latent.pixel_vae import PixelVAE  # noqa: E402
from pixeldist.plotting import labelled_image_grid  # noqa: E402


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--latent-depth", type=int, default=4)
    parser.add_argument("--decoder-layers", type=int, default=3)
    parser.add_argument("--decoder-filters", type=int, default=32)
    parser.add_argument("--encoder-filters", type=int, default=32)
    parser.add_argument(
        "--plain-filters",
        type=int,
        default=64,
        help="width of the plain PixelCNN (64: about the VAE's parameter count)",
    )
    parser.add_argument(
        "--free-bits", type=float, default=2.0, help="nats per latent channel"
    )
    parser.add_argument("--kl-warmup-epochs", type=int, default=0)
    parser.add_argument("--iwae-samples", type=int, default=64)
    parser.add_argument("--columns", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="pixel_vae_samples.png")
    return parser.parse_args(argv)


def train_for(model, train, epochs=None, seconds=None) -> float:
    """Fits `epochs` epochs, or whole epochs until `seconds` have passed."""
    start = time.perf_counter()
    epoch = 0
    while (epochs is not None and epoch < epochs) or (
        seconds is not None and time.perf_counter() - start < seconds
    ):
        model.fit(train, initial_epoch=epoch, epochs=epoch + 1, verbose=0)
        epoch += 1
    return time.perf_counter() - start


def held_out_bound(bound_fn, test) -> float:
    """The mean of a per-image bound (nats) over the test set, in bits/dim."""
    bounds = np.concatenate([bound_fn(images).numpy() for images, _ in test])
    return float(np.mean(bits_per_dim(bounds, DIGITS_IMAGE_SHAPE)))


def main(argv=None) -> dict:
    args = parse_arguments(argv)
    keras.utils.set_random_seed(args.seed)
    train = (
        load("digits", "train")
        .shuffle(2048, seed=args.seed)
        .batch(args.batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )
    test = load("digits", "test").batch(32)
    steps_per_epoch = int(train.cardinality())

    vae = PixelVAE(
        image_shape=DIGITS_IMAGE_SHAPE,
        high=DIGITS_HIGH,
        latent_shape=(4, 4, args.latent_depth),
        decoder_layers=args.decoder_layers,
        decoder_filters=args.decoder_filters,
        encoder_filters=args.encoder_filters,
        free_bits=args.free_bits,
        kl_warmup_steps=args.kl_warmup_epochs * steps_per_epoch,
        seed=args.seed,
    )
    vae.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    vae_seconds = train_for(vae, train, epochs=args.epochs)

    # A PixelCNN of the decoder's depth without the latent map, as wide as
    # makes it about the VAE's size (encoder and decoder), trained as long.
    plain = pixeldist.DensityModel(
        pixeldist.PixelCNN(
            DIGITS_IMAGE_SHAPE,
            high=DIGITS_HIGH,
            num_layers=args.decoder_layers,
            num_filters=args.plain_filters,
            first_kernel_size=3,
        )
    )
    plain.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    plain_seconds = train_for(plain, train, seconds=vae_seconds)

    seed = tf.constant([args.seed, 1])
    results = {
        "elbo_bits_per_dim": held_out_bound(lambda x: vae.elbo(x, seed=seed), test),
        "iwae_bits_per_dim": held_out_bound(
            lambda x: vae.importance_weighted_bound(x, args.iwae_samples, seed=seed),
            test,
        ),
        "plain_bits_per_dim": plain.evaluate(test, verbose=0, return_dict=True)[
            "bits_per_dim"
        ],
        "kl_nats": float(
            np.mean(
                np.concatenate(
                    [kl_divergence(vae.posterior(x), vae.prior) for x, _ in test]
                )
            )
        ),
        "vae_seconds": vae_seconds,
        "plain_seconds": plain_seconds,
        "vae_parameters": vae.count_params(),
        "plain_parameters": plain.count_params(),
    }
    print(
        f"VAE: {vae.count_params()} parameters, {args.epochs} epochs in "
        f"{vae_seconds:.0f} s; plain PixelCNN: {plain.count_params()} parameters, "
        f"{plain_seconds:.0f} s"
    )
    print(f"held-out ELBO bound:        {results['elbo_bits_per_dim']:.3f} bits/dim")
    print(
        f"held-out IWAE bound (K={args.iwae_samples}): "
        f"{results['iwae_bits_per_dim']:.3f} bits/dim"
    )
    print(f"plain PixelCNN, exact:      {results['plain_bits_per_dim']:.3f} bits/dim")
    print(f"KL(q(z|x) || p(z)) on held-out digits: {results['kl_nats']:.2f} nats")

    write_picture(vae, test, args)
    return results


def write_picture(vae, test, args) -> None:
    """Rows: held-out digits, their reconstructions, and three rows of samples."""
    from PIL import Image

    columns = args.columns
    real = next(iter(test.unbatch().batch(columns)))[0]  # [columns, 8, 8, 1]
    # One call of the decoder's cached sampler draws both kinds of images:
    # given latent maps of held-out digits, and given latent maps of the prior.
    latent_seed, prior_seed, image_seed = tf.random.split(
        tf.constant([args.seed, 2]), 3
    )
    latents = tf.concat(
        [
            vae.posterior(real).sample(seed=latent_seed),
            vae.prior.sample(3 * columns, seed=prior_seed),
        ],
        axis=0,
    )  # [4 * columns, 4, 4, d]
    images = vae.decoder.sample(4 * columns, conditional_input=latents, seed=image_seed)
    rows = np.concatenate(
        [
            np.asarray(real, np.float32)[None],
            np.asarray(images).reshape(4, columns, *DIGITS_IMAGE_SHAPE),
        ]
    )  # [5, columns, 8, 8, 1]
    grid = labelled_image_grid(
        rows,
        high=DIGITS_HIGH,
        row_labels=["held-out", "reconstructed", "sampled", "sampled", "sampled"],
    )
    Image.fromarray(grid).save(args.out)
    print(
        f"wrote {args.out}: held-out digits, their reconstructions "
        "(z ~ q(z|x), x ~ p(x|z)), and samples (z ~ p(z))"
    )


if __name__ == "__main__":
    main()
