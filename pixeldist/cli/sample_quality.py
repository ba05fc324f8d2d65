"""The run's image classifier and the sample-quality numbers of `evaluate`."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from pixeldist.cli.data_access import condition_factor, load_split
from pixeldist.cli.run_directory import RunDirectory
from pixeldist.cli.sampling_progress import sample_with_progress

#: Settings that decide which images the classifier learns.
DATA_DEFINING = ("dataset", "binarize", "resize", "classes", "data_dir")


def train_classifier(run: RunDirectory, settings, info, epochs, max_steps, log):
    """Trains `classifier.keras` on the run's training split, once per data set:
    a classifier the run already holds for the same data is kept.

    The feature network of `frechet_distance` and the judge of
    `conditional_accuracy` (`pixeldist evaluate`); data sets without labels
    get none.
    """
    from pixeldist.evaluation import ImageClassifier
    from pixeldist.keras_integration.model_file import save_model_atomically

    if not info.has_labels or epochs == 0:
        return
    data_settings = {key: settings.get(key) for key in DATA_DEFINING}
    if run.read_classifier_settings() == data_settings and run.has_classifier():
        return
    log(f"training the image classifier for sample quality ({epochs} epochs)")
    classifier = ImageClassifier(info.image_shape, info.num_classes, info.high)
    classifier.compile()
    train = load_split(settings, "train").shuffle(10_000, seed=settings["seed"])
    classifier.fit(
        train.batch(64).prefetch(tf.data.AUTOTUNE),
        epochs=epochs,
        steps_per_epoch=max_steps,
        verbose=0,
    )
    held_out = load_split(settings, "test").batch(256)
    accuracy = classifier.evaluate(held_out, verbose=0, return_dict=True)["accuracy"]
    log(f"classifier held-out accuracy: {accuracy:.3f}")
    save_model_atomically(classifier, run.file(RunDirectory.CLASSIFIER))
    run.write_classifier_settings(data_settings)


def sample_quality(model, classifier, settings, held_out, num_samples, seed, quiet):
    """`{"frechet_distance": ..., "conditional_accuracy": ...}` of the model's
    samples against real held-out images.

    As many samples as real images (at most `num_samples`); a class-
    conditional model samples the real images' labels, so both sets have the
    same classes, and `conditional_accuracy` is how often the classifier
    recognizes the requested class. A `lowres:F` model samples from the real
    images' low-resolution versions.
    """
    from pixeldist.cli.train_command import low_resolution_of
    from pixeldist.evaluation import conditional_accuracy, frechet_distance

    distribution = model.distribution
    images, labels = _real_images(held_out, num_samples)
    condition = None
    if distribution.num_classes is not None:
        condition = labels
    elif condition_factor(settings):
        condition = low_resolution_of(images, settings, distribution)
    samples = sample_with_progress(
        distribution,
        len(images),
        labels=condition,
        seed=seed,
        chunk_size=min(64, len(images)),
        quiet=quiet,
    )
    result = {"frechet_distance": frechet_distance(classifier, images, samples)}
    if distribution.num_classes is not None:
        result["conditional_accuracy"] = conditional_accuracy(
            classifier, samples, labels
        )
    return result


def _real_images(held_out, count):
    images, labels = [], []
    for element in held_out.take(count).as_numpy_iterator():
        images.append(element[0] if isinstance(element, tuple) else element)
        if isinstance(element, tuple):
            labels.append(element[1])
    return np.stack(images), (np.asarray(labels) if labels else None)
