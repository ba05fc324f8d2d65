"""Model files saved by pixeldist 0.1.0 load and give the log_prob they gave then.

`saved_models_0_1_0/` holds one small trained-then-perturbed `DensityModel`
per architecture and variant, written by `make_saved_models.py` with the code
of that release, and the `log_prob` of five test images computed before
saving. The layers may be restructured; the files must keep working.
"""

from __future__ import annotations

import pathlib

import keras
import numpy as np
import pytest

import pixeldist

FOLDER = pathlib.Path(__file__).parent / "saved_models_0_1_0"
STEMS = sorted(path.stem for path in FOLDER.glob("*.keras"))


def test_every_architecture_has_saved_files():
    architectures = {stem.split("-")[0] for stem in STEMS}
    assert architectures == {
        "pixelcnn",
        "gated_pixelcnn",
        "pixelcnn_plus_plus",
        "pixelrnn_row_lstm",
        "pixelrnn_diagonal_bilstm",
    }
    assert len(STEMS) == 10


@pytest.mark.parametrize("stem", STEMS)
def test_old_model_file_loads_with_the_same_log_prob(stem):
    model = keras.models.load_model(FOLDER / f"{stem}.keras")
    assert isinstance(model, pixeldist.DensityModel)
    recorded = np.load(FOLDER / f"{stem}.npz")
    dist = model.distribution
    kwargs = {"conditional_input": recorded["labels"]} if dist.is_conditional else {}
    log_prob = dist.log_prob(recorded["images"], **kwargs).numpy()
    np.testing.assert_allclose(log_prob, recorded["log_prob"], rtol=1e-5, atol=0)
