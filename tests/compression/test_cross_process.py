"""The README's guarantee: a stream decodes in another process that loads the
same `.keras` file, with the same pixeldist version, on the same kind of
machine."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
from harness import perturb_weights
from model_zoo import make_distribution

import pixeldist
from pixeldist.compression import compress

DECODE = textwrap.dedent(
    """
    import sys
    import numpy as np
    from pixeldist.compression import decompress
    from pixeldist.keras_integration.model_file import load_model_file

    model_path, stream_path, out_path = sys.argv[1:]
    dist = load_model_file(model_path).distribution
    with open(stream_path, "rb") as file:
        images = decompress(dist, file.read(), conditional_input=[0, 1, 2, 0])
    np.save(out_path, images)
    """
)


def test_a_stream_decodes_in_another_process_from_the_saved_model(tmp_path):
    dist = make_distribution("gated_pixelcnn", "logistic_mixture", (5, 5, 3), 255, True)
    perturb_weights(dist, 0.1, seed=3)
    model_path = str(tmp_path / "model.keras")
    pixeldist.DensityModel(dist).save(model_path)
    rng = np.random.default_rng(5)
    images = rng.integers(0, 256, (4, 5, 5, 3)).astype(np.uint8)
    stream_path = tmp_path / "images.pxdz"
    stream_path.write_bytes(compress(dist, images, conditional_input=[0, 1, 2, 0]))
    out_path = str(tmp_path / "decoded.npy")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    completed = subprocess.run(
        [sys.executable, "-c", DECODE, model_path, str(stream_path), out_path],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    decoded = np.load(out_path)
    assert decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded, images)
