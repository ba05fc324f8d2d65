"""The README's Keras 3 usage runs as written."""

import pathlib
import re

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _python_blocks(section):
    text = (ROOT / "README.md").read_text()
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", body, flags=re.S)


def test_usage_section_runs(tmp_path, monkeypatch):
    blocks = _python_blocks("Usage with Keras 3")
    assert len(blocks) == 2
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert (tmp_path / "digits.keras").exists()
    assert namespace["samples"].shape == (10, 8, 8, 1)
    assert namespace["threes"].shape == (16, 8, 8, 1)


def test_your_own_architecture_section_runs():
    """The example's own assertion checks fast against naive sampling."""
    (block,) = _python_blocks("Your own architecture")
    namespace = {}
    exec(compile(block, "README.md", "exec"), namespace)
    dist = namespace["dist"]
    assert dist._generator.incremental_network is not None
    assert namespace["fast"].shape == (4, 8, 8, 1)
    assert len(np.unique(namespace["fast"])) > 2


def test_set_up_commands_match_ci():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = "python -m pytest -q -n 2"
    assert f'pip install ".[test]" && {command}\n' in readme
    assert "pip install . && pixeldist train\n" in readme
    assert 'pip install ".[test]"\n' in ci and f"{command}\n" in ci


def test_lossless_compression_section_runs():
    (block,) = _python_blocks("Lossless compression")
    namespace = {}
    exec(compile(block, "README.md", "exec"), namespace)
    payload_bits = 8 * (len(namespace["data"]) - 102)
    assert abs(payload_bits - namespace["bits"]) <= 0.01 * namespace["bits"] + 64


def test_scoring_images_section_runs():
    (block,) = _python_blocks("Scoring images")
    namespace = {}
    exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["posterior"].shape == (359, 10)
    np.testing.assert_allclose(namespace["posterior"].sum(-1), 1.0, atol=1e-5)
    assert namespace["scores"].shape == (359,)
    assert namespace["maps"].shape == (359, 8, 8)
    assert namespace["noise_scores"].shape == (359,)
