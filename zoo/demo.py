"""A local demo page for trained models (Gradio, the convention of the Hub's model demos).

One tab per model: generators get seed, class and truncation controls, a sample grid and a
latent walk between two seeds; translators, upscalers and segmenters take an uploaded image.
Every result has Gradio's download button. The page is served on 127.0.0.1 by default and
loads nothing from outside it (system fonts, analytics off). ``pip install "gan-zoo[demo]"``.

The functions that make the pictures (:func:`generate`, :func:`walk`, :func:`apply`) are
plain Python, usable and tested without a browser.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch
from PIL import Image

from zoo.errors import ConfigError, ZooError
from zoo.images import to_pil

if TYPE_CHECKING:
    from zoo.models.base import GAN
    from zoo.tasks.conditional import ConditionalGAN
    from zoo.tasks.unconditional import UnconditionalGAN

    Generator = UnconditionalGAN | ConditionalGAN

EXTRA = 'pip install "gan-zoo[demo]"'
#: pictures narrower than this are enlarged (nearest neighbour) so that digits are visible
MIN_WIDTH = 384
DEFAULT_MODELS = ("dcgan-mnist", "cgan-mnist", "pix2pix-mnist-repair")


#: the largest upload the page takes, and the most pixels of an image it runs a model on
MAX_UPLOAD = "20mb"
MAX_PIXELS = 4096 * 4096


def enlarge(image: Image.Image, width: int = MIN_WIDTH) -> Image.Image:
    """``image`` scaled up by a whole factor to at least ``width`` pixels (pixels kept
    sharp), or unchanged if already as wide."""
    factor = -(-width // image.width)
    if factor <= 1:
        return image
    return image.resize((image.width * factor, image.height * factor), Image.Resampling.NEAREST)


def generate(
    model: Generator,
    seed: int = 0,
    n: int = 16,
    label: str | None = None,
    truncation: float | None = None,
) -> Image.Image:
    """A grid of ``n`` samples of a generator; ``label``: a class name of a conditional
    model (None: classes drawn at random); ``truncation``: None or 0 for none."""
    options: dict[str, Any] = {"seed": int(seed), "truncation": truncation or None}
    if label not in (None, "", "random"):
        options["labels"] = label
    images = model.sample(int(n), **options)
    return enlarge(to_pil(images.cpu(), nrow=min(int(n), 8)))


def walk(
    model: Generator,
    seed_a: int = 0,
    seed_b: int = 1,
    steps: int = 8,
    label: str | None = None,
    truncation: float | None = None,
) -> Image.Image:
    """A latent walk (spherical interpolation) from seed ``seed_a``'s code to ``seed_b``'s,
    in ``steps`` images."""
    from zoo.tasks.latent import slerp

    codes = [
        model.latent(1, torch.Generator().manual_seed(int(s)), truncation or None).cpu()
        for s in (seed_a, seed_b)
    ]
    path = slerp(codes[0], codes[1], torch.linspace(0, 1, int(steps)))[0]
    options: dict[str, Any] = {"latents": path}
    if hasattr(model, "num_classes"):
        options["labels"] = label if label not in (None, "", "random") else 0
    images = model.sample(**options)
    return enlarge(to_pil(images.cpu(), nrow=int(steps)))


def apply(model: GAN, image: Image.Image | None) -> Image.Image:
    """An uploaded image through an image model: translated, repaired or upscaled; for a
    segmenter, the image with its segmentation laid over it."""
    if image is None:
        raise ConfigError("upload an image first")
    from zoo.tasks.image_to_image import ImageToImageGAN
    from zoo.tasks.segmentation import SegmentationGAN

    if image.width * image.height > MAX_PIXELS:
        raise ConfigError(
            f"the image is {image.width}x{image.height}; the demo takes at most "
            f"{MAX_PIXELS:,} pixels (use `zoo {model.task.command}` for larger ones)"
        )
    image = as_input(image, input_channels(model))
    if isinstance(model, SegmentationGAN):
        from zoo.images import from_pil
        from zoo.masks import pil_overlay

        classes = model.segment(from_pil(image, 3))[0].cpu()
        return enlarge(pil_overlay(image, classes, model.config.num_classes))
    if isinstance(model, ImageToImageGAN):  # translators and upscalers
        return enlarge(getattr(model, model.task.inference_method)(image))
    raise ConfigError(f"{model.architecture}: no demo for task {model.task.name!r}")


def input_channels(model: GAN) -> int:
    """Channels the model's inference call takes (of direction AtoB for translators)."""
    from zoo.tasks.image_to_image import ImageToImageGAN
    from zoo.tasks.segmentation import SegmentationGAN

    if isinstance(model, ImageToImageGAN):
        return model.channels("AtoB")[0]
    if isinstance(model, SegmentationGAN):
        return model.config.input_nc
    return 3


