"""The `pixeldist` command: train, sample, complete and evaluate from a terminal.

    pixeldist train                       # class-conditional PixelCNN on the digits
    pixeldist train --model gated_pixelcnn --dataset mnist --epochs 10 --out runs/mnist
    pixeldist sample --run runs/digits --labels 0 1 2 --num 8 --out grid.png
    pixeldist complete --run runs/digits --num-known-rows 4
    pixeldist evaluate --run runs/digits --json
    pixeldist compress --run runs/digits --labels 3 digit.png --out digit.pxdz
    pixeldist decompress --run runs/digits --labels 3 digit.pxdz --out decoded/

User errors (unknown model or data set, missing or corrupt run, labels
outside the model's classes, data that does not fit the model) print one
line on stderr and exit with code 2, without a traceback.

Nothing here imports TensorFlow: `--help`, `--version` and argument errors
answer at once, and a command's module (which loads TensorFlow) is imported
only to run it, with the libraries' own log lines hidden unless `--verbose`
(see `library_logs`).
"""

from __future__ import annotations

import argparse
import os
import sys

import pixeldist
from pixeldist.cli.command_error import CommandError
from pixeldist.cli.compression_arguments import add_compression_commands
from pixeldist.cli.data_access import DATASET_NAMES
from pixeldist.cli.library_logs import (
    native_logs_hidden,
    python_logs_hidden,
    quiet_tensorflow_native_logs,
)
from pixeldist.cli.model_registry import MODEL_NAMES
from pixeldist.cli.run_directory import RunDirectory

_VERBOSE_HELP = (
    "show TensorFlow's, absl's, Keras' and TFP's own log lines and warnings "
    "(also shown when TF_CPP_MIN_LOG_LEVEL is set)"
)


