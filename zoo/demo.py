"""A local demo page for trained models (Gradio, the convention of the Hub's model demos).

One tab per model: generators get seed, class and truncation controls (StyleGAN models: psi,
noise and style mixing), a sample grid and a latent walk between two seeds; translators,
upscalers and segmenters take an uploaded image; inpainters an image and a mask of its hole
(or a random hole drawn from a seed). Every result has Gradio's download button.
The page is served on 127.0.0.1 by default and loads nothing from outside it (system fonts,
analytics off). ``pip install "gan-zoo[demo]"``.

The functions that make the pictures (:func:`generate`, :func:`walk`, :func:`apply`,
:func:`fill`) are plain Python, usable and tested without a browser.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import torch
from PIL import Image

from zoo.constants import DEMO_TIME_LIMIT_S
from zoo.errors import ConfigError, ZooError
from zoo.images import as_channels, to_pil

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
    noise: str = "const",
    mix_seed: int = -1,
) -> Image.Image:
    """A grid of ``n`` samples of a generator; ``label``: a class name of a conditional
    model (None: classes drawn at random); ``truncation``: None or 0 for none (StyleGAN
    models: psi, 1 for none). StyleGAN models also take ``noise`` and ``mix_seed``, the seed
    of a code whose finer styles every sample takes (negative: none)."""
    options: dict[str, Any] = {"seed": int(seed), **_style(model, truncation, noise)}
    if label not in (None, "", "random"):
        options["labels"] = label
    if mix_seed is not None and int(mix_seed) >= 0:
        options["mix"] = model.latent(1, torch.Generator().manual_seed(int(mix_seed)))
    images = model.sample(int(n), **options)
    return enlarge(to_pil(images.cpu(), nrow=min(int(n), 8)))


def walk(
    model: Generator,
    seed_a: int = 0,
    seed_b: int = 1,
    steps: int = 8,
    label: str | None = None,
    truncation: float | None = None,
    noise: str = "const",
) -> Image.Image:
    """A latent walk from seed ``seed_a``'s code to ``seed_b``'s in ``steps`` images
    (spherical in z; StyleGAN models: straight in w)."""
    options = _style(model, truncation, noise)
    ends = [
        model.latent(1, torch.Generator().manual_seed(int(s)), options["truncation"]).cpu()
        for s in (seed_a, seed_b)
    ]
    if hasattr(model, "num_classes"):
        chosen = label if label not in (None, "", "random") else 0
        options["labels"] = model.labels(chosen, 1)  # type: ignore[operator]
    images = model.interpolate(ends[0], ends[1], int(steps), **options)
    return enlarge(to_pil(images.cpu(), nrow=int(steps)))


def _style(model: Generator, truncation: float | None, noise: str) -> dict[str, Any]:
    """``sample``'s truncation (0 means none, except StyleGAN's psi) and noise options."""
    from zoo.tasks.style import StyleSampling

    if not isinstance(model, StyleSampling):
        return {"truncation": truncation or None}
    return {"truncation": truncation, "noise": noise}  # without noise inputs: const, hidden


def apply(model: GAN, image: Image.Image | None) -> Image.Image:
    """An uploaded image through an image model: translated, repaired, upscaled or (a face)
    restored; for a segmenter, the image with its segmentation laid over it."""
    if image is None:
        raise ConfigError("upload an image first")
    from zoo.tasks.image_to_image import ImageToImageGAN
    from zoo.tasks.segmentation import SegmentationGAN

    _check_size(model, image)
    image = as_channels(image, input_channels(model))
    if isinstance(model, SegmentationGAN):
        from zoo.images import from_pil
        from zoo.masks import pil_overlay

        classes = model.segment(from_pil(image, 3))[0].cpu()
        return enlarge(pil_overlay(image, classes, model.config.num_classes))
    if isinstance(model, ImageToImageGAN):  # translators, upscalers, face restorers
        return enlarge(getattr(model, model.task.inference_method)(image))
    raise ConfigError(f"{model.architecture}: no demo for task {model.task.name!r}")


def fill(
    model: GAN, image: Image.Image | None, mask: Image.Image | None, seed: int = 0
) -> Image.Image:
    """An uploaded image with its hole (``mask``: white = hole; None: a random free-form hole
    drawn from ``seed``) shown, beside the inpainter's fill."""
    from zoo.data.inpainting import free_form_mask
    from zoo.images import from_pil, side_by_side, to_pil_list
    from zoo.tasks.inpainting import InpaintingGAN, mask_batch, show_holes

    if image is None:
        raise ConfigError("upload an image first")
    if not isinstance(model, InpaintingGAN):
        raise ConfigError(f"{model.architecture}: {model.task.name} models do not inpaint")
    _check_size(model, image)
    x = from_pil(as_channels(image, model.config.channels), model.config.channels)
    h, w = x.shape[-2:]
    if mask is None:
        hole = free_form_mask(h, w, int(seed))[None, None]
    else:
        if mask.size != image.size:  # a mask drawn at another size: fitted to the image
            mask = mask.resize(image.size, Image.Resampling.NEAREST)
        hole = mask_batch(mask, 1, h, w)
    filled = model.inpaint(x, hole)
    return enlarge(side_by_side(to_pil_list(torch.cat([show_holes(x, hole), filled.cpu()]))))


