"""Colour emoji data: Twemoji and Noto Color Emoji on a background, by Unicode category, and
the two artists' sets matched by code point."""

import numpy as np
import pytest
import torch
from PIL import Image

from zoo.data import emoji, noto
from zoo.data.images import load_data
from zoo.data.sources import get_source
from zoo.data.translation import Preprocess, load_translation_data
from zoo.errors import DataError

from .conftest import needs_noto


def test_alpha_composites_onto_the_background_colour():
    rgba = Image.new("RGBA", (4, 2), (0, 0, 0, 0))
    rgba.putpixel((1, 0), (200, 100, 0, 255))  # opaque
    rgba.putpixel((2, 0), (200, 100, 0, 128))  # half transparent
    out = emoji.on_background(rgba, size=4, background=(0, 0, 255))
    assert out.mode == "RGB" and out.size == (4, 4)
    canvas = Image.new("RGB", (4, 4), (0, 0, 255))
    canvas.paste(rgba, (0, 1), rgba)  # centred vertically on the square
    assert (np.asarray(out) == np.asarray(canvas)).all()
    assert out.getpixel((0, 0)) == (0, 0, 255)  # transparent: the background
    assert out.getpixel((1, 1)) == (200, 100, 0)  # opaque: the emoji
    r, g, b = out.getpixel((2, 1))
    assert 95 < r < 105 and 45 < g < 55 and 122 < b < 132  # blended by alpha 128/255


def test_background_colours_are_parsed_or_refused():
    assert emoji.parse_colour("white") == (255, 255, 255)
    assert emoji.parse_colour("#102030") == (16, 32, 48)
    with pytest.raises(DataError, match="'bluish' is not a colour"):
        emoji.parse_colour("bluish")
    with pytest.raises(DataError, match="three values 0-255"):
        emoji.parse_colour((0, 300, 0))


def test_twemoji_on_white_and_black_with_their_categories():
    images, labels = emoji.twemoji_images("all")
    assert images.shape == (4009, 3, 64, 64) and images.dtype == torch.uint8
    counts = torch.bincount(labels, minlength=len(emoji.CATEGORIES))
    assert (counts > 50).all()  # every category is there
    on_black, _ = emoji.twemoji_images("all", background="black")
    transparent_corner = (images[:, :, 0, 0] == 255).all(1) & (on_black[:, :, 0, 0] == 0).all(1)
    assert transparent_corner.float().mean() > 0.5  # the alpha is used, not dropped
    drawn = images.float().mean((1, 2, 3)) < 250  # emoji pixels are the same on both
    inside = (images == on_black).all(1)[drawn].float().mean()
    assert 0.2 < inside < 0.9
    train, test = emoji.twemoji_images("train")[0], emoji.twemoji_images("test")[0]
    assert len(train) + len(test) == 4009 and len(test) == 4009 // 5


@pytest.mark.parametrize(
    "stem, name",
    [
        ("1f600", "Smileys & Emotion"),  # grinning face
        ("1f1fa-1f1f8", "Flags"),  # United States
        ("1f415", "Animals & Nature"),  # dog
        ("1f468-1f3fb-200d-1f384", "People & Body"),  # by its first code point
        ("1f1e6", "Symbols"),  # a regional-indicator letter
        ("2764-fe0f", "Smileys & Emotion"),  # red heart, variation selector dropped
    ],
)
def test_categories_follow_unicode(stem, name):
    assert emoji.CATEGORIES[emoji.category(emoji.code_points(stem))] == name


@needs_noto
def test_noto_splits_follow_twemoji_and_cover_every_bitmap_once():
    keys = set(noto.noto_keys("all"))
    train, test = set(noto.noto_keys("train")), set(noto.noto_keys("test"))
    assert train | test == keys and not train & test
    assert len(keys) == len(set(map(noto.noto_bitmaps().get, keys))) > 3900
    twemoji_test = {emoji.code_points(f.stem) for f in emoji.twemoji_files("test")}
    twemoji_train = {emoji.code_points(f.stem) for f in emoji.twemoji_files("train")}
    assert keys & twemoji_test <= test and not keys & twemoji_train & test
    images, labels = noto.noto_images("test")
    assert images.shape == (len(test), 3, 64, 64) and len(labels) == len(test)


def _mean_l1(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.float() - b.float()).abs().mean())


