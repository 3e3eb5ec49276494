"""The default inference path is fast and stays within the stated tolerance of fp32."""

import argparse
import copy

import pytest
import torch

import zoo
from zoo.inference.fast import (
    FAST_TOLERANCE,
    PackedConv,
    bf16_is_fast,
    fast_copy,
    fold_batch_norms,
    mkldnn_packing_available,
    pack_conv_weights,
    use_fast_transposed_convs,
    use_group_norms,
    within_fast_tolerance,
)
from zoo.models._catalog import load_catalog
from zoo.models._registry import get_architecture

from .conftest import large_models_slow


def _models(task):
    return [
        n
        for n, e in load_catalog().items()
        if e.weights.bundled and get_architecture(e.architecture).task.name == task
    ]


@pytest.mark.parametrize("name", _models("unconditional"))
def test_fast_samples_match_fp32_within_tolerance(name):
    model = zoo.load(name)
    exact = model.sample(256, seed=0, fast=False)
    fast = model.sample(256, seed=0)
    assert within_fast_tolerance(fast, exact)
    assert torch.equal(fast, model.sample(256, seed=0))  # still deterministic


@pytest.mark.parametrize("name", _models("inpainting"))
def test_fast_fills_match_fp32_within_tolerance(name):
    from zoo.data.inpainting import free_form_mask

    model = zoo.load(name)
    images = torch.rand(
        4, model.config.channels, 96, 80, generator=torch.Generator().manual_seed(0)
    )
    holes = torch.stack([free_form_mask(96, 80, seed) for seed in range(4)])
    exact = model.inpaint(images, holes, fast=False)
    fast = model.inpaint(images, holes)
    assert within_fast_tolerance(fast, exact)
    assert torch.equal(fast, model.inpaint(images, holes))  # still deterministic


@pytest.mark.parametrize("name", large_models_slow(_models("image-to-image")))
def test_fast_translations_match_fp32_within_tolerance(name):
    from zoo.data.translation import Preprocess, load_translation_data

    model = zoo.load(name)
    c = model.config
    paired = "BtoA" not in model.directions
    prep = Preprocess(c.image_size, "none", flip=False)
    data = load_translation_data(
        load_catalog()[name].eval["data"], paired, (c.input_nc, c.output_nc), prep, "test"
    )
    inputs = {"AtoB": data.a, "BtoA": data.b}
    for direction in model.directions:
        x = inputs[direction].float() / 255  # the model's own held-out inputs
        exact, fast = model.translate(x, direction, fast=False), model.translate(x, direction)
        assert within_fast_tolerance(fast, exact)
        assert torch.equal(fast, model.translate(x, direction))


@pytest.mark.parametrize("name", _models("super-resolution"))
def test_fast_upscaling_matches_fp32_within_tolerance(name):
    from zoo.data.super_resolution import load_sr_data

    model = zoo.load(name)
    data = load_sr_data("photos", 64, model.scale, "test")
    x = data.lr[0][None].float() / 255  # a held-out photograph, whole
    exact, fast = model.upscale(x, fast=False), model.upscale(x)
    assert within_fast_tolerance(fast, exact)
    assert torch.equal(fast, model.upscale(x))


@pytest.mark.parametrize("name", _models("segmentation"))
def test_fast_segmentation_matches_fp32_within_tolerance(name):
    from zoo.data.segmentation import EmojiScenes

    model = zoo.load(name)
    x = EmojiScenes(model.config.image_size, "test").examples(64)["A"] * 0.5 + 0.5
    exact = model.segment(x, probabilities=True, fast=False)
    fast = model.segment(x, probabilities=True)
    difference = (exact - fast).abs()
    assert difference.max() <= FAST_TOLERANCE  # measured: 0.055 at most, 0.0008 on average
    assert difference.mean() <= FAST_TOLERANCE / 20
    # the masks: the same class for all but a few pixels on the fence
    agree = (model.segment(x, fast=False) == model.segment(x)).double().mean()
    assert agree >= 0.995


def test_exact_path_is_plain_fp32():
    model = zoo.load("dcgan-mnist")
    z = model.latent(8, torch.Generator().manual_seed(0))
    with torch.no_grad():
        reference = (model.generator(z) * 0.5 + 0.5).clamp(0, 1)
    assert torch.equal(model.sample(8, seed=0, fast=False), reference)


