"""How well a score separates in-distribution images from outliers."""

from __future__ import annotations

import numpy as np
from sklearn import metrics


def detection_metrics(inlier_scores, outlier_scores) -> dict[str, float]:
    """Threshold-free quality of an outlier score, from scikit-learn.

    Outliers are the positive class, and a higher score means "more likely an
    outlier" (as `OutlierDetector.outlier_score`).

    Args:
      inlier_scores: scores of in-distribution images, any shape (flattened).
      outlier_scores: scores of out-of-distribution images.

    Returns:
      `{"auroc": ..., "average_precision": ..., "fpr_at_95_tpr": ...}`: the
      area under the ROC curve (0.5 is chance, 1 perfect), the area under the
      precision-recall curve, and the share of inliers flagged when the
      threshold catches 95% of the outliers (lower is better).
    """
    inliers = np.ravel(np.asarray(inlier_scores, dtype=np.float64))
    outliers = np.ravel(np.asarray(outlier_scores, dtype=np.float64))
    for name, scores in (("inlier_scores", inliers), ("outlier_scores", outliers)):
        if scores.size == 0:
            raise ValueError(f"`{name}` must hold at least one score.")
        if not np.all(np.isfinite(scores)):
            raise ValueError(f"`{name}` contains values that are not finite.")
    truth = np.concatenate([np.zeros(inliers.size), np.ones(outliers.size)])
    scores = np.concatenate([inliers, outliers])
    false_positive, true_positive, _ = metrics.roc_curve(truth, scores)
    return {
        "auroc": float(metrics.roc_auc_score(truth, scores)),
        "average_precision": float(metrics.average_precision_score(truth, scores)),
        "fpr_at_95_tpr": float(false_positive[np.argmax(true_positive >= 0.95)]),
    }
