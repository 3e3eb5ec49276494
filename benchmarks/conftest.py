"""Options of the throughput suite: ``--smoke`` runs every benchmark once (CI) on small
configs, ``--device`` picks the device (default: CUDA when present), ``--batch`` the batch."""

import pytest
import torch


def pytest_addoption(parser):
    parser.addoption(
        "--smoke", action="store_true", help="run every benchmark once, small (no timing value)"
    )
    parser.addoption("--device", default="auto", help="auto, cpu or cuda")
    parser.addoption(
        "--batch",
        type=int,
        default=None,
        help="batch size (default 64 for unconditional models, 1 for image-to-image ones)",
    )


@pytest.fixture(scope="session")
def smoke(request) -> bool:
    return request.config.getoption("--smoke")


@pytest.fixture(scope="session")
def device(request) -> torch.device:
    name = request.config.getoption("--device")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        torch.backends.cudnn.benchmark = True
    return torch.device(name)


@pytest.fixture(scope="session")
def batch_option(request) -> int | None:
    return request.config.getoption("--batch")


@pytest.fixture(scope="session")
def peaks(device) -> dict[str, float]:
    from zoo.inference.bench import matmul_peaks

    return matmul_peaks(device)


@pytest.fixture(scope="session", autouse=True)
def flushed_denormals():
    """Every benchmark (baseline included) with denormals flushed, as `zoo bench` runs them
    (zoo.inference.bench.flushed_denormals says why)."""
    from zoo.inference.bench import flushed_denormals

    with flushed_denormals():
        yield