def test_fast_copy_follows_the_network_and_device():
    cpu = torch.device("cpu")
    mlp = zoo.create("vanilla").generator
    conv = zoo.create("dcgan").generator
    if not bf16_is_fast(cpu):  # AVX2-only: the same rewrites, in fp32
        fast_conv = fast_copy(conv.eval(), cpu)
        assert all(p.dtype == torch.float32 for p in fast_conv.parameters())
        assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fast_conv.modules())
        assert fast_copy(mlp, cpu) is mlp  # nothing to rewrite in an MLP without bf16
        return
    fast_mlp, fast_conv = fast_copy(mlp, cpu), fast_copy(conv, cpu)
    assert all(p.dtype == torch.bfloat16 for p in fast_conv.parameters())
    weight = fast_conv[1].weight
    assert weight.is_contiguous(memory_format=torch.channels_last)
    assert all(p.dtype == torch.bfloat16 for p in fast_mlp.parameters())
    assert all(p.dtype == torch.float32 for p in conv.parameters())  # the model is untouched


def test_the_fast_copy_follows_new_weights():
    model = zoo.load("dcgan-mnist")
    before = model.sample(4, seed=0)
    with torch.no_grad():
        model.generator[1].weight.mul_(0.5)
    after = model.sample(4, seed=0)
    assert not torch.equal(before, after)
    assert (after - model.sample(4, seed=0, fast=False)).abs().max() <= FAST_TOLERANCE
    assert "_fast_cache" not in dict(model.named_modules())
    assert not any("fast" in k for k in model.state_dict())


@pytest.mark.parametrize(
    ("architecture", "config", "module", "expected"),
    [
        ("dcgan", {}, "generator", 4),  # every ConvTranspose2d + BatchNorm2d pair
        ("pix2pix", {"generator": "unet_64", "ngf": 4, "image_size": 64}, "generator", 9),
        ("cyclegan", {"generator": "resnet_6blocks", "ngf": 4, "image_size": 64}, "G_A", 0),
    ],
)
def test_folding_batch_norms_keeps_the_function(architecture, config, module, expected):
    torch.manual_seed(0)
    net = getattr(zoo.create(architecture, **config), module)
    for m in net.modules():  # running statistics unlike the fresh 0/1, so folding matters
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    net.eval()
    x = torch.randn(3, 100) if architecture == "dcgan" else torch.rand(3, 3, 64, 64) * 2 - 1
    folded = copy.deepcopy(net)
    assert fold_batch_norms(folded) == expected
    remaining = [m for m in folded.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert (
        len(remaining) == sum(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules()) - expected
    )
    with torch.no_grad():
        torch.testing.assert_close(folded(x), net(x), atol=1e-5, rtol=1e-4)


def test_batch_norms_in_training_mode_are_not_folded():
    net = zoo.create("dcgan").generator.train()
    assert fold_batch_norms(net) == 0  # batch statistics: nothing to fold
    fast = fast_copy(net, torch.device("cpu"))
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in fast.modules()) == 4


@pytest.mark.parametrize(
    ("conv", "size", "path"),
    [
        (torch.nn.ConvTranspose2d(100, 32, 4, 1, 0, bias=False), 1, "dense"),  # DCGAN's first
        (torch.nn.ConvTranspose2d(20, 8, 4, 1, 0), 1, "dense"),
        (torch.nn.ConvTranspose2d(16, 3, 4, 2, 1, bias=False), 8, "subpixel"),  # RGB output
        (torch.nn.ConvTranspose2d(16, 1, 4, 2, 1), 7, "subpixel"),
        (torch.nn.ConvTranspose2d(16, 32, 4, 2, 1), 8, "conv"),  # too many outputs
        (torch.nn.ConvTranspose2d(16, 3, 4, 1, 0), 5, "conv"),  # not 1x1
        (torch.nn.ConvTranspose2d(16, 3, 4, 2, 1), 1, "subpixel"),  # 1x1 but padded
    ],
)
def test_fast_transposed_convolution_equals_the_convolution(conv, size, path):
    torch.manual_seed(0)
    conv = conv.eval()
    x = torch.randn(3, conv.in_channels, size, size)
    fast = torch.nn.Sequential(copy.deepcopy(conv))
    assert use_fast_transposed_convs(fast) == 1
    assert (fast[0].subpixel is not None) == (path == "subpixel")
    assert (fast[0].dense is not None) == (conv.padding == (0, 0))  # 1x1 form: unpadded only
    if path == "conv" and fast[0].dense is not None:  # the module itself runs: break the
        fast[0].dense.fill_(float("nan"))  # matrix-product form to prove it
    with torch.no_grad():
        torch.testing.assert_close(fast(x), conv(x), atol=1e-5, rtol=1e-4)


