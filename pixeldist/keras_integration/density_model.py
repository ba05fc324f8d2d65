"""`DensityModel`: train a pixeldist distribution with Keras' `fit`."""

from __future__ import annotations

import keras
import tensorflow as tf

from pixeldist.keras_integration.bits_per_dim import bits_per_dim
from pixeldist.keras_integration.negative_log_likelihood import NegativeLogLikelihood
from pixeldist.keras_integration.own_loss_model import OwnLossModel


@keras.saving.register_keras_serializable(package="pixeldist")
class DensityModel(OwnLossModel):
    """A `keras.Model` whose loss is the distribution's mean negative log-likelihood.

    `fit`, `evaluate` and `predict` take a `tf.data` pipeline (or arrays) of
    images `[batch, H, W, C]` or of `(images, labels)` pairs; labels are the
    `conditional_input` of a conditional distribution and are ignored by an
    unconditional one. The output of the model is `log_prob [batch]`. Besides
    the loss (nats per image), `fit` and `evaluate` log `bits_per_dim`.

    ```python
    dist = pixeldist.PixelCNN((8, 8, 1), num_classes=10, high=16)
    model = pixeldist.DensityModel(dist)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(train.batch(64), validation_data=test.batch(256), epochs=5)
    model.save("digits.keras")
    restored = keras.models.load_model("digits.keras")
    restored.distribution.sample(4, conditional_input=[3])
    ```

    Args:
      distribution: a pixeldist image distribution.
    """

    own_loss = "the negative log-likelihood"

    def __init__(self, distribution, **kwargs):
        super().__init__(**kwargs)
        self.distribution = distribution
        self._negative_log_likelihood = NegativeLogLikelihood()
        self.bits_per_dim_tracker = keras.metrics.Mean(name="bits_per_dim")
        self.built = True

    def _split(self, inputs):
        """`images` or `(images, labels)` -> `(images, labels or None)`."""
        if isinstance(inputs, dict):
            return inputs["image"], inputs.get("label")
        if isinstance(inputs, (tuple, list)):
            if len(inputs) == 1:
                return inputs[0], None
            if len(inputs) == 2:
                return inputs[0], inputs[1]
            raise ValueError(
                "DensityModel inputs must be images or (images, labels), got a "
                f"sequence of {len(inputs)} elements."
            )
        return inputs, None

    def call(self, inputs, training=False):
        images, labels = self._split(inputs)
        if not self.distribution.is_conditional:
            labels = None
        return self.distribution.log_prob(
            images, conditional_input=labels, training=training
        )

    @staticmethod
    def _as_inputs(data):
        """Keras' `(x, y, sample_weight)` as `(inputs, None, sample_weight)`.

        The condition is an input of the model, not a target: it arrives in
        `x` (`(images, labels)`, `{"image": ..., "label": ...}`) or, as Keras
        users pass it, in `y` (`fit(images, labels)`, `train_on_batch(images,
        labels)`, a data set of `(images, labels)` pairs).
        """
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if y is not None:
            if isinstance(x, (tuple, list, dict)):
                raise ValueError(
                    "DensityModel takes the condition either with the images, "
                    "`x=(images, labels)`, or as `y`, not both."
                )
            x = (x, y)
        return x, None, sample_weight

    def train_step(self, data):
        return super().train_step(self._as_inputs(data))

    def test_step(self, data):
        return super().test_step(self._as_inputs(data))

    def predict_step(self, data):
        x, _, _ = self._as_inputs(data)
        return self(x, training=False)

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        log_prob = tf.cast(y_pred, tf.float32)
        loss = self._negative_log_likelihood(log_prob, log_prob, sample_weight)
        self.bits_per_dim_tracker.update_state(
            bits_per_dim(log_prob, self.distribution.image_shape), sample_weight
        )
        for extra in self.losses:
            loss = loss + tf.cast(extra, loss.dtype)
        return loss

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "distribution": keras.saving.serialize_keras_object(self.distribution),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["distribution"] = keras.saving.deserialize_keras_object(
            config["distribution"]
        )
        return cls(**config)
