"""Scoring images with pixeldist: out-of-distribution detection, Bayes-rule
classification and sample quality, measured.

Trains, on the training split of the in-distribution data set: an
unconditional model, a background model on mutated images (Ren et al.
2019), a class-conditional model and the `ImageClassifier`. Then prints:

1. AUROC (outliers positive) of each detector — bits/dim, likelihood ratio,
   input complexity with PNG and with lossless WebP — for held-out images
   against out-of-distribution sets made offline: uniform noise, constant
   images, inverted images, grey patches of scikit-learn's two sample
   photographs (and a second data set, `--ood-dataset`, where the machine
   has it);
2. Bayes-rule accuracy of the class-conditional model on held-out images,
   beside the CNN classifier's;
3. Fréchet distances in the classifier's features (real vs real, samples vs
   real, noise vs real) and the conditional accuracy of the samples;

and draws per-pixel outlier maps (`--picture`).

    python benchmarks/ood_detection.py                  # bundled digits, offline
    python benchmarks/ood_detection.py --dataset mnist --ood-dataset fashion_mnist \\
        --epochs 5 --data-dir ~/tensorflow_datasets     # where TFDS has the data
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from pixeldist.cli.model_registry import build_distribution  # noqa: E402
from pixeldist.data import dataset_info, load  # noqa: E402
from pixeldist.evaluation import (  # noqa: E402
    ComplexityDetector,
    ImageClassifier,
    LikelihoodDetector,
    LikelihoodRatioDetector,
    class_probabilities,
    conditional_accuracy,
    detection_metrics,
    frechet_distance,
    mutate,
    offline_outlier_sets,
)
from pixeldist.keras_integration.density_model import DensityModel  # noqa: E402


def _arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="digits")
    parser.add_argument("--ood-dataset", default=None, help="e.g. fashion_mnist")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--model", default="pixelcnn")
    parser.add_argument("--num-layers", type=int, default=None)
    parser.add_argument("--num-filters", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--classifier-epochs", type=int, default=10)
    parser.add_argument("--mutation-rate", type=float, default=0.2)
    parser.add_argument(
        "--unseen-classes",
        type=int,
        nargs="+",
        default=None,
        help="leave these classes out of training; their held-out images become "
        "an outlier set (semantic novelty, same image statistics)",
    )
    parser.add_argument("--num-test", type=int, default=1000, help="images per set")
    parser.add_argument("--picture", default=None, help="PNG of outlier maps")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def _arrays(name, split, data_dir, limit):
    images, labels = [], []
    for image, label in load(name, split, data_dir=data_dir).take(limit):
        images.append(image.numpy())
        labels.append(label.numpy())
    return np.stack(images), np.asarray(labels)


def _train(args, info, images, labels, conditional, mutation=None):
    """A model of `images` trained for `args.epochs` (on mutated batches when
    `mutation` is a rate)."""
    dist = build_distribution(
        args.model,
        info.image_shape,
        info.high,
        info.num_classes if conditional else None,
        num_layers=args.num_layers,
        num_filters=args.num_filters,
    )
    model = DensityModel(dist)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    data = tf.data.Dataset.from_tensor_slices(
        (images, labels) if conditional else images
    )
    data = data.shuffle(len(images), seed=args.seed).batch(64)
    if mutation:
        data = data.enumerate().map(
            lambda index, batch: mutate(
                batch, mutation, 0, info.high, seed=tf.stack([args.seed, index])
            )
        )
    start = time.perf_counter()
    model.fit(data, epochs=args.epochs, verbose=0)
    print(f"  trained in {time.perf_counter() - start:.0f} s", flush=True)
    return dist


def main(argv=None):
    args = _arguments(argv)
    keras.utils.set_random_seed(args.seed)
    info = dataset_info(args.dataset)
    train_images, train_labels = _arrays(args.dataset, "train", args.data_dir, 60_000)
    test_images, test_labels = _arrays(
        args.dataset, "test", args.data_dir, args.num_test
    )
    unseen_images = None
    if args.unseen_classes:
        keep = ~np.isin(train_labels, args.unseen_classes)
        train_images, train_labels = train_images[keep], train_labels[keep]
        unseen = np.isin(test_labels, args.unseen_classes)
        unseen_images = test_images[unseen]
        test_images, test_labels = test_images[~unseen], test_labels[~unseen]
        print(f"classes {args.unseen_classes} left out of training")
    print(
        f"{args.dataset}: {len(train_images)} training and {len(test_images)} "
        f"held-out images {info.image_shape}, values 0..{info.high}; {args.model}, "
        f"{args.epochs} epochs per model"
    )
    print("in-distribution model")
    model = _train(args, info, train_images, train_labels, conditional=False)
    print(f"background model (mutation rate {args.mutation_rate})")
    background = _train(
        args, info, train_images, train_labels, False, mutation=args.mutation_rate
    )
    print("class-conditional model")
    conditional = _train(args, info, train_images, train_labels, conditional=True)
    print("image classifier")
    classifier = ImageClassifier(info.image_shape, info.num_classes, info.high)
    classifier.compile()
    classifier.fit(train_images, train_labels, epochs=args.classifier_epochs, verbose=0)

    outliers = offline_outlier_sets(test_images, info.high, seed=args.seed)
    if unseen_images is not None:
        outliers["unseen classes"] = unseen_images
    if args.ood_dataset:
        outliers[args.ood_dataset] = _arrays(
            args.ood_dataset, "test", args.data_dir, args.num_test
        )[0]
    detectors = {
        "bits/dim": LikelihoodDetector(model),
        "likelihood ratio": LikelihoodRatioDetector(model, background),
        "complexity (PNG)": ComplexityDetector(model, "png"),
        "complexity (WebP)": ComplexityDetector(model, "webp"),
    }
    results = {
        "auroc": _detection_table(detectors, model, test_images, outliers),
        **_classification_rows(conditional, classifier, test_images, test_labels),
        **_sample_quality_rows(
            conditional,
            classifier,
            (train_images, train_labels),
            test_images,
            test_labels,
            args,
        ),
    }
    if args.picture:
        _picture(args.picture, detectors, test_images, outliers, info.high)
    return results


def _detection_table(detectors, model, inliers, outliers):
    print("\nAUROC, held-out images against each set (1.0: perfect, 0.5: chance)")
    names = list(outliers)
    header = f"| {'score':18s} | " + " | ".join(f"{n:>18s}" for n in names) + " |"
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    bits = LikelihoodDetector(model)
    mean_bits = [f"{bits.outlier_score(outliers[n]).mean():18.2f}" for n in names]
    aurocs = {}
    for label, detector in detectors.items():
        inlier_scores = detector.outlier_score(inliers)
        cells = aurocs[label] = [
            detection_metrics(inlier_scores, detector.outlier_score(outliers[n]))[
                "auroc"
            ]
            for n in names
        ]
        print(f"| {label:18s} | " + " | ".join(f"{c:18.3f}" for c in cells) + " |")
    print(
        f"| {'mean bits/dim':18s} | " + " | ".join(mean_bits) + " |"
        f"  (held-out images: {bits.outlier_score(inliers).mean():.2f})"
    )
    return aurocs


def _classification_rows(conditional, classifier, images, labels):
    posterior = class_probabilities(conditional, images)
    bayes = float(np.mean(np.argmax(posterior, axis=-1) == labels))
    cnn = conditional_accuracy(classifier, images, labels)
    print(
        f"\nheld-out accuracy: Bayes' rule with the class-conditional model {bayes:.3f}"
    )
    print(f"                   the CNN classifier (ImageClassifier)          {cnn:.3f}")
    return {"bayes_accuracy": bayes, "classifier_accuracy": cnn}


def _sample_quality_rows(conditional, classifier, train, images, labels, args):
    start = time.perf_counter()
    samples = conditional.sample(len(labels), conditional_input=labels, seed=args.seed)
    samples = samples.numpy()
    seconds = time.perf_counter() - start
    rng = np.random.default_rng(args.seed)
    other_real = _same_labels(*train, labels, rng)
    noise = rng.integers(0, conditional.high + 1, images.shape)
    features = classifier.feature_size
    print(f"\nFréchet distance to {len(images)} held-out images ({features} features)")
    rows = {
        "training images (same labels)": other_real,
        "class-conditional samples": samples,
        "uniform noise": noise,
    }
    distances = {}
    for name, other in rows.items():
        distances[name] = frechet_distance(classifier, other, images)
        print(f"  {name:29s} {distances[name]:8.3f}")
    print(f"  ({len(samples)} samples drawn in {seconds:.1f} s)")
    accuracy = conditional_accuracy(classifier, samples, labels)
    print(f"conditional accuracy of the samples: {accuracy:.3f}")
    return {"frechet_distance": distances, "conditional_accuracy": accuracy}


def _same_labels(images, labels, wanted, rng):
    """Images with the labels `wanted` (for sets of equal class balance),
    distinct where the class has enough."""
    chosen = np.empty(len(wanted), dtype=np.int64)
    for label in np.unique(wanted):
        slots = np.flatnonzero(wanted == label)
        pool = np.flatnonzero(labels == label)
        chosen[slots] = rng.choice(pool, len(slots), replace=len(pool) < len(slots))
    return images[chosen]


def _picture(path, detectors, inliers, outliers, high, per_set=2):
    """Rows of images with their likelihood and likelihood-ratio maps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [("held-out", inliers[k]) for k in range(per_set)]
    rows += [
        (name, images[k]) for name, images in outliers.items() for k in range(per_set)
    ]
    images = np.stack([image for _, image in rows])
    maps = {
        "bits per pixel": detectors["bits/dim"].outlier_map(images),
        "ratio map (bits)": detectors["likelihood ratio"].outlier_map(images),
    }
    figure, axes = plt.subplots(
        3, len(rows), figsize=(1.3 * len(rows) + 1, 4.4), layout="constrained"
    )
    limits = {title: np.abs(m).max() for title, m in maps.items()}
    for column, (name, image) in enumerate(rows):
        axes[0, column].imshow(image.squeeze(), cmap="gray", vmin=0, vmax=high)
        axes[0, column].set_title(name, fontsize=6)
    for row, (title, values) in enumerate(maps.items(), start=1):
        signed = values.min() < 0
        for column in range(len(rows)):
            shown = axes[row, column].imshow(
                values[column],
                cmap="coolwarm" if signed else "magma",
                vmin=-limits[title] if signed else 0,
                vmax=limits[title],
            )
        axes[row, 0].set_ylabel(title, fontsize=6)
        bar = figure.colorbar(shown, ax=axes[row, :].tolist(), shrink=0.9, pad=0.01)
        bar.ax.tick_params(labelsize=6)
    for axis in axes.ravel():
        axis.set_xticks([])
        axis.set_yticks([])
    figure.savefig(path, dpi=150)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
