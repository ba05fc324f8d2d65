"""The models the command line can train, sized for a laptop CPU by default."""

from __future__ import annotations

from pixeldist.cli.command_error import CommandError

MODEL_NAMES = (
    "pixelcnn",
    "gated_pixelcnn",
    "pixelcnn_plus_plus",
    "row_lstm",
    "diagonal_bilstm",
    "spatial_lstm",
    "pixelsnail",
)


def _largest_hierarchy(image_shape, wanted: int) -> int:
    """The most U-Net levels (<= wanted) whose strides divide the image size."""
    height, width, _ = image_shape
    levels = 1
    while levels < wanted and height % 2**levels == 0 and width % 2**levels == 0:
        levels += 1
    return levels


def build_distribution(
    model: str,
    image_shape,
    high: int,
    num_classes: int | None,
    likelihood: str | None = None,
    num_layers: int | None = None,
    num_filters: int | None = None,
    num_logistic_mix: int = 5,
    **extra,
):
    """A pixeldist distribution for the command line's `--model` choice.

    `num_layers` means residual blocks (PixelCNN), gated layers (Gated
    PixelCNN), resnet blocks per level (PixelCNN++), LSTM layers (PixelRNN)
    or attention blocks (PixelSNAIL).
    `extra` keyword arguments go to the model's constructor (e.g.
    `use_weight_norm=False` for PixelCNN++).
    """
    import pixeldist

    common = dict(
        image_shape=tuple(image_shape),
        num_classes=num_classes,
        high=high,
        num_logistic_mix=num_logistic_mix,
        **extra,
    )
    if model == "pixelcnn":
        return pixeldist.PixelCNN(
            likelihood=likelihood or "categorical",
            num_layers=4 if num_layers is None else num_layers,
            num_filters=num_filters or 64,
            **common,
        )
    if model == "gated_pixelcnn":
        from pixeldist.distributions.gated_pixelcnn import GatedPixelCNN

        return GatedPixelCNN(
            likelihood=likelihood or "categorical",
            num_layers=5 if num_layers is None else num_layers,
            num_filters=num_filters or 32,
            kernel_size=3,
            **common,
        )
    if model == "pixelcnn_plus_plus":
        from pixeldist.distributions.pixelcnn_plus_plus import PixelCNNPlusPlus

        return PixelCNNPlusPlus(
            likelihood=likelihood or "logistic_mixture",
            num_resnet=1 if num_layers is None else num_layers,
            num_hierarchies=_largest_hierarchy(image_shape, 2),
            num_filters=num_filters or 32,
            dropout_p=0.0,
            **common,
        )
    if model in ("row_lstm", "diagonal_bilstm", "spatial_lstm"):
        from pixeldist.distributions.pixelrnn import PixelRNN

        return PixelRNN(
            cell=model,
            likelihood=likelihood or "categorical",
            num_layers=2 if num_layers is None else num_layers,
            num_filters=num_filters or 16,
            **common,
        )
    if model == "pixelsnail":
        from pixeldist.distributions.pixelsnail import PixelSNAIL

        return PixelSNAIL(
            likelihood=likelihood or "logistic_mixture",
            num_blocks=2 if num_layers is None else num_layers,
            num_resnet=1,
            num_filters=num_filters or 32,
            key_channels=16,
            value_channels=32,
            **common,
        )
    raise CommandError(
        f"Unknown model {model!r}; choose one of {', '.join(MODEL_NAMES)}."
    )