def test_transposed_convolutions_the_fast_path_cannot_compute_stay():
    net = torch.nn.Sequential(
        torch.nn.ConvTranspose2d(8, 8, 3, 2, 1, output_padding=1),  # the ResNet generator's
        torch.nn.ConvTranspose2d(8, 8, 4, 2, 1, groups=2),
        torch.nn.ConvTranspose2d(8, 3, 4, 2, 1),  # training mode
    )
    net[0].eval(), net[1].eval()
    assert use_fast_transposed_convs(net) == 0


@pytest.mark.parametrize(
    ("batch", "side"),
    [(2, 9), (1, 9), (1, 33), (2, 33)],  # channels_last: 81 pixels by batch norm, 1,089 not
)
def test_instance_norms_become_equal_group_norms(batch, side):
    torch.manual_seed(0)
    plain = torch.nn.InstanceNorm2d(6)  # CycleGAN's: no affine, no running statistics
    affine = torch.nn.InstanceNorm2d(6, affine=True)
    with torch.no_grad():
        affine.weight.uniform_(0.5, 2), affine.bias.uniform_(-1, 1)
    tracked = torch.nn.InstanceNorm2d(6, track_running_stats=True).eval()
    tracked.running_mean.fill_(3.0)  # normalises by these: not a group norm
    net = torch.nn.Sequential(plain, affine, tracked)
    fast = copy.deepcopy(net)
    assert use_group_norms(fast) == 2
    assert [type(m).__name__ for m in fast] == [
        "InstanceNormAsGroupNorm",
        "InstanceNormAsGroupNorm",
        "InstanceNorm2d",
    ]
    assert isinstance(fast[0], torch.nn.GroupNorm) and fast[0].num_groups == 6
    x = torch.randn(batch, 6, side, side) * 3 + 1
    with torch.no_grad():
        torch.testing.assert_close(fast(x), net(x), atol=1e-5, rtol=1e-4)
        cl = x.contiguous(memory_format=torch.channels_last)
        out = fast[:2](cl)
        torch.testing.assert_close(out, net[:2](x), atol=1e-5, rtol=1e-4)
        assert out.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize(
    ("batch", "channels", "side", "channels_last", "kernel"),
    [
        (1, 8, 9, True, "batch_norm"),
        (3, 8, 9, True, "instance_norm"),  # several small samples
        (3, 256, 9, True, "batch_norm"),  # many channels
        (3, 16, 31, True, "batch_norm"),  # many values (15,376): 961 pixels, still small
        (3, 8, 32, True, "group_norm"),  # 1,024 pixels
        (3, 8, 9, False, "group_norm"),
    ],
)
def test_small_channels_last_maps_avoid_the_slow_group_norm_kernel(
    monkeypatch, batch, channels, side, channels_last, kernel
):
    """PyTorch's channels_last group norm kernel is 5x-30x slower under 32x32 pixels with one
    channel per group (CHANGELOG.md): there the fast path's norm takes batch norm or
    instance_norm, whichever was faster for the shape, and stays equal and channels_last."""
    functional, calls = torch.nn.functional, []
    for name in ("batch_norm", "instance_norm", "group_norm"):
        original = getattr(functional, name)
        monkeypatch.setattr(
            functional, name, lambda *a, _f=original, _n=name, **k: calls.append(_n) or _f(*a, **k)
        )
    torch.manual_seed(0)
    net = torch.nn.InstanceNorm2d(channels, affine=True)
    with torch.no_grad():
        net.weight.uniform_(0.5, 2), net.bias.uniform_(-1, 1)
    fast = torch.nn.Sequential(copy.deepcopy(net))
    use_group_norms(fast)
    x = torch.randn(batch, channels, side, side) * 3 + 1
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    with torch.no_grad():
        expected = net(x)
        calls.clear()
        out = fast(x.contiguous(memory_format=memory_format))
    assert set(calls) == {kernel}
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-4)
    assert out.is_contiguous(memory_format=memory_format)


