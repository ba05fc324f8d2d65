"""Writes the `.keras` files of `saved_models_0_1_0/` (run once, with pixeldist 0.1.0).

The files were saved by the code before the per-layer cached steps (issue 11)
and are committed: `test_saved_model_compatibility.py` checks that the current
code loads them and gives the `log_prob` recorded here. Do not re-run it with
newer code: that would turn the test into a round trip.

    python tests/compatibility/make_saved_models.py
"""

from __future__ import annotations

import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import pixeldist  # noqa: E402

FOLDER = pathlib.Path(__file__).parent / "saved_models_0_1_0"
HIGH = 7
NUM_CLASSES = 3

#: (file stem, factory, image shape, likelihood, conditional)
MODELS = {
    "pixelcnn": lambda **kw: pixeldist.PixelCNN(num_layers=1, num_filters=12, **kw),
    "gated_pixelcnn": lambda **kw: pixeldist.GatedPixelCNN(
        num_layers=2, num_filters=6, kernel_size=3, **kw
    ),
    "pixelcnn_plus_plus": lambda **kw: pixeldist.PixelCNNPlusPlus(
        num_resnet=1, num_hierarchies=2, num_filters=8, dropout_p=0.1, **kw
    ),
    "pixelrnn_row_lstm": lambda **kw: pixeldist.PixelRNN(
        cell="row_lstm", num_layers=1, num_filters=6, **kw
    ),
    "pixelrnn_diagonal_bilstm": lambda **kw: pixeldist.PixelRNN(
        cell="diagonal_bilstm", num_layers=1, num_filters=6, **kw
    ),
}
VARIANTS = {
    "categorical-rgb-cond": ("categorical", 3, True),
    "logistic_mixture-grey-uncond": ("logistic_mixture", 1, False),
}


def main() -> None:
    rng = np.random.default_rng(0)
    for model_name, factory in MODELS.items():
        for variant, (likelihood, channels, conditional) in VARIANTS.items():
            keras.utils.set_random_seed(0)
            shape = (4, 4, channels)
            dist = factory(
                image_shape=shape,
                likelihood=likelihood,
                num_logistic_mix=2,
                num_classes=NUM_CLASSES if conditional else None,
                high=HIGH,
            )
            model = pixeldist.DensityModel(dist)
            model.compile(optimizer=keras.optimizers.Adam(1e-2))
            images = rng.integers(0, HIGH + 1, (16, *shape)).astype("float32")
            labels = rng.integers(0, NUM_CLASSES, 16)
            data = (images, labels) if conditional else images
            model.fit(data, epochs=2, batch_size=8, verbose=0)  # data init + steps
            for weight in dist.weights:  # away from a trained-for-2-steps point
                if weight.dtype.startswith("float"):
                    value = weight.numpy()
                    weight.assign(value + 0.2 * rng.standard_normal(value.shape))
            stem = f"{model_name}-{variant}"
            test_images = rng.integers(0, HIGH + 1, (5, *shape)).astype("float32")
            test_labels = rng.integers(0, NUM_CLASSES, 5)
            kwargs = {"conditional_input": test_labels} if conditional else {}
            log_prob = dist.log_prob(test_images, **kwargs).numpy()
            model.save(FOLDER / f"{stem}.keras")
            np.savez(
                FOLDER / f"{stem}.npz",
                images=test_images,
                labels=test_labels,
                log_prob=log_prob,
            )
            print(stem, log_prob)


if __name__ == "__main__":
    main()
