"""`pixeldist sample` and `pixeldist complete`: pictures from a trained run."""

from __future__ import annotations

import numpy as np

from pixeldist.cli.command_error import CommandError
from pixeldist.cli.data_access import class_names, data_info
from pixeldist.cli.pictures import save_generated_rows
from pixeldist.cli.run_directory import RunDirectory
from pixeldist.cli.sampling_progress import sample_with_progress
from pixeldist.cli.train_command import log, write_completions


def run_sample(args) -> int:
    run = RunDirectory(args.run)
    distribution = run.load_model().distribution
    classes = distribution.num_classes
    if classes is None:
        if args.labels:
            raise CommandError("This model is unconditional; do not pass --labels.")
        images = sample_with_progress(
            distribution,
            args.num,
            seed=args.seed,
            temperature=args.temperature,
            method=args.method,
        )
        grid, names = images[None], None
    else:
        labels = list(range(classes)) if not args.labels else list(args.labels)
        bad = [label for label in labels if not 0 <= label < classes]
        if bad:
            raise CommandError(
                f"--labels {bad} are outside the model's classes [0, {classes})."
            )
        log(f"sampling {args.num} images for each of {len(labels)} labels")
        condition = np.repeat(np.asarray(labels), args.num)
        images = sample_with_progress(
            distribution,
            len(condition),
            labels=condition,
            seed=args.seed,
            temperature=args.temperature,
            method=args.method,
        )
        grid = images.reshape(len(labels), args.num, *distribution.image_shape)
        every_name = class_names(data_info(run.read_settings()), classes)
        names = [every_name[label] for label in labels]
    save_generated_rows(
        args.out, grid, high=distribution.high, low=distribution.low, row_names=names
    )
    print(f"wrote {args.out}")
    return 0


def run_complete(args) -> int:
    run = RunDirectory(args.run)
    settings = run.read_settings()
    distribution = run.load_model().distribution
    height = distribution.image_shape[0]
    rows = height // 2 if args.num_known_rows is None else args.num_known_rows
    if not 0 <= rows <= height:
        raise CommandError(
            f"--num-known-rows must be in [0, {height}] (the image height), got {rows}."
        )
    write_completions(
        args.out, distribution, settings, args.seed, args.num, rows, args.method
    )
    print(f"wrote {args.out}")
    return 0
