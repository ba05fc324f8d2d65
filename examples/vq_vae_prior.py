"""Train a VQ-VAE and a class-conditional prior over its codes on the bundled digits.

The two stages of van den Oord et al. (2017), offline on a laptop CPU in a
few minutes:

1. a `VQVAE` compresses each 8×8 digit (17 grey levels) to a 4×4 map of
   codes from a codebook of 16 vectors;
2. a class-conditional Gated PixelCNN over those code maps
   (`code_prior`: categorical over the codes, one-hot inputs) learns which
   code maps each digit class makes. With 1,438 training digits it overfits
   within a few dozen epochs, so training stops when the bits per code of
   the last tenth of the training digits (held out from the prior's
   training) stop improving, and keeps the best weights;

then samples code maps per class and decodes them into new digits.

    python examples/vq_vae_prior.py --out vq_vae_prior_samples.png

It prints the held-out reconstruction error, the number of codes in use, the
prior's held-out bits per code before and after training, and writes a PNG
with three rows per class: real held-out digits, their reconstructions, and
digits decoded from sampled codes.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from PIL import Image  # noqa: E402

import pixeldist  # noqa: E402
from pixeldist.data import (  # noqa: E402
    DIGITS_HIGH,
    DIGITS_IMAGE_SHAPE,
    DIGITS_NUM_CLASSES,
    dataset_info,
    digits_arrays,
)
from pixeldist.latent.code_prior import PRIOR_MODELS, code_prior, encode_dataset  # noqa: E402
from pixeldist.latent.vq_vae import VQVAE  # noqa: E402
from pixeldist.plotting import labelled_image_grid  # noqa: E402


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40, help="VQ-VAE epochs")
    parser.add_argument("--prior-epochs", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--num-codes", type=int, default=16)
    parser.add_argument("--code-size", type=int, default=16)
    parser.add_argument("--num-filters", type=int, default=64)
    parser.add_argument(
        "--prior-model", default="gated_pixelcnn", choices=sorted(PRIOR_MODELS)
    )
    parser.add_argument("--prior-layers", type=int, default=2)
    parser.add_argument("--prior-filters", type=int, default=32)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--samples-per-class", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="vq_vae_prior_samples.png")
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(args.seed)
    start = time.perf_counter()
    train = pixeldist.data.load("digits", "train")
    test = pixeldist.data.load("digits", "test")

    # Stage 1: the VQ-VAE.
    vq_vae = VQVAE(
        DIGITS_IMAGE_SHAPE,
        high=DIGITS_HIGH,
        num_codes=args.num_codes,
        code_size=args.code_size,
        num_filters=args.num_filters,
    )
    vq_vae.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    vq_vae.fit(
        train.shuffle(2048, seed=args.seed).batch(args.batch_size),
        epochs=args.epochs,
        verbose=0,
    )
    test_images, test_labels = digits_arrays("test")
    reconstructions = vq_vae.reconstruct(test_images).numpy()
    error = reconstructions - test_images
    test_codes = vq_vae.encode(test_images).numpy()
    results = {
        "reconstruction_mse": float(np.mean(error**2)),
        "reconstruction_mae": float(np.mean(np.abs(error))),
        "codes_used": int(len(np.unique(test_codes))),
    }
    print(
        "held-out reconstruction: mean squared error "
        f"{results['reconstruction_mse']:.3f}, mean absolute error "
        f"{results['reconstruction_mae']:.3f} grey levels (of 0..{DIGITS_HIGH}); "
        f"{results['codes_used']} of {args.num_codes} codes used"
    )

    # Stage 2: a class-conditional prior over the code maps.
    prior = code_prior(
        vq_vae,
        args.prior_model,
        num_classes=DIGITS_NUM_CLASSES,
        num_layers=args.prior_layers,
        num_filters=args.prior_filters,
    )
    model = pixeldist.DensityModel(prior)
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    kept = int(train.cardinality()) * 9 // 10
    code_train = encode_dataset(vq_vae, train.take(kept))
    code_valid = encode_dataset(vq_vae, train.skip(kept))
    code_test = encode_dataset(vq_vae, test).batch(512)
    results["prior_bits_per_code_before"] = _bits(model, code_test)
    history = model.fit(
        code_train.shuffle(2048, seed=args.seed)
        .batch(args.batch_size)
        .prefetch(tf.data.AUTOTUNE),
        epochs=args.prior_epochs,
        validation_data=code_valid.batch(512),
        callbacks=[
            keras.callbacks.EarlyStopping(
                patience=args.patience, restore_best_weights=True
            )
        ],
        verbose=0,
    )
    results["prior_epochs"] = len(history.history["loss"])
    results["prior_bits_per_code"] = _bits(model, code_test)
    print(
        "prior held-out bits per code: "
        f"{results['prior_bits_per_code_before']:.3f} before training, "
        f"{results['prior_bits_per_code']:.3f} after {results['prior_epochs']} "
        f"epochs (uniform: {np.log2(args.num_codes):.3f})"
    )

    # New digits: sampled code maps, decoded.
    per_class = args.samples_per_class
    labels = np.repeat(np.arange(DIGITS_NUM_CLASSES), per_class)
    code_maps = prior.sample(len(labels), seed=args.seed, conditional_input=labels)
    generated = vq_vae.decode(code_maps).numpy()
    results["seconds"] = time.perf_counter() - start
    print(f"trained both stages and sampled in {results['seconds']:.0f} s")

    real = [test_images[test_labels == k][:per_class] for k in range(10)]
    shown = [vq_vae.reconstruct(images).numpy() for images in real]
    _save_picture(args.out, real, shown, generated.reshape(10, per_class, 8, 8, 1))
    print(f"wrote {args.out}: per class, real digits, reconstructions, samples")
    return results


def _bits(model, dataset) -> float:
    return float(model.evaluate(dataset, verbose=0, return_dict=True)["bits_per_dim"])


def _save_picture(path, real, reconstructed, generated) -> None:
    names = dataset_info("digits").class_names
    rows, labels = [], []
    for k, name in enumerate(names):
        rows += [real[k], reconstructed[k], generated[k]]
        labels += [f"real {name}", f"reconstructed {name}", f"generated {name}"]
    picture = labelled_image_grid(
        np.stack(rows), high=DIGITS_HIGH, row_labels=labels, rows_per_group=3
    )
    Image.fromarray(picture).save(path)


if __name__ == "__main__":
    main()
