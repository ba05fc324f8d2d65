"""What the models with a loss of their own share: compile refuses a loss,
loaded models come back compiled, data sets are not reshuffled by Keras."""

import keras
import numpy as np
import pytest

import pixeldist


def _models():
    dist = pixeldist.PixelCNN((4, 4, 1), high=3, num_layers=1, num_filters=4)
    return {
        "DensityModel": pixeldist.DensityModel(dist),
        "VQVAE": pixeldist.VQVAE((4, 4, 1), high=3, num_codes=4, code_size=2),
        "PixelVAE": pixeldist.PixelVAE((4, 4, 1), high=3),
    }


@pytest.mark.parametrize("name", ["DensityModel", "VQVAE", "PixelVAE"])
def test_compile_refuses_a_loss_naming_the_model(name):
    model = _models()[name]
    with pytest.raises(ValueError, match=f"^{name}'s loss is .*do not pass `loss`"):
        model.compile(optimizer="adam", loss="mse")


def test_metrics_are_refused_where_the_model_has_its_own():
    models = _models()
    with pytest.raises(ValueError, match="do not pass `metrics`"):
        models["PixelVAE"].compile(metrics=["mae"])
    models["DensityModel"].compile(metrics=[keras.metrics.Mean()])


def test_a_loaded_model_is_compiled_with_its_optimizer_state(tmp_path):
    model = _models()["DensityModel"]
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(np.zeros((4, 4, 4, 1)), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras")
    assert restored.optimizer is not None
    assert int(restored.optimizer.iterations) == int(model.optimizer.iterations) == 1