@needs_noto
def test_twemoji2noto_aligns_the_test_pairs_and_shuffles_the_training_ones():
    (a, la), (b, lb) = noto.twemoji_and_noto("test")
    assert a.shape == b.shape and len(a) > 700 and torch.equal(la, lb)
    other = torch.roll(torch.arange(len(b)), 1)
    assert _mean_l1(a, b) < 0.8 * _mean_l1(a, b[other])  # the same emoji, two artists
    (ta, tla), (tb, tlb) = noto.twemoji_and_noto("train")
    assert len(ta) == len(tb) > 3000 and not torch.equal(tla, tlb)
    assert _mean_l1(ta, tb) > 0.9 * _mean_l1(ta, tb[torch.roll(torch.arange(len(tb)), 1)])


@needs_noto
def test_emoji_sources_load_for_generators_and_cyclegan():
    data = load_data("emoji:test", 64, 3, progress=False)
    assert len(data) == 4009 // 5 and data.classes == emoji.CATEGORIES
    assert get_source("noto-emoji").license == noto.LICENSE
    unpaired = load_translation_data("twemoji2noto", False, (3, 3), Preprocess(64), "test")
    batch = unpaired.batch(torch.arange(4))
    assert batch["A"].shape == batch["B"].shape == (4, 3, 64, 64)
    assert unpaired.aligned  # the test split pairs each emoji with its other drawing
    training = load_translation_data("twemoji2noto", False, (3, 3), Preprocess(64), "train")
    assert not training.aligned


class _Translator:
    """Translates by a rule: identity, or (cheating) the true counterpart of each image."""

    def __init__(self, a: torch.Tensor, b: torch.Tensor, cheat: bool):
        self.a, self.b, self.cheat = a, b, cheat

    def translate(self, x: torch.Tensor, direction: str, fast: bool = True) -> torch.Tensor:
        if not self.cheat:
            return x.clone()
        source, target = (self.a, self.b) if direction == "AtoB" else (self.b, self.a)
        index = [int((source - image).abs().flatten(1).sum(1).argmin()) for image in x]
        return target[index]


@needs_noto
@pytest.mark.slow  # a full evaluation of a shipped model
def test_cyclegan_on_twemoji2noto_is_measured_against_the_true_counterpart():
    from zoo.metrics.translation import evaluate_unpaired

    data = load_translation_data("twemoji2noto", False, (3, 3), Preprocess(64), "test")
    keep = torch.arange(0, len(data.a), 8)
    data.a, data.b = data.a[keep], data.b[keep]
    data.labels_a, data.labels_b = data.labels_a[keep], data.labels_b[keep]
    a, b = data.a.float() / 255, data.b.float() / 255
    identity = evaluate_unpaired(_Translator(a, b, False), data, False, ("emoji", "emoji"))
    m = identity["metrics"]
    l1 = round(float((a - b).abs().mean()), 5)
    assert m["l1_ab"] == m["untranslated_l1_ab"] == m["l1_ba"] == l1 > 0.05
    assert m["ssim_ab"] == m["untranslated_ssim_ab"] < 0.9
    assert m["fid_ab"] == m["untranslated_fid_ab"]
    truth = evaluate_unpaired(_Translator(a, b, True), data, False, ("emoji", "emoji"))["metrics"]
    assert truth["l1_ab"] == truth["l1_ba"] == 0 and truth["ssim_ab"] == truth["ssim_ba"] == 1
    assert truth["untranslated_l1_ab"] == l1 and truth["fid_ab"] < m["fid_ab"]


def test_a_missing_noto_font_names_the_debian_package(monkeypatch, tmp_path):
    monkeypatch.setattr(noto, "FONT_PATHS", (tmp_path / "NotoColorEmoji.ttf",))
    with pytest.raises(DataError, match="apt-get install fonts-noto-color-emoji"):
        noto.noto_font_path()


def test_eval_names_the_classes_of_the_histogram():
    from zoo.cli.eval import _class_names

    assert _class_names({"data": "emoji:test", "class_histogram": [0] * 9}) == list(
        emoji.CATEGORIES
    )
    assert _class_names({"data": "mnist", "class_histogram": [0] * 10})[3] == "3"
    assert _class_names({"data": "/some/folder", "class_histogram": [0] * 4}) == [
        "0",
        "1",
        "2",
        "3",
    ]
