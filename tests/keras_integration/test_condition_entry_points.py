"""Every Keras entry point of `DensityModel` reads the condition, wherever the
user puts it: with the images (`x=(images, labels)`) or as Keras' `y`."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import pixeldist

NUM_IMAGES = 8


@pytest.fixture(scope="module", params=["labels", "map"])
def setting(request):
    """A model whose weights are moved off their initial values (so that the
    condition changes `log_prob`), compiled with a zero learning rate (so
    that training steps leave them there), its images and conditions."""
    rng = np.random.default_rng(0)
    if request.param == "labels":
        condition_args = {"num_classes": 3}
        condition = np.arange(NUM_IMAGES) % 3
        other = (condition + 1) % 3
    else:
        condition_args = {"conditional_shape": (2, 2, 1)}
        condition = rng.normal(size=(NUM_IMAGES, 2, 2, 1)).astype("float32")
        other = -condition
    dist = pixeldist.PixelCNN(
        (4, 4, 1), high=3, num_layers=1, num_filters=8, **condition_args
    )
    model = pixeldist.DensityModel(dist)
    for weight in model.weights:
        weight.assign(weight + rng.normal(0, 0.3, weight.shape))
    model.compile(optimizer=keras.optimizers.SGD(0.0))
    images = rng.integers(0, 4, (NUM_IMAGES, 4, 4, 1)).astype("float32")
    expected = -tf.reduce_mean(dist.log_prob(images, conditional_input=condition))
    wrong = -tf.reduce_mean(dist.log_prob(images, conditional_input=other))
    assert abs(float(expected) - float(wrong)) > 1e-3
    return model, images, condition, float(expected)


def _dataset(images, condition):
    return tf.data.Dataset.from_tensor_slices((images, condition)).batch(4)


LOSS_ENTRY_POINTS = {
    "train_on_batch(x, y)": lambda m, x, c: m.train_on_batch(x, c),
    "train_on_batch((x, y))": lambda m, x, c: m.train_on_batch((x, c)),
    "test_on_batch(x, y)": lambda m, x, c: m.test_on_batch(x, c),
    "test_on_batch(dict)": lambda m, x, c: m.test_on_batch({"image": x, "label": c}),
    "fit(x, y)": lambda m, x, c: m.fit(x, c, batch_size=4, verbose=0).history["loss"][
        0
    ],
    "fit((x, y))": lambda m, x, c: m.fit((x, c), batch_size=4, verbose=0).history[
        "loss"
    ][0],
    "fit(dataset)": lambda m, x, c: m.fit(_dataset(x, c), verbose=0).history["loss"][0],
    "evaluate(x, y)": lambda m, x, c: m.evaluate(x, c, batch_size=4, verbose=0),
    "evaluate(dataset)": lambda m, x, c: m.evaluate(_dataset(x, c), verbose=0),
}


@pytest.mark.parametrize("entry_point", LOSS_ENTRY_POINTS)
def test_the_loss_uses_the_condition(setting, entry_point):
    model, images, condition, expected = setting
    loss = LOSS_ENTRY_POINTS[entry_point](model, images, condition)
    loss = loss[0] if isinstance(loss, (list, tuple)) else loss
    np.testing.assert_allclose(loss, expected, rtol=1e-5)


PREDICT_ENTRY_POINTS = {
    "predict((x, y))": lambda m, x, c: m.predict((x, c), batch_size=4, verbose=0),
    "predict(dataset)": lambda m, x, c: m.predict(_dataset(x, c), verbose=0),
    "predict_on_batch((x, y))": lambda m, x, c: m.predict_on_batch((x, c)),
    "call": lambda m, x, c: m((x, c)),
}


@pytest.mark.parametrize("entry_point", PREDICT_ENTRY_POINTS)
def test_predictions_are_the_conditional_log_prob(setting, entry_point):
    model, images, condition, _ = setting
    log_prob = PREDICT_ENTRY_POINTS[entry_point](model, images, condition)
    expected = model.distribution.log_prob(images, conditional_input=condition)
    np.testing.assert_allclose(log_prob, expected, rtol=1e-5)


def test_a_condition_in_both_x_and_y_is_refused(setting):
    model, images, condition, _ = setting
    with pytest.raises(ValueError, match="either with the images"):
        model.train_on_batch((images, condition), condition)
