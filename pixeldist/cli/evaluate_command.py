"""`pixeldist evaluate`: held-out bits/dim of a trained run."""

from __future__ import annotations

import json

from pixeldist.cli.data_access import (
    check_fits,
    data_info,
    load_split,
    with_condition,
)
from pixeldist.cli.run_directory import RunDirectory
from pixeldist.cli.train_command import log


def run_evaluate(args) -> int:
    run = RunDirectory(args.run)
    settings = run.read_settings()
    model = run.load_model()
    dataset = args.dataset or settings["dataset"]
    info = data_info(settings, dataset)
    check_fits(info, model.distribution)
    data = with_condition(
        load_split(settings, args.split, dataset),
        settings,
        model.distribution.high,
        model.distribution.low,
    )
    if not info.has_labels and model.distribution.num_classes is not None:
        from pixeldist.cli.command_error import CommandError

        raise CommandError(
            f"Data set {dataset!r} has no labels, but the model is class-conditional."
        )
    log(f"evaluating on {dataset} ({args.split})")
    result = model.evaluate(data.batch(256), verbose=0, return_dict=True)
    bits = float(result["bits_per_dim"])
    if args.json:
        print(
            json.dumps({"bits_per_dim": bits, "dataset": dataset, "split": args.split})
        )
    else:
        print(f"held-out bits/dim on {dataset} ({args.split}): {bits:.4f}")
    return 0
