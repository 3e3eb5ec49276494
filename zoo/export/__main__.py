"""``python -m zoo.export ...`` is ``zoo export ...`` (e.g. ``python -m zoo.export --check
model.onnx``)."""

import sys

from zoo.cli import main

sys.exit(main(["export", *sys.argv[1:]]))
