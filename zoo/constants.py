"""Names the zoo writes and reads, defined once (in the spirit of ``huggingface_hub.constants``).

A *run folder* (``zoo train --out``) holds ``run.json``, ``checkpoint.safetensors``,
``model.safetensors``, ``log.jsonl``, ``eval.jsonl``/``eval.png`` and ``samples/``. A
*published folder* (``save_pretrained``, a Hub repo) holds ``config.json``,
``model.safetensors``, ``README.md`` and ``sample.png``.
"""

#: inference weights (safetensors with the model's identity in the header)
WEIGHTS_NAME = "model.safetensors"
#: a published model's config: architecture, config, plugin package, weights sha256
CONFIG_NAME = "config.json"
#: a training run's metadata: command, data, train settings, step, time
RUN_INFO_NAME = "run.json"
#: the run metadata file of run folders written before 0.1.0 had RUN_INFO_NAME
LEGACY_RUN_INFO_NAME = "config.json"
#: an imported network's discriminator (``zoo import-checkpoint --discriminator``), which
#: ``zoo train --init-from`` loads beside the inference weights
DISCRIMINATOR_NAME = "discriminator.safetensors"
#: the resumable training state
CHECKPOINT_NAME = "checkpoint.safetensors"
#: training log lines (JSON), one per --log-every steps
LOG_NAME = "log.jsonl"
#: evaluation during training (JSON lines) and its curve
EVAL_LOG_NAME = "eval.jsonl"
EVAL_PLOT_NAME = "eval.png"
#: --keep-best: the inference weights of the best evaluation, and which it was
BEST_WEIGHTS_NAME = "best.safetensors"
BEST_INFO_NAME = "best.json"
#: sample grids written while training
SAMPLES_DIR = "samples"
#: a published model's card and sample grid
CARD_NAME = "README.md"
SAMPLE_IMAGE_NAME = "sample.png"

#: ``zoo.load("hf-hub:org/name[@revision]")``
HUB_PREFIX = "hf-hub:"
#: ``library_name`` of model cards
LIBRARY_NAME = "gan-zoo"

#: safetensors header: ``format`` and ``format_version`` of zoo files
WEIGHTS_FORMAT = "gan-zoo"
WEIGHTS_FORMAT_VERSION = "1"

#: entry-point groups through which other distributions extend the zoo
ARCHITECTURES_GROUP = "zoo.architectures"
CATALOGS_GROUP = "zoo.catalogs"
DATASETS_GROUP = "zoo.datasets"

#: image files the zoo reads
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}

#: the metrics `zoo list` shows first, in this order (the first three an entry has): every
#: task's ``headline_metrics`` merged, so listing the catalog needs no architecture (nor
#: torch) imported; tests/test_listing.py checks it agrees with each task
HEADLINE_METRICS = (
    "label_accuracy",
    "intra_fid",
    "foreground_iou",
    "pixel_accuracy",
    "boundary_f",
    "psnr_y",
    "ssim_y",
    "bicubic_psnr_y",
    "hole_psnr",
    "diffusion_hole_psnr",
    "fid",
    "psnr",
    "ssim",
    "degraded_psnr",
    "label_kept_ab",
    "label_kept_ba",
    "precision",
    "recall",
)

#: the smallest truncation threshold ``sample(truncation=...)`` takes: below it almost every
#: latent value is drawn again many times over (and at 1e-30 the redrawing never ends)
MIN_TRUNCATION = 0.05

#: seconds one request to ``zoo demo`` may run before it is stopped (``--time-limit``)
DEMO_TIME_LIMIT_S = 60.0
