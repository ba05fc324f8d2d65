"""Pictures of images and samples."""

from pixeldist.plotting.image_grid import image_grid, save_image_grid
from pixeldist.plotting.labelled_image_grid import labelled_image_grid
from pixeldist.plotting.super_resolution_grid import super_resolution_grid

__all__ = [
    "image_grid",
    "labelled_image_grid",
    "save_image_grid",
    "super_resolution_grid",
]