def _check_size(model: GAN, image: Image.Image) -> None:
    if image.width * image.height > MAX_PIXELS:
        raise ConfigError(
            f"the image is {image.width}x{image.height}; the demo takes at most "
            f"{MAX_PIXELS:,} pixels (use `zoo {model.task.command}` for larger ones)"
        )


def input_channels(model: GAN) -> int:
    """Channels the model's inference call takes (of direction AtoB for translators)."""
    from zoo.tasks.image_to_image import ImageToImageGAN
    from zoo.tasks.segmentation import SegmentationGAN

    if isinstance(model, ImageToImageGAN):
        return model.channels("AtoB")[0]
    if isinstance(model, SegmentationGAN):
        return model.config.input_nc
    return 3


class Worker:
    """The page's model calls, run one at a time in a process of their own that holds the
    models, each with a time limit: a call that runs over is stopped by ending that process
    (and a fresh one loads the models again), so no request can hold the page for longer.
    A process of its own, not a thread: a running PyTorch call cannot be interrupted."""

    def __init__(self, names: Sequence[str], limit_s: float = DEMO_TIME_LIMIT_S) -> None:
        if not limit_s > 0:
            raise ConfigError(f"time limit {limit_s} s; give a positive number of seconds")
        self.names, self.limit_s = list(names), limit_s
        self._lock = threading.Lock()
        self._start()

    def _start(self) -> None:
        # spawn: a clean interpreter (a fork of the threaded server could deadlock, and a
        # fork after PyTorch's thread pool started hangs in its first parallel call)
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve_calls, args=(child, self.names), daemon=True, name="zoo-demo-worker"
        )
        self._process.start()
        child.close()
        try:  # loading is not a request: the time limit starts once the models are in
            ok, error = self._conn.recv()
        except EOFError:
            ok, error = False, ZooError("the model process ended while loading the models")
        if not ok:
            self._process.join()
            raise error

    def _restart(self) -> None:
        self._process.kill()
        self._process.join()
        self._conn.close()
        self._start()

    def call(self, function: Callable[..., Any], name: str, *args: Any) -> Any:
        """``function(model, *args)`` for the model ``name``, in the worker; ``function``
        must be importable (a module-level function). A call over the time limit is a
        :class:`ConfigError` saying so; an error inside the call is raised here."""
        with self._lock:
            self._conn.send((function, name, args))
            if not self._conn.poll(self.limit_s):
                self._restart()
                raise ConfigError(
                    f"stopped after {self.limit_s:g} s, the time limit of one request "
                    "(zoo demo --time-limit); ask for less: fewer samples or a smaller image"
                )
            try:
                ok, value = self._conn.recv()
            except EOFError:  # the process died: out of memory, or killed
                self._restart()
                raise ZooError("the model process ended without an answer; try again") from None
        if not ok:
            raise value
        return value

    def close(self) -> None:
        self._process.kill()
        self._process.join()
        self._conn.close()


def _serve_calls(conn: Any, names: list[str]) -> None:
    """The worker process: load the models, then answer calls until the pipe closes."""
    import zoo

    try:
        models = {name: zoo.load(name) for name in names}
    except Exception as exc:
        conn.send((False, ZooError(f"loading the demo's models failed: {exc}")))
        return
    conn.send((True, None))
    while True:
        try:
            function, name, args = conn.recv()
        except EOFError:
            return
        try:
            answer: tuple[bool, Any] = (True, function(models[name], *args))
        except ZooError as exc:  # as its message: not every error class pickles
            answer = (False, ZooError(str(exc)))
        except Exception as exc:  # a bug in a model: shown on the page, the worker lives on
            answer = (False, ZooError(f"{type(exc).__name__}: {exc}"))
        conn.send(answer)


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


def build(
    names: Sequence[str], models: dict[str, GAN] | None = None, worker: Worker | None = None
) -> Any:
    """The Gradio page for the models ``names`` (catalog names, folders or hf-hub: ids);
    ``worker`` runs its model calls (none: in this process, without a time limit)."""
    import zoo
    from zoo.tasks.conditional import ConditionalGAN
    from zoo.tasks.inpainting import InpaintingGAN
    from zoo.tasks.unconditional import UnconditionalGAN

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    gr = _gradio()
    models = models or {name: zoo.load(name) for name in names}

    def call(function: Callable[..., Any], name: str, *args: Any) -> Any:
        if worker is not None:
            return worker.call(function, name, *args)
        return function(models[name], *args)

    with gr.Blocks(title="gan-zoo demo", analytics_enabled=False) as page:
        gr.Markdown(
            "# gan-zoo\nTrained GANs from the zoo's catalog. Results download with the "
            "button on each picture."
        )
        with gr.Tabs():
            for name, model in models.items():
                with gr.Tab(name, id=name):
                    if isinstance(model, (UnconditionalGAN, ConditionalGAN)):
                        _generator_tab(gr, name, model, call)
                    elif isinstance(model, InpaintingGAN):
                        _inpainting_tab(gr, name, call)
                    else:
                        _image_tab(gr, name, model, call)
    return page