@pytest.mark.skipif(not mkldnn_packing_available(), reason="torch built without oneDNN")
@pytest.mark.parametrize(
    "conv",
    [
        torch.nn.Conv2d(8, 16, 4, 2, 1),  # pix2pix's downsampling
        torch.nn.Conv2d(8, 8, 3, 1, 0, bias=False),  # after a ReflectionPad2d
        torch.nn.Conv2d(8, 16, 3, 1, 1, groups=2),
        torch.nn.ConvTranspose2d(16, 8, 4, 2, 1),  # the U-Net's upsampling
        torch.nn.ConvTranspose2d(16, 8, 3, 2, 1, output_padding=1),  # the ResNet's
    ],
)
@pytest.mark.parametrize(
    "dtype",
    [
        torch.float32,
        pytest.param(
            torch.bfloat16,
            marks=pytest.mark.skipif(
                not bf16_is_fast(torch.device("cpu")),
                reason="no native bf16 on this CPU: oneDNN's bf16 convolutions need AVX512BW "
                "(AVX512-BF16 to be fast) or AVX-NE-CONVERT, and the fast path stays fp32 here",
            ),
        ),
    ],
)
def test_packed_convolutions_equal_the_convolution(conv, dtype):
    torch.manual_seed(0)
    conv = conv.eval().to(dtype)
    packed = torch.nn.Sequential(copy.deepcopy(conv))
    assert pack_conv_weights(packed) == 1
    tolerance = (
        {"atol": 1e-5, "rtol": 1e-4} if dtype == torch.float32 else {"atol": 2e-2, "rtol": 2e-2}
    )
    for size in (9, 16, 9):  # a second shape packs again; the first is reused
        x = torch.randn(2, conv.in_channels, size, size, dtype=dtype)
        with torch.inference_mode():
            torch.testing.assert_close(packed(x), conv(x), **tolerance)
            cl = x.contiguous(memory_format=torch.channels_last)
            torch.testing.assert_close(packed(cl), conv(x), **tolerance)
    assert len(packed[0]._packed) == 2
    x.requires_grad_(True)  # with autograd: the convolution itself, differentiable
    packed(x).sum().backward()
    assert x.grad is not None


@pytest.mark.skipif(not mkldnn_packing_available(), reason="torch built without oneDNN")
def test_the_fast_copy_packs_every_convolution_on_the_cpu():
    net = zoo.create("pix2pix", generator="unet_64", ngf=4, image_size=64).generator.eval()
    fast = fast_copy(net, torch.device("cpu"))
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.ConvTranspose2d)]
    packed = [m for m in fast.modules() if isinstance(m, PackedConv)]
    assert len(packed) == len(convs) + 2  # + the two sub-pixel convolutions of 4-channel outputs


@pytest.mark.parametrize(
    "name",
    [
        "dcgan-mnist",
        "cgan-mnist",
        "pix2pix-mnist-repair",
        "srgan-photos-x4",
        "pix2pix-emoji-seg",
        "pix2pix-inpaint-photos",
    ],
)
def test_latency_calls_are_the_public_inference_of_each_task(name):
    """What `zoo bench --latency` times: the model's own inference call, at the batch asked."""
    from zoo.inference.latency import public_call

    model = zoo.load(name)
    for n in (1, 3):
        out = public_call(model, n)()
        assert len(out) == n
        if model.task.inference_method == "upscale":
            _, x = model.task.benchmark_input(model, n, model.device)
            assert out.shape[-1] == x.shape[-1] * model.config.scale


def test_zoo_bench_latency_reports_batch_one_beside_throughput(tmp_path):
    import json

    from .conftest import zoo_main

    out = tmp_path / "latency.json"
    r = zoo_main("bench", "--latency", "dcgan-mnist", "--quick", "--json", out)
    assert "BATCH 1 P50 MS" in r.stdout
    (row,) = json.loads(out.read_text())["latency"]
    assert row["name"] == "dcgan-mnist" and row["throughput_batch"] == 64
    assert row["p95_ms"] >= row["p50_ms"] > 0 and row["first_call_ms"] > 0
    assert row["ratio"] == pytest.approx(row["p50_ms"] / row["per_image_ms"])


def test_benchmarks_flush_denormals_and_restore_the_default():
    """Every benchmark row runs with denormals flushed (random networks underflow into them);
    the user's setting is torch's default again afterwards."""
    from zoo.inference.bench import flushed_denormals

    tiny = torch.tensor([1e-39])  # a denormal float32
    if not torch.set_flush_denormal(False):
        pytest.skip("this CPU cannot flush denormals (no SSE3)")
    with flushed_denormals():
        assert (tiny * 0.5).item() == 0.0
    assert (tiny * 0.5).item() != 0.0


