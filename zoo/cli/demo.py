"""`zoo demo`: a local web page to try models (Gradio)."""

from __future__ import annotations

import argparse

from zoo.cli._util import positive_float, positive_int
from zoo.constants import DEMO_TIME_LIMIT_S


def port_number(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (1 to 65535)")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="serve a local demo page (Gradio) to try models in a browser",
        description="Serve a web page with one tab per model: generators get seed, class "
        "and truncation controls, a sample grid and a latent walk; translators, upscalers "
        "and segmenters take an uploaded image. Results download from each picture. Needs "
        'the demo extra: pip install "gan-zoo[demo]". Listens on 127.0.0.1 unless --host '
        "says otherwise; nothing is fetched from outside.",
    )
    p.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="catalog names, run folders or hf-hub:org/name (default: dcgan-mnist, "
        "cgan-mnist, pix2pix-mnist-repair)",
    )
    p.add_argument("--port", type=port_number, default=7860, help="port (default 7860)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument(
        "--time-limit",
        type=positive_float,
        default=DEMO_TIME_LIMIT_S,
        metavar="SECONDS",
        help="the longest one request may run; a longer one is stopped with an error and the "
        "page stays free (default %(default)g). Requests run one at a time, 16 may wait",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from zoo.demo import DEFAULT_MODELS, serve

    serve(args.names or list(DEFAULT_MODELS), args.host, args.port, args.time_limit)
    return 0