def _generator_tab(gr: Any, name: str, model: Generator, call: Callable[..., Any]) -> None:
    from zoo.tasks.style import StyleSampling

    classes = list(getattr(model, "class_names", ()))
    style = isinstance(model, StyleSampling)
    gr.Markdown(f"**{name}**: {model.architecture}, {model.task.name}")
    with gr.Row():
        seed = gr.Number(value=0, precision=0, minimum=0, label="seed", elem_id=f"{name}-seed")
        n = gr.Slider(1, 64, value=16, step=1, label="samples")
        if style:  # psi: w pulled toward the average w
            truncation = gr.Slider(0, 1, value=1, step=0.05, label="psi (1: none, 0.7 usual)")
        else:
            truncation = gr.Slider(0, 3, value=0, step=0.1, label="truncation (0: none)")
        label = (
            gr.Dropdown(["random", *classes], value="random", label="class")
            if classes
            else gr.State(None)
        )
    with gr.Row(visible=style):
        noise = gr.Dropdown(
            ["const", "random", "none"],
            value="const",
            label="noise",
            visible=style and getattr(model, "noise_inputs", False),
        )
        mix = gr.Number(
            value=-1, precision=0, label="mix in the styles of seed (-1: none)",
            elem_id=f"{name}-mix",
        )  # fmt: skip
    button = gr.Button("Generate", variant="primary", elem_id=f"{name}-generate")
    grid = gr.Image(type="pil", label="samples", elem_id=f"{name}-samples", format="png")
    button.click(
        lambda s, k, t, c, z, m: call(generate, name, s, k, c, t, z, m),
        [seed, n, truncation, label, noise, mix],
        grid,
    )
    with gr.Row():
        seed_b = gr.Number(value=1, precision=0, minimum=0, label="walk to seed")
        steps = gr.Slider(2, 16, value=8, step=1, label="steps")
    walk_button = gr.Button("Latent walk", elem_id=f"{name}-walk")
    strip = gr.Image(type="pil", label="walk", elem_id=f"{name}-walk-image", format="png")
    walk_button.click(
        lambda a, b, k, c, t, z: call(walk, name, a, b, k, c, t, z),
        [seed, seed_b, steps, label, truncation, noise],
        strip,
    )


def _image_tab(gr: Any, name: str, model: GAN, call: Callable[..., Any]) -> None:
    method = model.task.inference_method
    verb = {
        "translate": "Translate",
        "upscale": "Upscale",
        "segment": "Segment",
        "restore": "Restore",
    }.get(method, "Run")
    what = "an aligned face crop" if method == "restore" else "an image"
    gr.Markdown(f"**{name}**: {model.architecture}, {model.task.name}. Upload {what}.")
    with gr.Row():
        source = gr.Image(type="pil", label="input", elem_id=f"{name}-input", height=360)
        result = gr.Image(
            type="pil", label="result", elem_id=f"{name}-result", format="png", height=360
        )
    button = gr.Button(verb, variant="primary", elem_id=f"{name}-run")
    button.click(lambda image: call(apply, name, image), source, result)


def _inpainting_tab(gr: Any, name: str, call: Callable[..., Any]) -> None:
    gr.Markdown(
        f"**{name}**: inpainting. Upload an image, and a mask of the same size (white = hole) "
        "or none for a random hole drawn from the seed."
    )
    with gr.Row():
        source = gr.Image(type="pil", label="image", elem_id=f"{name}-input", height=300)
        mask = gr.Image(type="pil", label="mask (white = hole)", elem_id=f"{name}-mask", height=300)
    seed = gr.Number(value=0, precision=0, minimum=0, label="random hole seed (no mask)")
    button = gr.Button("Inpaint", variant="primary", elem_id=f"{name}-run")
    result = gr.Image(
        type="pil", label="hole | filled", elem_id=f"{name}-result", format="png", height=360
    )
    button.click(lambda i, m, s: call(fill, name, i, m, s), [source, mask, seed], result)


def serve(
    names: Sequence[str],
    host: str = "127.0.0.1",
    port: int = 7860,
    time_limit: float = DEMO_TIME_LIMIT_S,
) -> None:
    """Serve the page until interrupted; a clear error if ``port`` is taken. Requests wait
    in a queue of 16 and run one at a time, each for at most ``time_limit`` seconds."""
    if not port_free(host, port):
        raise ConfigError(f"port {port} on {host} is in use; choose another with --port")
    gr = _gradio()
    worker = Worker(names, time_limit)
    try:
        _launch(gr, build(names, worker=worker), names, host, port)
    finally:
        worker.close()


def _launch(gr: Any, page: Any, names: Sequence[str], host: str, port: int) -> None:
    page.queue(max_size=16, default_concurrency_limit=1)  # one model call at a time
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
