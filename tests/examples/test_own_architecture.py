"""The own-architecture example: trains, saves, reloads, samples fast and exact."""

from harness import load_example


def test_own_architecture_example():
    bits, same = load_example("own_architecture").main(["--epochs", "1"])
    assert same  # fast sampling returned the reference loop's images
    assert bits < 3.0  # a uniform model of 17 levels: log2(17) = 4.09
