"""A small convolutional classifier: the feature network of sample-quality scores."""

from __future__ import annotations

import math

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="pixeldist")
class ImageClassifier(keras.Model):
    """A compact CNN classifying `[H, W, C]` images of integer levels.

    It plays the role Inception-v3 plays in the FID: its penultimate layer
    (`features`) embeds images for `frechet_distance`, and its labels judge a
    class-conditional model's samples (`conditional_accuracy`). Inception's
    weights cannot be downloaded everywhere and know nothing of 8x8 digits;
    this network trains with `fit` on the model's own data set in seconds.

    Layout: values scaled to [-1, 1]; a 3x3 convolution; then, while the
    image is at least 8 pixels on its shorter side, a stride-2 3x3
    convolution doubling the filters followed by a 3x3 convolution; global
    average pooling; a dense ReLU layer of `feature_size` (the features);
    dropout; the class logits. 8x8 digits: one down-sampling, 28x28: two,
    32x32: three.

    `compile()` without arguments uses Adam (learning rate 3e-3), sparse
    categorical cross-entropy on the logits and accuracy: 10 epochs on the
    bundled digits reach about 96% held-out accuracy.

    Args:
      image_shape: `(H, W, C)`.
      num_classes: the number of labels, >= 2.
      high: the largest pixel value.
      low: the smallest pixel value.
      num_filters: filters of the first convolution.
      feature_size: the size of the feature vector.
      dropout: dropout rate after the features, while training.

    Call: images `[N, H, W, C]` (any number type) -> logits `[N, num_classes]`.
    """

    def __init__(
        self,
        image_shape,
        num_classes: int,
        high: int,
        low: int = 0,
        num_filters: int = 32,
        feature_size: int = 128,
        dropout: float = 0.3,
        **kwargs,
    ):
        super().__init__(**kwargs)
        image_shape = tuple(int(d) for d in image_shape)
        if len(image_shape) != 3 or min(image_shape) < 1:
            raise ValueError(
                f"`image_shape` must be (height, width, channels), got {image_shape}."
            )
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
            raise ValueError(
                f"`num_classes` must be an integer >= 2, got {num_classes!r}."
            )
        if (
            not all(isinstance(v, (int, np.integer)) for v in (low, high))
            or low >= high
        ):
            raise ValueError(
                f"`low` and `high` must be integers with low < high, got {low}, {high}."
            )
        for name, value in (
            ("num_filters", num_filters),
            ("feature_size", feature_size),
        ):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"`{name}` must be an integer >= 1, got {value!r}.")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"`dropout` must be in [0, 1), got {dropout!r}.")
        self.image_shape = image_shape
        self.num_classes = int(num_classes)
        self.high = int(high)
        self.low = int(low)
        self.num_filters = int(num_filters)
        self.feature_size = int(feature_size)
        self.dropout = float(dropout)

        scale = 2.0 / (self.high - self.low)
        self.rescale = keras.layers.Rescaling(scale, offset=-1.0 - self.low * scale)
        self.convolutions = [self._conv(self.num_filters, 1, "conv_0")]
        num_down = max(0, int(math.floor(math.log2(min(image_shape[:2]) / 4))))
        for level in range(1, num_down + 1):
            filters = self.num_filters * 2**level
            self.convolutions += [
                self._conv(filters, 2, f"down_{level}"),
                self._conv(filters, 1, f"conv_{level}"),
            ]
        self.pooling = keras.layers.GlobalAveragePooling2D(name="pooling")
        self.feature_layer = keras.layers.Dense(
            self.feature_size, activation="relu", name="features"
        )
        self.dropout_layer = keras.layers.Dropout(self.dropout, name="dropout")
        self.logits_layer = keras.layers.Dense(self.num_classes, name="logits")
        self.build((None, *image_shape))

    @staticmethod
    def _conv(filters: int, strides: int, name: str) -> keras.layers.Conv2D:
        return keras.layers.Conv2D(
            filters, 3, strides=strides, padding="same", activation="relu", name=name
        )

    def build(self, input_shape):
        shape = tuple(input_shape)
        for layer in [self.rescale, *self.convolutions]:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.pooling.build(shape)
        shape = self.pooling.compute_output_shape(shape)
        self.feature_layer.build(shape)
        self.dropout_layer.build((shape[0], self.feature_size))
        self.logits_layer.build((shape[0], self.feature_size))
        self.built = True

    def _features(self, images, training=False):
        x = self.rescale(keras.ops.cast(images, "float32"))
        for layer in self.convolutions:
            x = layer(x)
        return self.feature_layer(self.pooling(x))  # [N, feature_size]

    def call(self, images, training=False):
        features = self.dropout_layer(self._features(images), training=training)
        return self.logits_layer(features)  # [N, num_classes]

    def features(self, images, batch_size: int = 256) -> np.ndarray:
        """Penultimate-layer features, NumPy `[N, feature_size]`, of images
        `[N, H, W, C]`."""
        images = self._checked(images)
        chunks = [
            keras.ops.convert_to_numpy(
                self._features(images[start : start + batch_size])
            )
            for start in range(0, len(images), batch_size)
        ]
        if not chunks:
            return np.zeros([0, self.feature_size], np.float32)
        return np.concatenate(chunks)

    def predict_labels(self, images, batch_size: int = 256) -> np.ndarray:
        """The most probable label of each image, NumPy int64 `[N]`."""
        images = self._checked(images)
        logits = self.predict(images, batch_size=batch_size, verbose=0)
        return np.argmax(logits, axis=-1).astype(np.int64)

    def _checked(self, images) -> np.ndarray:
        images = np.asarray(images)
        if images.ndim != 4 or tuple(images.shape[1:]) != self.image_shape:
            raise ValueError(
                f"`images` must have shape [N, {', '.join(map(str, self.image_shape))}]"
                f", got shape {list(images.shape)}."
            )
        if images.size and (
            not np.all(np.isfinite(images))
            or images.min() < self.low
            or images.max() > self.high
        ):
            raise ValueError(
                f"`images` must hold finite values in [low, high] = "
                f"[{self.low}, {self.high}]."
            )
        return images

    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        if optimizer == "auto":
            optimizer = keras.optimizers.Adam(learning_rate=3e-3)
        if loss == "auto":
            loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        if metrics == "auto":
            metrics = ["accuracy"]
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def compile_from_config(self, config):
        # Keras skips this for models with a custom `compile`; a loaded
        # classifier comes back compiled, with its optimizer state.
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.optimizer is not None and self.built:
            self.optimizer.build(self.trainable_variables)

    def get_config(self):
        config = super().get_config()
        config.update(
            image_shape=self.image_shape,
            num_classes=self.num_classes,
            high=self.high,
            low=self.low,
            num_filters=self.num_filters,
            feature_size=self.feature_size,
            dropout=self.dropout,
        )
        return config
