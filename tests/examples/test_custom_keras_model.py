import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _example(name):
    spec = importlib.util.spec_from_file_location(
        name, ROOT / "examples" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_custom_keras_model_trains():
    history, bits = _example("custom_keras_model").main(
        ["--epochs", "2", "--num-layers", "1", "--num-filters", "16"]
    )
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    assert bits < 3.6
