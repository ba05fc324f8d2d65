"""The custom Keras model example trains."""

from harness import load_example


def test_custom_keras_model_trains():
    history, bits = load_example("custom_keras_model").main(
        ["--epochs", "2", "--num-layers", "1", "--num-filters", "16"]
    )
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    assert bits < 3.6