def as_input(image: Image.Image, channels: int) -> Image.Image:
    """An uploaded picture as the model takes it: transparency composited onto white, then
    grey (1 channel) or RGB."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image.convert("RGBA"))
    return image.convert("L" if channels == 1 else "RGB")


def port_free(host: str, port: int) -> bool:
    """Whether ``port`` on ``host`` can be listened on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _gradio() -> Any:
    try:
        import gradio as gr
    except ImportError:
        raise ZooError(f"the demo page needs Gradio: {EXTRA}") from None
    return gr


def build(names: Sequence[str], models: dict[str, GAN] | None = None) -> Any:
    """The Gradio page for the models ``names`` (catalog names, folders or hf-hub: ids)."""
    import zoo
    from zoo.tasks.conditional import ConditionalGAN
    from zoo.tasks.unconditional import UnconditionalGAN

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    gr = _gradio()
    models = models or {name: zoo.load(name) for name in names}
    with gr.Blocks(title="gan-zoo demo", analytics_enabled=False) as page:
        gr.Markdown(
            "# gan-zoo\nTrained GANs from the zoo's catalog. Results download with the "
            "button on each picture."
        )
        with gr.Tabs():
            for name, model in models.items():
                with gr.Tab(name, id=name):
                    if isinstance(model, (UnconditionalGAN, ConditionalGAN)):
                        _generator_tab(gr, name, model)
                    else:
                        _image_tab(gr, name, model)
    return page


def _generator_tab(gr: Any, name: str, model: Generator) -> None:
    classes = list(getattr(model, "class_names", ()))
    gr.Markdown(f"**{name}**: {model.architecture}, {model.task.name}")
    with gr.Row():
        seed = gr.Number(value=0, precision=0, minimum=0, label="seed", elem_id=f"{name}-seed")
        n = gr.Slider(1, 64, value=16, step=1, label="samples")
        truncation = gr.Slider(0, 3, value=0, step=0.1, label="truncation (0: none)")
        label = (
            gr.Dropdown(["random", *classes], value="random", label="class")
            if classes
            else gr.State(None)
        )
    button = gr.Button("Generate", variant="primary", elem_id=f"{name}-generate")
    grid = gr.Image(type="pil", label="samples", elem_id=f"{name}-samples", format="png")
    button.click(lambda s, k, t, c: generate(model, s, k, c, t), [seed, n, truncation, label], grid)
    with gr.Row():
        seed_b = gr.Number(value=1, precision=0, minimum=0, label="walk to seed")
        steps = gr.Slider(2, 16, value=8, step=1, label="steps")
    walk_button = gr.Button("Latent walk", elem_id=f"{name}-walk")
    strip = gr.Image(type="pil", label="walk", elem_id=f"{name}-walk-image", format="png")
    walk_button.click(
        lambda a, b, k, c, t: walk(model, a, b, k, c, t),
        [seed, seed_b, steps, label, truncation],
        strip,
    )


def _image_tab(gr: Any, name: str, model: GAN) -> None:
    verb = {"translate": "Translate", "upscale": "Upscale", "segment": "Segment"}.get(
        model.task.inference_method, "Run"
    )
    gr.Markdown(f"**{name}**: {model.architecture}, {model.task.name}. Upload an image.")
    with gr.Row():
        source = gr.Image(type="pil", label="input", elem_id=f"{name}-input", height=360)
        result = gr.Image(
            type="pil", label="result", elem_id=f"{name}-result", format="png", height=360
        )
    button = gr.Button(verb, variant="primary", elem_id=f"{name}-run")
    button.click(lambda image: apply(model, image), source, result)


def serve(names: Sequence[str], host: str = "127.0.0.1", port: int = 7860) -> None:
    """Serve the page until interrupted; a clear error if ``port`` is taken."""
    if not port_free(host, port):
        raise ConfigError(f"port {port} on {host} is in use; choose another with --port")
    page = build(names)
    page.queue(max_size=16, default_concurrency_limit=1)  # one model call at a time
    gr = _gradio()
    theme = gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=["ui-monospace", "monospace"],
    )  # system fonts: nothing fetched from outside
    print(f"gan-zoo demo of {', '.join(names)} on http://{host}:{port} (Ctrl-C stops)")
    page.launch(
        server_name=host,
        server_port=port,
        share=False,
        inbrowser=False,
        show_error=True,
        quiet=True,
        theme=theme,
        ssr_mode=False,
        max_file_size=MAX_UPLOAD,
        footer_links=[],
    )
