"""pix2pix and CycleGAN on the common trainer: conformance, objectives, translate, CLI."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

import zoo
from zoo.data.translation import PairedData
from zoo.metrics.translation import psnr, ssim
from zoo.models._registry import get_architecture
from zoo.models.base import with_handover
from zoo.nn import ImagePool
from zoo.testing import check_architecture
from zoo.train import TrainConfig, Trainer

TINY = {
    "pix2pix": {
        "image_size": 32,
        "input_nc": 1,
        "output_nc": 1,
        "generator": "unet_32",
        "ngf": 4,
        "ndf": 4,
    },
    "cyclegan": {
        "image_size": 32,
        "input_nc": 1,
        "output_nc": 1,
        "generator": "resnet_6blocks",
        "ngf": 4,
        "ndf": 4,
        "pool_size": 4,
    },
}
I2I_CHECKS = [
    "class",
    "config_defaults",
    "config_roundtrip",
    "modules",
    "optimizers",
    "translate_shape_range_determinism",
    "fast_copy_attributes",
    "export_exported_program",
    "export_onnx",
    "train_step",
    "safetensors_roundtrip",
]


@pytest.mark.parametrize("arch", ["pix2pix", "cyclegan"])
@pytest.mark.parametrize(
    "variant",
    [
        {},
        pytest.param(
            {"input_nc": 3, "output_nc": 3, "image_size": 64},
            marks=pytest.mark.slow,  # the same checks on larger colour networks
        ),
    ],
)
def test_image_to_image_builtins_pass_the_conformance_kit(arch, variant):
    config = {**TINY[arch], **variant}
    assert check_architecture(get_architecture(arch), config) == I2I_CHECKS


def test_reference_generators_at_their_sizes():
    cfg = {"ngf": 2, "ndf": 2, "input_nc": 3, "output_nc": 3}
    for arch, gen, size in [
        ("pix2pix", "unet_256", 256),
        ("pix2pix", "unet_128", 128),
        ("cyclegan", "resnet_9blocks", 256),
        ("cyclegan", "resnet_6blocks", 128),
    ]:
        model = zoo.create(arch, generator=gen, image_size=size, **cfg).eval()
        out = model.translate(torch.rand(1, 3, size, size), fast=False)
        assert out.shape == (1, 3, size, size)


def _paired_batch(n=4, size=32, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return {
        "A": torch.rand(n, 1, size, size, generator=gen) * 2 - 1,
        "B": torch.rand(n, 1, size, size, generator=gen) * 2 - 1,
    }


def test_pix2pix_generator_loss_is_gan_plus_100_l1():
    torch.manual_seed(0)
    model = zoo.create("pix2pix", **TINY["pix2pix"]).eval()  # eval: no dropout noise
    batch = _paired_batch()
    out = model.generator_loss(batch)
    fake = model.generator(batch["A"])
    logits = model.discriminator(torch.cat([batch["A"], fake], 1))
    gan = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    l1 = (fake - batch["B"]).abs().mean()
    torch.testing.assert_close(out.loss, gan + 100 * l1)


def test_cyclegan_updates_generators_first_and_shows_d_those_fakes():
    torch.manual_seed(0)
    model = zoo.create("cyclegan", **{**TINY["cyclegan"], "pool_size": 0}).eval()
    batch = _paired_batch()
    assert model.update_order == ("generator", "discriminator")
    g_out = model.generator_loss(batch)
    assert {"g_gan", "cycle", "identity"} <= set(g_out.logs)
    assert torch.equal(g_out.handover["fake_B"], model.G_A(batch["A"]))  # eval: same fakes
    # the discriminator update scores the fakes it is handed (here: marked ones)
    fake_b = g_out.handover["fake_B"].flip(-1)
    g_out.handover = {"fake_A": g_out.handover["fake_A"], "fake_B": fake_b}
    d_out = model.discriminator_loss(with_handover(batch, g_out))  # as the trainer calls it
    lsgan = torch.nn.functional.mse_loss
    d_a = 0.5 * (
        lsgan(model.D_A(batch["B"]), torch.ones(1).expand_as(model.D_A(batch["B"])))
        + lsgan(model.D_A(fake_b), torch.zeros_like(model.D_A(fake_b)))
    )
    torch.testing.assert_close(d_out.logs["d_a"], d_a)


def test_image_pool_mixes_history_and_current_fakes():
    torch.manual_seed(0)
    pool = ImagePool(4, (1, 2, 2))
    first = torch.arange(4.0).view(4, 1, 1, 1).expand(4, 1, 2, 2)
    assert torch.equal(pool.query(first), first)  # filling: returned as given
    new = (10 + torch.arange(64.0)).view(64, 1, 1, 1).expand(64, 1, 2, 2)
    out = pool.query(new)
    swapped = out[:, 0, 0, 0] != new[:, 0, 0, 0]
    assert 16 < swapped.sum() < 48  # about half come from the pool ...
    assert (out[swapped, 0, 0, 0] < new[swapped, 0, 0, 0]).all()  # ... holding earlier fakes
    assert ImagePool(0, (1, 2, 2)).query(new) is new


def test_cyclegan_resume_is_exact_pool_included(tmp_path):
    gen = torch.Generator().manual_seed(0)
    a = torch.randint(0, 256, (16, 1, 32, 32), dtype=torch.uint8, generator=gen)
    data = PairedData(a, 255 - a, "test pairs", 32, flip=True)

    def run(out, steps, resume=False):
        torch.manual_seed(0)
        model = zoo.create("cyclegan", **TINY["cyclegan"])
        cfg = TrainConfig(
            steps=steps,
            batch_size=4,
            device="cpu",
            progress=False,
            checkpoint_every=2,
            sample_every=100,
        )
        trainer = Trainer(model, data, cfg, out)
        trainer.train(resume=resume)
        return model

    straight = run(tmp_path / "a", 4)
    run(tmp_path / "b", 2)
    resumed = run(tmp_path / "b", 4, resume=True)
    for key, value in straight.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key
    assert int(resumed.fake_B_pool.count) == 4  # the pool came back too


def test_translate_takes_tensors_and_pil_and_checks_channels_and_sizes():
    model = zoo.create("cyclegan", **TINY["cyclegan"]).eval()
    x = torch.rand(3, 1, 32, 32)
    out = model.translate(x)
    assert out.shape == (3, 1, 32, 32) and out.min() >= 0 and out.max() <= 1
    # (C, H, W) in, (C, H, W) out; kernels may block a batch of one differently from a batch
    # of several (AVX2), so the same image agrees to rounding, not bit for bit
    torch.testing.assert_close(model.translate(x[0]), out[0], atol=1e-4, rtol=0)
    img = Image.fromarray((x[0, 0].numpy() * 255).astype(np.uint8))
    pil = model.translate(img, direction="BtoA")
    assert isinstance(pil, Image.Image) and pil.size == (32, 32) and pil.mode == "L"
    assert len(model.translate([img, img])) == 2
    with pytest.raises(zoo.ConfigError, match="images have 3 channels but cyclegan AtoB expects 1"):
        model.translate(torch.rand(1, 3, 32, 32))
    # any size: padded (reflect) to the stride 4 and cropped back; the padding does not
    # leak into the kept pixels more than the network's reach from the bottom/right edges
    odd = torch.rand(2, 1, 30, 31)
    assert model.translate(odd).shape == (2, 1, 30, 31)
    inside = model.translate(torch.nn.functional.pad(odd, (0, 1, 0, 2), mode="reflect"))
    torch.testing.assert_close(model.translate(odd), inside[..., :30, :31], atol=1e-5, rtol=0)
    with pytest.raises(zoo.ConfigError, match="direction='sideways'"):
        model.translate(x, direction="sideways")
    with pytest.raises(ValueError, match="expects grayscale"):
        model.translate(img.convert("RGB"))
    p2p = zoo.create("pix2pix", **TINY["pix2pix"]).eval()
    with pytest.raises(zoo.ConfigError, match="translates AtoB"):
        p2p.translate(x, direction="BtoA")


def test_the_repair_model_takes_mnist_digits_at_their_own_size():
    """pix2pix-mnist-repair's U-Net needs multiples of 32; MNIST's 28x28 digits go in as
    they are (reflect-padded, cropped back) and come out at 28x28, repaired."""
    from zoo.data.digits import mnist_repair

    corrupted, clean, _ = mnist_repair("test")
    x = corrupted[:16, :, 2:30, 2:30].float() / 255  # the 28x28 digit inside the canvas
    out = zoo.load("pix2pix-mnist-repair").translate(x, fast=False)
    assert out.shape == (16, 1, 28, 28)
    target = clean[:16, :, 2:30, 2:30].float() / 255
    # measured: L1 0.077 against the corrupted input's 0.145 (on its 32x32 canvas, where it
    # was trained, 0.034 against 0.129: reflected borders are not the canvas's black ones)
    assert (out - target).abs().mean() < 0.6 * (x - target).abs().mean()


def test_fast_translation_stays_within_tolerance_of_fp32():
    from zoo.inference.fast import FAST_TOLERANCE

    torch.manual_seed(0)
    model = zoo.create("pix2pix", **{**TINY["pix2pix"], "ngf": 16}).eval()
    x = torch.rand(8, 1, 32, 32)
    assert (model.translate(x) - model.translate(x, fast=False)).abs().max() <= FAST_TOLERANCE


def test_ssim_and_psnr_match_scikit_image():
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    gen = torch.Generator().manual_seed(0)
    x = torch.rand(3, 1, 32, 32, generator=gen)
    y = (x + 0.1 * torch.randn(x.shape, generator=gen)).clamp(0, 1)
    ours_ssim, ours_psnr = ssim(x, y), psnr(x, y)
    for i in range(3):
        a, b = x[i, 0].double().numpy(), y[i, 0].double().numpy()
        ref = structural_similarity(
            a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0
        )
        assert abs(float(ours_ssim[i]) - ref) < 1e-6
        assert abs(float(ours_psnr[i]) - peak_signal_noise_ratio(a, b, data_range=1.0)) < 1e-6
    assert float(ssim(x, x).mean()) == pytest.approx(1.0)


def _digit_folder(root, n=8, size=32):
    from zoo.data.digits import mnist_repair

    corrupted, clean, _ = mnist_repair("test")
    for phase in ("train", "test"):
        for i in range(n):
            pair = torch.cat([corrupted[i, 0], clean[i, 0]], 1).numpy()
            path = root / phase / f"{i}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(pair).save(path)
    return root


def test_cli_trains_on_an_aligned_folder_then_evaluates_and_translates(tmp_path, zoo_cli):
    data = _digit_folder(tmp_path / "pairs")
    run = tmp_path / "run"
    sets = [f"--set={k}={v}" for k, v in TINY["pix2pix"].items()]
    zoo_cli(
        "train",
        "pix2pix",
        "--data",
        data,
        "--out",
        run,
        *sets,
        "--steps",
        "3",
        "--batch-size",
        "4",
        "--preprocess",
        "crop",
        "--no-progress",
    )
    assert (run / "samples" / "latest.png").is_file()
    assert json.loads((run / "run.json").read_text())["data_source"] == str(data)
    result = json.loads(zoo_cli("eval", run, "--json").stdout)  # the test/ split
    assert result["samples"] == 8 and {"psnr", "ssim", "l1", "input_psnr"} <= set(result["metrics"])
    # translate one file, then a folder with side-by-side comparisons
    one = tmp_path / "one.png"
    Image.open(data / "test" / "0.png").crop((0, 0, 32, 32)).save(one)
    zoo_cli("translate", run, one, "-o", tmp_path / "out.png")
    assert Image.open(tmp_path / "out.png").size == (32, 32)
    zoo_cli("translate", run, data / "test", "-o", tmp_path / "outs", "--compare")
    outs = sorted((tmp_path / "outs").glob("*.png"))
    assert len(outs) == 8 and Image.open(outs[0]).size == (64 + 2 + 64, 32)


def test_cli_translate_errors_name_the_problem(tmp_path, zoo_cli):
    rgb = tmp_path / "colour.png"
    Image.new("RGB", (32, 32), (255, 0, 0)).save(rgb)
    run = zoo.create("cyclegan", **TINY["cyclegan"]).save_pretrained(tmp_path / "m")
    result = zoo_cli("translate", run, rgb, "-o", tmp_path / "o.png", check=False)
    assert result.returncode == 2 and "colour.png is a colour (RGB) image" in result.stderr
    result = zoo_cli("translate", "dcgan-mnist", rgb, "-o", tmp_path / "o.png", check=False)
    assert result.returncode == 2 and "use `zoo sample`" in result.stderr
    result = zoo_cli(
        "translate", run, tmp_path / "missing.png", "-o", tmp_path / "o.png", check=False
    )
    assert result.returncode == 2 and "missing.png' does not exist" in result.stderr


def test_cli_image_jobs_never_write_over_their_inputs_and_read_16_bit(tmp_path, zoo_cli):
    """The loop of translate/upscale/segment: an output that is an input is refused before
    anything is written (a file, or a folder as its own output); 16-bit images are scaled
    to 8 bits, not clipped (a translation of a 16-bit digit equals that of its 8-bit copy)."""
    import numpy as np

    digit = (np.arange(28 * 28).reshape(28, 28) % 256).astype(np.uint8)
    eight = tmp_path / "in" / "digit.png"
    eight.parent.mkdir()
    Image.fromarray(digit, "L").save(eight)
    before = eight.read_bytes()
    for command in ("translate", "upscale", "segment"):
        result = zoo_cli(command, "pix2pix-mnist-repair", eight, "-o", eight, check=False)
        assert result.returncode == 2 and "over an input image" in result.stderr, command
    result = zoo_cli(
        "translate", "pix2pix-mnist-repair", eight.parent, "-o", eight.parent, check=False
    )
    assert result.returncode == 2 and "over an input image" in result.stderr
    assert eight.read_bytes() == before and sorted(eight.parent.iterdir()) == [eight]

    sixteen = tmp_path / "digit16.png"
    Image.fromarray(digit.astype(np.uint16) * 257).save(sixteen)  # 16-bit: 0..65535
    assert Image.open(sixteen).mode.startswith("I")
    zoo_cli("translate", "pix2pix-mnist-repair", eight, "-o", tmp_path / "a.png")
    zoo_cli("translate", "pix2pix-mnist-repair", sixteen, "-o", tmp_path / "b.png")
    a, b = (np.asarray(Image.open(tmp_path / n)) for n in ("a.png", "b.png"))
    assert np.array_equal(a, b)
    # an existing output is replaced only with --overwrite (-f)
    before = (tmp_path / "a.png").read_bytes()
    result = zoo_cli(
        "translate", "pix2pix-mnist-repair", sixteen, "-o", tmp_path / "a.png", check=False
    )
    assert result.returncode == 2 and "a.png exists; pass --overwrite (-f)" in result.stderr
    assert (tmp_path / "a.png").read_bytes() == before
    zoo_cli("translate", "pix2pix-mnist-repair", eight, "-o", tmp_path / "a.png", "-f")
    assert not list(tmp_path.rglob("*.tmp"))
    # a folder with one unreadable image among good ones writes nothing
    (eight.parent / "zz-broken.png").write_bytes(b"not a png")
    out = tmp_path / "outs"
    result = zoo_cli("translate", "pix2pix-mnist-repair", eight.parent, "-o", out, check=False)
    assert result.returncode == 2 and "zz-broken.png" in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".outs.partial-*"))


def test_a_translator_card_shows_held_out_translations_of_its_data(tmp_path):
    model = zoo.create("pix2pix", **TINY["pix2pix"])
    folder = model.save_pretrained(tmp_path / "m", dataset="mnist-repair")
    picture = Image.open(folder / "translated.png")
    assert picture.size == (6 * 34 + 2, 4 * 34 + 2)  # rows of 3 pictures, two examples a row
    assert "![image-to-image](translated.png)" in (folder / "README.md").read_text()
    bare = model.save_pretrained(tmp_path / "bare")  # no data known: no picture, no link
    assert not list(bare.glob("*.png")) and ".png" not in (bare / "README.md").read_text()


def test_cyclegan_translates_images_smaller_than_its_bottleneck():
    """The probe: a 1x1 image through cyclegan-twemoji2noto was a traceback (instance norm
    of a 1x1 map); images below the ResNet generator's 8 pixels are padded up to it."""
    model = zoo.create("cyclegan", **TINY["cyclegan"]).eval()
    for h, w in [(1, 1), (2, 3), (7, 9), (1, 12)]:
        for fast in (True, False):
            out = model.translate(torch.rand(2, 1, h, w), fast=fast)
            assert out.shape == (2, 1, h, w) and out.isfinite().all()
