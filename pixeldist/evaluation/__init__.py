"""Scoring images with an exact likelihood: Bayes-rule classification,
out-of-distribution detection and sample quality.

- `class_probabilities(dist, images, prior)`: `p(y | x)` of a
  class-conditional model.
- Out-of-distribution detectors, each with `outlier_score(images)` (higher:
  more likely an outlier) and `outlier_map(images)` (per-pixel bits):
  `LikelihoodDetector`, `LikelihoodRatioDetector` (with a background model
  trained on `mutate`d images) and `ComplexityDetector`; rank them with
  `detection_metrics` (scikit-learn's AUROC, average precision), for
  instance against `offline_outlier_sets` (noise, constant and inverted
  images, patches of photographs).
- Sample quality: `ImageClassifier` (a small CNN trained on the data set),
  `frechet_distance` in its features and `conditional_accuracy` of
  class-conditional samples.
"""

from pixeldist.evaluation.class_probabilities import class_probabilities
from pixeldist.evaluation.complexity_detector import ComplexityDetector
from pixeldist.evaluation.conditional_accuracy import conditional_accuracy
from pixeldist.evaluation.detection_metrics import detection_metrics
from pixeldist.evaluation.frechet_distance import frechet_distance
from pixeldist.evaluation.image_classifier import ImageClassifier
from pixeldist.evaluation.likelihood_detector import LikelihoodDetector
from pixeldist.evaluation.likelihood_ratio_detector import LikelihoodRatioDetector
from pixeldist.evaluation.lossless_codec_bits import lossless_codec_bits
from pixeldist.evaluation.mutate import mutate
from pixeldist.evaluation.offline_outlier_sets import offline_outlier_sets
from pixeldist.evaluation.outlier_detector import OutlierDetector

__all__ = [
    "ComplexityDetector",
    "ImageClassifier",
    "LikelihoodDetector",
    "LikelihoodRatioDetector",
    "OutlierDetector",
    "class_probabilities",
    "conditional_accuracy",
    "detection_metrics",
    "frechet_distance",
    "lossless_codec_bits",
    "mutate",
    "offline_outlier_sets",
]
