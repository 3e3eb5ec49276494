"""`zoo demo`: the page served on loopback, driven in a real headless Chromium (Debian's
chromium and chromedriver through Selenium): generate, walk, upload and translate; the
pictures the page shows are the ones the zoo computes; no request leaves 127.0.0.1."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
from PIL import Image

import zoo
from zoo.demo import apply, generate, walk
from zoo.images import as_channels

from .conftest import ZOO, run_zoo

pytestmark = pytest.mark.slow  # the demo page driven in a real browser

pytest.importorskip("gradio", reason='pip install "gan-zoo[demo]"')
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
browser = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver"
)
MODELS = ["dcgan-mnist", "cgan-mnist", "pix2pix-mnist-repair", "pix2pix-emoji-seg"]
#: where the page's screenshots go (docs/img for the docs, else the test's folder)
SHOTS = os.environ.get("ZOO_DEMO_SCREENSHOTS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("demo") / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [str(ZOO), "demo", *MODELS, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "GRADIO_TEMP_DIR": str(log.parent / "files")},
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while True:
        try:
            urllib.request.urlopen(url, timeout=5)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"zoo demo did not start:\n{log.read_text()}")
            time.sleep(1)
    yield url, port
    proc.terminate()
    proc.wait(30)


@pytest.fixture(scope="module")
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1300",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    d = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield d
    d.quit()


def shot(d, name: str, tmp_path: Path) -> None:
    folder = Path(SHOTS) if SHOTS else tmp_path
    d.save_screenshot(str(folder / name))


def wait_for_image(d, css: str, old: str | None = None) -> Image.Image:
    """The picture that appears in ``css`` (a new one, if ``old`` was shown before)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def shown(d):
        found = d.find_elements(By.CSS_SELECTOR, f"{css} img")
        src = found[0].get_attribute("src") if found else None
        return src if src and src != old else False

    src = WebDriverWait(d, 120).until(shown)
    with urllib.request.urlopen(src) as r:  # the file the page shows, from the server
        return Image.open(io.BytesIO(r.read())).convert("RGB")


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


@browser
def test_generate_and_walk_in_the_browser(server, driver, tmp_path):
    from selenium.webdriver.common.by import By

    url, _ = server
    driver.get(url)
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.ID, "dcgan-mnist-generate"))
    driver.find_element(By.ID, "dcgan-mnist-generate").click()
    shown = wait_for_image(driver, "#dcgan-mnist-samples")
    model = zoo.load("dcgan-mnist")
    assert np.abs(pixels(shown) - pixels(generate(model, seed=0, n=16))).max() <= 1
    driver.find_element(By.ID, "dcgan-mnist-walk").click()
    strip = wait_for_image(driver, "#dcgan-mnist-walk-image")
    assert np.abs(pixels(strip) - pixels(walk(model, 0, 1, 8))).max() <= 1
    shot(driver, "demo-generate.png", tmp_path)


@browser
def test_upload_and_translate_in_the_browser(server, driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from zoo.data.digits import corrupt_digits
    from zoo.data.sources import get_source

    url, _ = server
    driver.get(url)
    wait = WebDriverWait(driver, 60)
    tab = wait.until(
        lambda d: [
            b
            for b in d.find_elements(By.CSS_SELECTOR, "button[role=tab]")
            if b.text.strip() == "pix2pix-mnist-repair"
        ]
    )
    tab[0].click()
    images, _ = get_source("mnist", "images").load("test")
    broken = corrupt_digits(images[:1], seed=3)[0, 0]  # uint8, as the repair task trains
    path = tmp_path / "broken-digit.png"
    Image.fromarray(broken.numpy(), "L").save(path)
    wait.until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#pix2pix-mnist-repair-input input[type=file]")
    )[0].send_keys(str(path))
    wait_for_image(driver, "#pix2pix-mnist-repair-input")  # the upload has arrived
    driver.find_element(By.ID, "pix2pix-mnist-repair-run").click()
    shown = wait_for_image(driver, "#pix2pix-mnist-repair-result")
    want = apply(zoo.load("pix2pix-mnist-repair"), Image.open(path).convert("RGB"))
    assert np.abs(pixels(shown) - pixels(want)).max() <= 1
    shot(driver, "demo-repair.png", tmp_path)


@browser
def test_no_request_leaves_loopback(server, driver):
    """Every request the page made (scripts, styles, fonts, API calls) went to 127.0.0.1."""
    url, _ = server
    driver.get(url)
    time.sleep(3)
    hosts = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            parsed = urlparse(message["params"]["request"]["url"])
            if parsed.scheme in ("http", "https", "ws", "wss"):
                hosts.add(parsed.hostname)
    assert hosts == {"127.0.0.1"}, hosts


def test_port_in_use_is_a_clear_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run_zoo("demo", "dcgan-mnist", "--port", port, check=False, timeout=120)
    assert r.returncode == 2 and f"port {port} on 127.0.0.1 is in use" in r.stderr


def test_demo_pictures_without_a_browser():
    gen = zoo.load("cgan-mnist")
    grid = generate(gen, seed=5, n=10, label="7")
    assert grid.width >= 384 and grid == generate(gen, seed=5, n=10, label="7")
    assert grid != generate(gen, seed=5, n=10, label="3")
    seg = zoo.load("pix2pix-emoji-seg")
    photo = Image.new("RGBA", (50, 40), (0, 0, 0, 0))  # transparent: composited onto white
    assert as_channels(photo, 3).getpixel((0, 0)) == (255, 255, 255)
    assert as_channels(Image.new("RGB", (5, 5)), 1).mode == "L"
    overlay = apply(seg, photo)
    assert overlay.width % 50 == 0 and overlay.height * 50 == overlay.width * 40
    with pytest.raises(zoo.ConfigError, match="upload an image first"):
        apply(seg, None)
    with pytest.raises(zoo.ConfigError, match="the image is 5000x4000; the demo takes at most"):
        apply(seg, Image.new("RGB", (5000, 4000)))  # refused before any model call


def test_inpainting_pictures_without_a_browser():
    from zoo.demo import fill

    model = zoo.create("pix2pix-inpaint", ngf=4, ndf=4, image_size=32, generator="unet_32")
    photo = Image.new("RGB", (40, 30), (20, 120, 200))
    mask = Image.new("L", (40, 30), 0)
    mask.paste(255, (10, 5, 30, 20))
    shown = fill(model.eval(), photo, mask)
    assert shown.width % (2 * 40 + 2) == 0  # hole | filled, enlarged by a whole factor
    factor = shown.width // (2 * 40 + 2)
    assert shown.getpixel((15 * factor, 10 * factor)) == (255, 255, 255)  # the hole, white
    assert shown.getpixel((2 * factor, 2 * factor)) == (20, 120, 200)
    assert fill(model, photo, None, seed=3) == fill(model, photo, None, seed=3)
    assert fill(model, photo, None, seed=3) != fill(model, photo, None, seed=4)
    with pytest.raises(zoo.ConfigError, match="do not inpaint"):
        fill(zoo.load("dcgan-mnist"), photo, None)
    from zoo.demo import build

    page = build(["inpainter"], models={"inpainter": model})
    ids = {getattr(b, "elem_id", None) for b in page.blocks.values()}
    assert {"inpainter-input", "inpainter-mask", "inpainter-run"} <= ids
