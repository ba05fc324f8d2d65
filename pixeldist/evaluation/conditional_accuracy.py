"""How often a class-conditional model's samples look like their class."""

from __future__ import annotations

import numpy as np


def conditional_accuracy(classifier, images, labels, batch_size: int = 256) -> float:
    """The fraction of `images` that `classifier` labels as `labels`.

    For samples `images[k] ~ p(x | y = labels[k])` of a class-conditional
    model, this is how often a classifier trained on real data recognizes the
    requested class: high when the model's classes are distinct and right.
    On real held-out images it is the classifier's own accuracy, the ceiling
    to compare with.

    Args:
      classifier: an `ImageClassifier` (anything with `predict_labels`).
      images: `[N, H, W, C]`, N >= 1.
      labels: `[N]` integer labels in `[0, classifier.num_classes)`.

    Returns:
      A float in [0, 1].
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(images) or len(labels) == 0:
        raise ValueError(
            f"`labels` must have shape [N] with N = len(images) >= 1, got shape "
            f"{list(labels.shape)} for {len(images)} images."
        )
    num_classes = getattr(classifier, "num_classes", None)
    if (
        not np.issubdtype(labels.dtype, np.integer)
        or labels.min() < 0
        or (num_classes is not None and labels.max() >= num_classes)
    ):
        raise ValueError(
            f"`labels` must hold integer labels in [0, num_classes) = "
            f"[0, {num_classes})."
        )
    predicted = classifier.predict_labels(images, batch_size=batch_size)
    return float(np.mean(predicted == labels))