def _integer(minimum: int):
    """An argparse type: an integer >= `minimum`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid integer: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


def _positive_float(text: str) -> float:
    """An argparse type: a number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def _rate(text: str) -> float:
    """An argparse type: a probability in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {value}")
    return value


def _condition(text: str) -> str:
    """An argparse type: `lowres:F`, the F-times average-pooled image (F >= 2)."""
    kind, _, factor = text.partition(":")
    if kind != "lowres" or not factor.isdigit() or int(factor) < 2:
        raise argparse.ArgumentTypeError(
            f"expected lowres:F with an integer F >= 2 (e.g. lowres:4), got {text!r}"
        )
    return f"lowres:{int(factor)}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixeldist",
        description="Train and sample PixelCNN-family image models.",
    )
    parser.add_argument(
        "--version", action="version", version=f"pixeldist {pixeldist.__version__}"
    )
    parser.add_argument("--verbose", action="store_true", help=_VERBOSE_HELP)
    # `--verbose` also after the command; SUPPRESS keeps a `--verbose` given
    # before the command from being reset by the command's default.
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument(
        "--verbose", action="store_true", default=argparse.SUPPRESS, help=_VERBOSE_HELP
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser(
        "train", parents=[verbose], help="train a model (default: digits)"
    )
    train.add_argument("--model", choices=MODEL_NAMES, default="pixelcnn")
    train.add_argument(
        "--dataset",
        choices=DATASET_NAMES,
        metavar="NAME",
        default="digits",
        help="digits (bundled, offline), mnist, binarized_mnist, fashion_mnist, "
        "cifar10, quickdraw_bitmap, imagenet_resized/32x32",
    )
    train.add_argument("--epochs", type=_integer(0), default=20)
    train.add_argument("--out", default=None, help="run directory (runs/DATASET)")
    train.add_argument("--batch-size", type=_integer(1), default=64)
    train.add_argument("--learning-rate", type=_positive_float, default=3e-3)
    train.add_argument(
        "--likelihood", choices=("categorical", "logistic_mixture"), default=None
    )
    train.add_argument("--num-layers", type=_integer(0), default=None)
    train.add_argument("--num-filters", type=_integer(1), default=None)
    train.add_argument("--num-logistic-mix", type=_integer(1), default=5)
    train.add_argument("--binarize", action="store_true")
    train.add_argument("--resize", type=_integer(1), nargs=2, metavar=("H", "W"))
    train.add_argument(
        "--classes", type=_integer(0), nargs="+", help="keep these labels"
    )
    train.add_argument(
        "--condition",
        type=_condition,
        default=None,
        metavar="lowres:F",
        help="condition on the F-times average-pooled image (super-resolution) "
        "instead of the labels",
    )
    train.add_argument(
        "--background-mutation",
        type=_rate,
        default=None,
        metavar="RATE",
        help="train a background model for the likelihood-ratio outlier score: "
        "each value of the training images replaced at random with probability "
        "RATE (e.g. 0.2)",
    )
    train.add_argument(
        "--classifier-epochs",
        type=_integer(0),
        default=10,
        help="epochs of the image classifier kept for sample-quality numbers "
        "(trained once per data set, on labelled data; 0: none)",
    )
    train.add_argument("--data-dir", default=None, help="TFDS data directory")
    train.add_argument(
        "--distribute",
        choices=("none", "mirrored", "multi_worker"),
        default="none",
        help="mirrored: the local devices; multi_worker: the cluster in TF_CONFIG",
    )
    train.add_argument("--samples-per-class", type=_integer(1), default=8)
    train.add_argument("--max-steps-per-epoch", type=_integer(1), default=None)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--quiet", action="store_true", help="no progress bars")

    sample = commands.add_parser(
        "sample", parents=[verbose], help="sample images from a trained run"
    )
    sample.add_argument("--run", required=True)
    sample.add_argument("--labels", type=int, nargs="+")
    sample.add_argument(
        "--condition-from",
        metavar="IMAGES.npy",
        help="for a lowres:F run: images [N, H, W, C] (pooled here) or their "
        "low-resolution versions [N, H/F, W/F, C], pixel values",
    )
    sample.add_argument(
        "--num", type=_integer(1), default=8, help="images per label or condition"
    )
    sample.add_argument("--out", default="samples.png")
    sample.add_argument("--temperature", type=_positive_float, default=1.0)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument(
        "--method",
        choices=("fast", "naive"),
        default="fast",
        help="fast: cached sampler where the model has one; naive: reference loop",
    )

    complete = commands.add_parser(
        "complete", parents=[verbose], help="complete held-out images"
    )
    complete.add_argument("--run", required=True)
    complete.add_argument("--num-known-rows", type=_integer(0), default=None)
    complete.add_argument("--num", type=_integer(1), default=8)
    complete.add_argument("--out", default="completions.png")
    complete.add_argument("--seed", type=int, default=0)
    complete.add_argument("--method", choices=("fast", "naive"), default="fast")

    evaluate = commands.add_parser(
        "evaluate", parents=[verbose], help="held-out bits/dim"
    )
    evaluate.add_argument("--run", required=True)
    evaluate.add_argument(
        "--dataset", choices=DATASET_NAMES, metavar="NAME", default=None
    )
    evaluate.add_argument("--split", default="test")
    evaluate.add_argument(
        "--num-samples",
        type=_integer(0),
        default=500,
        help="samples compared with as many held-out images for the Fréchet "
        "distance and conditional accuracy (runs with a classifier; 0: none)",
    )
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--quiet", action="store_true", help="no progress bars")
    evaluate.add_argument("--json", action="store_true")
    add_compression_commands(commands, [verbose])
    return parser


def _command(name: str):
    """The function that runs command `name`; importing it loads TensorFlow."""
    if name == "train":
        from pixeldist.cli.train_command import run_train

        return run_train
    if name == "sample":
        from pixeldist.cli.sample_command import run_sample

        return run_sample
    if name == "complete":
        from pixeldist.cli.sample_command import run_complete

        return run_complete
    if name in ("compress", "decompress"):
        from pixeldist.cli.compress_command import run_compress, run_decompress

        return run_compress if name == "compress" else run_decompress
    from pixeldist.cli.evaluate_command import run_evaluate

    return run_evaluate


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command == "train" and args.out is None:
        args.out = os.path.join("runs", args.dataset.replace("/", "_"))
    quiet = not args.verbose
    try:
        if args.command != "train":
            RunDirectory(args.run).trained_model_path()  # before TensorFlow loads
        hide_native_logs = quiet and quiet_tensorflow_native_logs()
        with python_logs_hidden(quiet):
            with native_logs_hidden(hide_native_logs):
                run_command = _command(args.command)
                # Registers pixeldist's Keras classes, for loading saved models.
                pixeldist._import_public_names()
            return run_command(args)
    except CommandError as error:
        print(f"pixeldist {args.command}: error: {error}", file=sys.stderr)
        return 2


def console_main() -> None:
    sys.exit(main())


if __name__ == "__main__":
    console_main()
