"""`OwnLossModel`: the Keras plumbing of models that define their own loss."""

from __future__ import annotations

import keras
import tensorflow as tf


class OwnLossModel(keras.Model):
    """A `keras.Model` whose loss is its own (a likelihood, a bound).

    `compile` refuses the arguments named in `refused_compile_arguments`
    (the loss, and for some models the metrics) instead of silently adding
    to or replacing the model's objective; a loaded model comes back
    compiled, with its optimizer state; `fit` on a `tf.data` pipeline does
    not ask Keras to shuffle it (it shuffles itself, and Keras would only
    warn). `DensityModel`, `VQVAE` and `PixelVAE` build on it.

    Subclasses set `own_loss`, the words that finish "NAME's loss is ...".
    """

    own_loss = "its own"
    refused_compile_arguments = ("loss",)

    def fit(self, x=None, y=None, **kwargs):
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)
        return super().fit(x, y, **kwargs)

    def compile(self, optimizer="adam", **kwargs):
        given = [
            f"`{name}`"
            for name in self.refused_compile_arguments
            if kwargs.get(name) is not None
        ]
        if given:
            raise ValueError(
                f"{type(self).__name__}'s loss is {self.own_loss}; do not pass "
                f"{' or '.join(given)}."
            )
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        # Keras skips this for models with a custom `compile`; a loaded model
        # must come back compiled, with its optimizer state.
        config = dict(keras.saving.deserialize_keras_object(config))
        for name in self.refused_compile_arguments:
            config.pop(name, None)
        self.compile(**config)
        if self.optimizer is not None and self.built:
            self.optimizer.build(self.trainable_variables)
