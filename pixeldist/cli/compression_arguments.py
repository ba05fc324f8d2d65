"""The arguments of `pixeldist compress` and `pixeldist decompress` (no TensorFlow)."""

from __future__ import annotations

import argparse

_CONDITION_FROM_HELP = (
    "for a lowres:F run: the images [N, H, W, C] (pooled here) or their "
    "low-resolution versions [N, H/F, W/F, C] the model is conditioned on; "
    "give the same file to compress and decompress"
)
_LABELS_HELP = (
    "for a class-conditional run: one label per image, or one for all; give "
    "the same labels to compress and decompress"
)


def add_compression_commands(commands, parents: list[argparse.ArgumentParser]):
    """Adds `compress` and `decompress` to the `pixeldist` subcommands."""
    compress = commands.add_parser(
        "compress",
        parents=parents,
        help="compress images losslessly with a trained run's model",
    )
    compress.add_argument("--run", required=True)
    compress.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="PNG files (grey or RGB, pixel values taken as the model's values) "
        "or one .npy array [N, H, W, C]",
    )
    compress.add_argument("--out", required=True, metavar="FILE")
    decompress = commands.add_parser(
        "decompress",
        parents=parents,
        help="decompress a stream of `pixeldist compress`",
    )
    decompress.add_argument("--run", required=True)
    decompress.add_argument("stream", metavar="FILE")
    decompress.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="a directory for PNG files (00000.png, ...), or a path ending in "
        ".npy for one array",
    )
    for command in (compress, decompress):
        command.add_argument("--labels", type=int, nargs="+", help=_LABELS_HELP)
        command.add_argument(
            "--condition-from", metavar="IMAGES.npy", help=_CONDITION_FROM_HELP
        )
        command.add_argument("--quiet", action="store_true", help="no progress bars")
