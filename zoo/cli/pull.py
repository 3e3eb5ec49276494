"""`zoo pull`: download weights into the Hugging Face cache."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "pull",
        help="download weights into the Hugging Face cache",
        description="Prefetch a catalog model's weights (at its pinned commit, "
        "sha256-checked) or a published repo (hf-hub:org/name[@revision]) into the Hugging "
        "Face cache, so that loading works offline later. A catalog model whose weights ship "
        "inside its package needs no pull (zoo info NAME shows where its weights come "
        "from). A model published in another format (StyleGAN or R3GAN pickles) is "
        "downloaded, checked and converted to safetensors in the zoo's cache "
        "(HF_HOME/gan-zoo). Honours HF_ENDPOINT, HF_HOME, HF_TOKEN and HF_HUB_OFFLINE.",
    )
    p.add_argument("name", help="catalog name or hf-hub:org/name[@revision]")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from zoo.models._catalog import load_catalog
    from zoo.models._download import pull

    entry = load_catalog().get(args.name)
    if entry is not None and entry.weights.foreign:
        from zoo.importers.catalog import converted_weights

        paths, done = [converted_weights(entry)], f"{args.name} is converted in the cache"
    else:
        paths, done = pull(args.name)
    print(done, file=sys.stderr)
    for path in paths:
        print(path)
    return 0