def test_peak_memory_counts_what_the_work_holds_and_not_what_was_there():
    from zoo.inference.memory import peak_memory

    cpu = torch.device("cpu")
    held = torch.ones(64 * 2**20 // 4)  # 64 MiB in use before: not counted
    result, none = peak_memory(lambda: 1 + 1, cpu)
    if none is None:
        pytest.skip("no VmHWM / clear_refs on this platform")
    assert result == 2 and none < 16

    def allocate():
        big = torch.ones(256 * 2**20 // 4)  # 256 MiB, freed before returning
        return float(big[0])

    _, used = peak_memory(allocate, cpu)
    assert 240 < used < 400, used
    del held


@pytest.mark.slow  # torch.compile
def test_compiled_fast_path_takes_one_batch_size_after_another():
    """fast="compile" compiles per input shape: after batch 1, another batch used to make a
    dynamic recompile that failed inside inductor (pix2pix's fused leaky-ReLU lowering), as
    when `zoo translate --compile` ends a folder on a smaller chunk."""
    model = zoo.load("pix2pix-mnist-repair")
    for n in (1, 3):
        x = torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(n))
        got = model.translate(x, fast="compile")
        assert (got - model.translate(x, fast=False)).abs().max().item() <= FAST_TOLERANCE


def test_peak_memory_still_counts_after_bigger_work_was_freed():
    """Memory freed in the middle of the heap stays resident and would hide the next
    allocation (a benchmark row after a bigger one read 0 MiB): it is handed back first, so
    the second measurement sees its own 128 MiB."""
    from zoo.inference.memory import peak_memory

    cpu = torch.device("cpu")
    pins = []

    def allocate(mib):
        chunks = [torch.ones(2**14) for _ in range(16 * mib)]  # 64 KiB pieces: on the heap
        pins.append(torch.ones(2**14))  # kept: the freed pieces lie below it, not at the top
        return len(chunks)

    _, first = peak_memory(lambda: allocate(512), cpu)
    if first is None:
        pytest.skip("no VmHWM / clear_refs on this platform")
    _, second = peak_memory(lambda: allocate(128), cpu)
    assert 110 < second < 250, (first, second)


def test_bench_times_only_what_the_device_runs_natively(monkeypatch):
    """Where bf16 would be emulated (AVX2-only CPUs) the fast variants run fp32 in the
    model's memory format, as sample() does, and the bf16 rows are not timed."""
    from zoo.inference import bench

    cpu = torch.device("cpu")
    monkeypatch.setattr(bench, "bf16_is_fast", lambda device: False)
    assert bench.settings("fast", cpu) == ("fp32", False, False)
    assert bench.settings("fast_compile", cpu) == ("fp32", False, True)
    assert bench.settings("fast_graphs", cpu) == ("fp32", False, True)
    assert bench.settings("bf16_channels_last", cpu) == ("bf16", True, False)
    variants = ["eager", "bf16", "bf16_channels_last", "fast", "fast_compile", "fast_graphs"]
    assert bench.emulated(variants, cpu) == ["bf16", "bf16_channels_last"]
    monkeypatch.setattr(bench, "bf16_is_fast", lambda device: True)
    assert bench.settings("fast", cpu) == ("bf16", True, False)
    assert bench.emulated(variants, cpu) == []


def test_training_in_emulated_bf16_warns(monkeypatch, tmp_path):
    from zoo.train import trainer

    from .test_trainer import make_trainer

    monkeypatch.setattr(trainer, "bf16_is_fast", lambda device: False)
    with pytest.warns(UserWarning, match="bf16 is emulated on this cpu"):
        make_trainer("dcgan", tmp_path / "run", precision="bf16")


def test_bench_repeats_and_min_time_reach_the_timer(monkeypatch):
    """`zoo bench --repeats N --min-time S` (short timings for a GPU's steady clocks) are the
    rounds and round length of the interleaved timer, not ignored."""
    from zoo.cli import bench as cli
    from zoo.inference import bench

    seen = {}

    def fake_run(archs, device, batches, variants, kinds, configs, **timing):
        seen.update(timing)
        return []

    monkeypatch.setattr(bench, "run", fake_run)
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(["bench", "dcgan", "--repeats", "3", "--min-time", "0.2"])
    assert args.func(args) == 0
    assert seen == {"repeats": 3, "min_time": 0.2}
    args = parser.parse_args(["bench", "dcgan", "--quick", "--repeats", "3"])
    args.func(args)
    assert seen == {"warmup": 1, "repeats": 1, "min_time": 0.0}  # --quick wins
