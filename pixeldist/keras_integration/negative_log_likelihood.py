"""A Keras loss for models whose output is a log-probability."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="pixeldist")
class NegativeLogLikelihood(keras.losses.Loss):
    """`-y_pred`, averaged over the batch; `y_true` is ignored.

    For a functional `keras.Model` whose output is `dist.log_prob(...)`.
    Keras 3's `fit` needs a target whenever a compiled loss is used, so feed
    `(inputs, anything)` pairs; the target is not read. Keras scales the loss
    for `tf.distribute` replicas as it does for its own losses.
    """

    def __init__(self, name="negative_log_likelihood", reduction="sum_over_batch_size"):
        super().__init__(name=name, reduction=reduction)

    def call(self, y_true, y_pred):
        return -ops.convert_to_tensor(y_pred)
