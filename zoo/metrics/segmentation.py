"""Quality of segmentation models on held-out images, beside a trivial baseline.

* ``iou_<class>``: intersection over union of each class over the whole split (pixels
  summed over images); ``miou`` their mean; ``foreground_iou`` the mean over the classes
  other than class 0 (background);
* ``pixel_accuracy``: the share of pixels given their true class;
* ``boundary_f``: the boundary F-score (Csurka et al., 2013, as DAVIS reports it) of the
  non-background classes: boundary pixels of the prediction within ``BOUNDARY_TOLERANCE``
  pixels of a true boundary (precision) and the reverse (recall), their harmonic mean;
* ``trivial_*``: the same figures for the trivial baseline that labels every pixel with the
  most frequent class of the split (background), so a reader can judge the scale.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

if TYPE_CHECKING:
    from zoo.tasks.segmentation import SegmentationGAN

#: pixels a predicted boundary may be off and still count as matched
BOUNDARY_TOLERANCE = 2


def confusion(pred: torch.Tensor, target: torch.Tensor, k: int) -> torch.Tensor:
    """(k, k) counts: row = true class, column = predicted class."""
    index = target.flatten().long() * k + pred.flatten().long()
    return torch.bincount(index, minlength=k * k).view(k, k)


def boundaries(masks: torch.Tensor) -> torch.Tensor:
    """Boundary pixels (bool (N, H, W)) of binary masks: inside, next to an outside pixel."""
    x = masks.float()[:, None]
    eroded = -F.max_pool2d(-F.pad(x, (1, 1, 1, 1), value=1.0), 3, 1)
    return (x - eroded)[:, 0] > 0


def _dilate(masks: torch.Tensor, radius: int) -> torch.Tensor:
    return F.max_pool2d(masks.float()[:, None], 2 * radius + 1, 1, radius)[:, 0] > 0


def boundary_counts(pred: torch.Tensor, target: torch.Tensor, k: int) -> torch.Tensor:
    """(matched predicted, predicted, matched true, true) boundary pixels of classes 1..k-1."""
    counts = torch.zeros(4, dtype=torch.float64)
    for c in range(1, k):
        bp, bt = boundaries(pred == c), boundaries(target == c)
        counts += torch.tensor(
            [
                (bp & _dilate(bt, BOUNDARY_TOLERANCE)).sum(),
                bp.sum(),
                (bt & _dilate(bp, BOUNDARY_TOLERANCE)).sum(),
                bt.sum(),
            ],
            dtype=torch.float64,
        )
    return counts


def summarise(conf: torch.Tensor, bounds: torch.Tensor, classes: tuple[str, ...]) -> dict:
    conf = conf.double()
    tp = conf.diag()
    iou = tp / (conf.sum(0) + conf.sum(1) - tp).clamp_min(1)
    precision = bounds[0] / bounds[1].clamp_min(1)
    recall = bounds[2] / bounds[3].clamp_min(1)
    f = 2 * precision * recall / (precision + recall).clamp_min(1e-12)
    out = {f"iou_{name}": round(float(v), 5) for name, v in zip(classes, iou)}
    out["miou"] = round(float(iou.mean()), 5)
    out["foreground_iou"] = round(float(iou[1:].mean()), 5)
    out["pixel_accuracy"] = round(float(tp.sum() / conf.sum()), 5)
    out["boundary_f"] = round(float(f), 5)
    return out


def evaluate_segmentation(model: SegmentationGAN, data: Any, batch: int = 50) -> dict[str, Any]:
    """The metrics of ``model`` on every image of ``data`` (an object with ``len()``,
    ``source``, ``classes`` and ``batch(index)`` giving images in [-1, 1] and masks)."""
    k = model.config.num_classes
    classes = tuple(model.class_names)
    conf = torch.zeros(k, k, dtype=torch.long)
    bounds = torch.zeros(4, dtype=torch.float64)
    masks = []
    for start in range(0, len(data), batch):
        b = data.batch(torch.arange(start, min(start + batch, len(data))))
        pred = model.segment(b["A"] * 0.5 + 0.5, fast=False).cpu()
        conf += confusion(pred, b["mask"], k)
        bounds += boundary_counts(pred, b["mask"], k)
        masks.append(b["mask"])
    target = torch.cat(masks)
    common = int(torch.bincount(target.flatten(), minlength=k).argmax())
    trivial = torch.full_like(target, common)
    metrics = summarise(conf, bounds, classes)
    baseline = summarise(
        confusion(trivial, target, k), boundary_counts(trivial, target, k), classes
    )
    for key in ("miou", "foreground_iou", "pixel_accuracy", "boundary_f"):
        metrics[f"trivial_{key}"] = baseline[key]
    return {"metrics": metrics, "samples": len(data), "data": data.source}
