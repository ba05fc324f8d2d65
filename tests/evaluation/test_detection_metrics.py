"""`detection_metrics`: outliers are the positive class, high scores flag."""

from __future__ import annotations

import numpy as np
import pytest

from pixeldist.evaluation import detection_metrics


def test_perfect_reversed_and_tied_scores():
    perfect = detection_metrics([0.1, 0.2, 0.3], [0.5, 0.9])
    assert perfect == {"auroc": 1.0, "average_precision": 1.0, "fpr_at_95_tpr": 0.0}
    reversed_ = detection_metrics([0.5, 0.9], [0.1, 0.2, 0.3])
    assert reversed_["auroc"] == 0.0 and reversed_["fpr_at_95_tpr"] == 1.0
    assert detection_metrics([1.0, 1.0], [1.0, 1.0])["auroc"] == 0.5


def test_auroc_is_the_probability_that_an_outlier_scores_higher():
    rng = np.random.default_rng(0)
    inliers, outliers = rng.normal(size=40), rng.normal(0.7, size=30)
    pairs = (outliers[:, None] > inliers[None, :]).mean()
    assert detection_metrics(inliers, outliers)["auroc"] == pytest.approx(pairs)


@pytest.mark.parametrize(
    "inliers, outliers, message",
    [([], [1.0], "`inlier_scores`"), ([1.0], [np.inf], "`outlier_scores`")],
)
def test_bad_scores_are_named(inliers, outliers, message):
    with pytest.raises(ValueError, match=message):
        detection_metrics(inliers, outliers)
