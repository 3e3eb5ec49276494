"""`zoo train`: train an architecture on a data set into a run folder.

The training flags are generated from :class:`zoo.train.TrainConfig`'s fields (each default,
help text and rule is declared once, there); the data flags come from the tasks
(:meth:`zoo.tasks.Task.add_data_arguments`).
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import typing

from zoo.cli._util import assignment, device_name, non_negative_int, positive_int, writable_path

#: the one-line help `zoo --help` shows without building the options (which import torch)
HELP = "train an architecture on a data set"


def add_parser(sub: argparse._SubParsersAction) -> None:
    from zoo.tasks import builtin_tasks

    tasks = builtin_tasks()
    p = sub.add_parser(
        "train",
        help=HELP,
        description="Train ARCH into the run folder --out. Architecture config values go in "
        "--set KEY=VALUE (see `zoo info ARCH`). The folder gets run.json, "
        "checkpoint.safetensors, model.safetensors, log.jsonl and samples/*.png; --resume "
        "continues an interrupted run exactly.",
    )
    p.add_argument("architecture", help="architecture name (zoo list --architectures)")
    p.add_argument(
        "--data",
        required=True,
        help="; ".join(task.data_help for task in tasks.values()),
    )
    p.add_argument("--out", required=True, type=writable_path, help="run folder")
    p.add_argument(
        "--set",
        action="append",
        type=assignment,
        metavar="KEY=VALUE",
        help="architecture config value, repeatable (e.g. --set image_size=28)",
    )
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument(
        "--init-from",
        metavar="MODEL",
        help="start from the inference weights of MODEL (a run folder, catalog name, "
        "hf-hub:org/name or .safetensors of the same architecture, or one the architecture "
        "starts from: realesrgan from a spandrel upscaler, taking its network's shape), e.g. "
        "SRGAN's adversarial stage from its content-only SRResNet run, and from its "
        "discriminator.safetensors where the folder has one (zoo import-checkpoint "
        "--discriminator); with --resume only the config values it gives are used",
    )
    add_train_config_arguments(p.add_argument_group("training (zoo.train.TrainConfig)"))
    for task in tasks.values():
        task.add_data_arguments(p.add_argument_group(f"{task.name} data"))
    p.set_defaults(func=run)


def add_train_config_arguments(group: argparse._ArgumentGroup) -> None:
    """One option per :class:`~zoo.train.TrainConfig` field, with its default, help and rule."""
    from zoo.train.config import TrainConfig

    hints = typing.get_type_hints(TrainConfig)
    defaults = TrainConfig()
    for f in dataclasses.fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        default, meta, hint = getattr(defaults, f.name), f.metadata, hints[f.name]
        help = meta["help"]
        if hint is bool and default:
            flag = "--no-" + f.name.replace("_", "-")
            group.add_argument(flag, dest=f.name, action="store_false", help=meta["negated"])
        elif hint is bool:
            group.add_argument(flag, dest=f.name, action="store_true", help=help)
        elif typing.get_origin(hint) is dict:
            group.add_argument(
                flag,
                dest=f.name,
                action="append",
                type=assignment,
                metavar=meta["metavar"],
                help=help,
            )
        else:
            kwargs: dict = {
                "dest": f.name,
                "default": default,
                "help": f"{help} (default {default})" if default != "" else help,
            }
            if meta.get("metavar"):
                kwargs["metavar"] = meta["metavar"]
            if meta.get("choices"):
                kwargs["choices"] = meta["choices"]
            elif hint is int:
                kwargs["type"] = _int_type(meta.get("min"))
            elif hint is float:
                kwargs["type"] = float
            elif f.name == "device":
                kwargs["type"] = device_name
            group.add_argument(flag, **kwargs)


def _int_type(low: int | None):
    if low == 1:
        return positive_int
    if low == 0:
        return non_negative_int

    def at_least(text: str) -> int:
        value = non_negative_int(text)
        if low is not None and value < low:
            raise argparse.ArgumentTypeError(f"{value} is too small; it must be >= {low}")
        return value

    return at_least


def train_config_from(args: argparse.Namespace):
    """The :class:`~zoo.train.TrainConfig` the options describe."""
    from zoo.train.config import TrainConfig

    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)}
    values["lr"] = dict(values["lr"] or [])
    config = TrainConfig(**values)
    config.validate()
    config.lr = {k: float(v) for k, v in config.lr.items()}
    return config


def start_model(cls, source: str) -> tuple[typing.Any, dict[str, typing.Any]]:
    """The model ``--init-from source`` names, and the config values a run of ``cls`` takes
    from it (:meth:`zoo.GAN.config_from`); an error if ``cls`` cannot start from it."""
    import zoo

    start = zoo.load(source)
    taken = cls.config_from(start)
    if taken is None:
        raise zoo.ConfigError(
            f"--init-from {source} is a {start.architecture} model; this run trains "
            f"{cls.architecture}"
        )
    return start, taken


def init_from(model, source: str, start=None) -> None:
    """Load the inference weights of ``source`` (``start``: its model, if loaded already)
    into ``model``, and its discriminator where ``source`` is a folder holding one."""
    from pathlib import Path

    import zoo
    from zoo.constants import DISCRIMINATOR_NAME

    if start is None:
        start, _ = start_model(type(model), source)
    model.load_inference_state_dict(start.inference_state_dict())
    discriminator = Path(source) / DISCRIMINATOR_NAME
    if discriminator.is_file():  # zoo import-checkpoint --discriminator
        from zoo.models._weights import read_weights, state_mismatch

        state, _ = read_weights(discriminator)
        ours = {f"discriminator.{k}": v for k, v in model.discriminator.state_dict().items()}
        problems = state_mismatch(ours, state)
        if problems:
            raise zoo.WeightsError(
                f"{discriminator} does not fit this run's discriminator: {problems}"
            )
        prefix = len("discriminator.")
        model.discriminator.load_state_dict({k[prefix:]: v for k, v in state.items()})
        print(f"--init-from: discriminator from {discriminator}")


def run(args: argparse.Namespace) -> int:
    from zoo.models._registry import get_architecture
    from zoo.train import Trainer, distributed, seed_everything

    cls = get_architecture(args.architecture)
    given = dict(args.set or [])
    start, taken = start_model(cls, args.init_from) if args.init_from else (None, {})
    values = {**taken, **given}  # a resumed run rebuilds the same config
    config = cls.task.configure(cls.Config.from_dict(values), args.data, set(values))
    train_cfg = train_config_from(args)
    shard = distributed.setup_from_env()  # a no-op unless launched by torchrun
    seed_everything(train_cfg.seed)
    evaluator = None  # before loading data: what cannot be evaluated fails at once
    if train_cfg.eval_every:
        evaluator = cls.task.evaluator(args.data, train_cfg.eval_samples)
    model = cls(config)
    if start is not None and not args.resume:
        init_from(model, args.init_from, start)
    data = cls.task.training_data(model, args.data, vars(args), train_cfg.progress)
    command = "zoo " + " ".join(shlex.quote(a) for a in args.argv)
    info = {"command": command, "data_source": args.data}
    trainer = Trainer(model, data, train_cfg, args.out, extra_info=info, evaluator=evaluator)
    try:
        weights = trainer.train(resume=args.resume)
        distributed.barrier()
    finally:
        distributed.teardown()
    if shard.is_main:
        print(f"trained {args.architecture} for {trainer.step} steps: {weights}")
    return 0
