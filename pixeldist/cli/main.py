"""The `pixeldist` command: train, sample, complete and evaluate from a terminal.

    pixeldist train                       # class-conditional PixelCNN on the digits
    pixeldist train --model gated_pixelcnn --dataset mnist --epochs 10 --out runs/mnist
    pixeldist sample --run runs/digits --labels 0 1 2 --num 8 --out grid.png
    pixeldist complete --run runs/digits --num-known-rows 4
    pixeldist evaluate --run runs/digits --json

User errors (unknown model or data set, missing or corrupt run, labels
outside the model's classes, data that does not fit the model) print one
line on stderr and exit with code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys

from pixeldist.cli.command_error import CommandError
from pixeldist.cli.model_registry import MODEL_NAMES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixeldist",
        description="Train and sample PixelCNN-family image models.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser("train", help="train a model (default: digits)")
    train.add_argument("--model", choices=MODEL_NAMES, default="pixelcnn")
    train.add_argument(
        "--dataset",
        default="digits",
        help="digits (bundled, offline), mnist, binarized_mnist, fashion_mnist, "
        "cifar10, quickdraw_bitmap, imagenet_resized/32x32",
    )
    train.add_argument("--epochs", type=int, default=20)
    train.add_argument("--out", default=None, help="run directory (runs/DATASET)")
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--learning-rate", type=float, default=3e-3)
    train.add_argument(
        "--likelihood", choices=("categorical", "logistic_mixture"), default=None
    )
    train.add_argument("--num-layers", type=int, default=None)
    train.add_argument("--num-filters", type=int, default=None)
    train.add_argument("--num-logistic-mix", type=int, default=5)
    train.add_argument("--binarize", action="store_true")
    train.add_argument("--resize", type=int, nargs=2, metavar=("H", "W"))
    train.add_argument("--classes", type=int, nargs="+", help="keep these labels")
    train.add_argument("--data-dir", default=None, help="TFDS data directory")
    train.add_argument(
        "--distribute",
        choices=("none", "mirrored", "multi_worker"),
        default="none",
        help="mirrored: the local devices; multi_worker: the cluster in TF_CONFIG",
    )
    train.add_argument("--samples-per-class", type=int, default=8)
    train.add_argument("--max-steps-per-epoch", type=int, default=None)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--quiet", action="store_true", help="no progress bars")

    sample = commands.add_parser("sample", help="sample images from a trained run")
    sample.add_argument("--run", required=True)
    sample.add_argument("--labels", type=int, nargs="+")
    sample.add_argument("--num", type=int, default=8, help="images per label")
    sample.add_argument("--out", default="samples.png")
    sample.add_argument("--temperature", type=float, default=1.0)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument(
        "--method",
        choices=("fast", "naive"),
        default="fast",
        help="fast: cached sampler where the model has one; naive: reference loop",
    )

    complete = commands.add_parser("complete", help="complete held-out images")
    complete.add_argument("--run", required=True)
    complete.add_argument("--num-known-rows", type=int, default=None)
    complete.add_argument("--num", type=int, default=8)
    complete.add_argument("--out", default="completions.png")
    complete.add_argument("--seed", type=int, default=0)
    complete.add_argument("--method", choices=("fast", "naive"), default="fast")

    evaluate = commands.add_parser("evaluate", help="held-out bits/dim")
    evaluate.add_argument("--run", required=True)
    evaluate.add_argument("--dataset", default=None)
    evaluate.add_argument("--split", default="test")
    evaluate.add_argument("--json", action="store_true")
    return parser


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command == "train" and args.out is None:
        args.out = os.path.join("runs", args.dataset.replace("/", "_"))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        if args.command == "train":
            from pixeldist.cli.train_command import run_train

            return run_train(args)
        if args.command == "sample":
            from pixeldist.cli.sample_command import run_sample

            return run_sample(args)
        if args.command == "complete":
            from pixeldist.cli.sample_command import run_complete

            return run_complete(args)
        from pixeldist.cli.evaluate_command import run_evaluate

        return run_evaluate(args)
    except CommandError as error:
        print(f"pixeldist {args.command}: error: {error}", file=sys.stderr)
        return 2


def console_main() -> None:
    sys.exit(main())


if __name__ == "__main__":
    console_main()
