"""What a Session does with TF1's `ConfigProto`, device pins and `RunOptions` tracing.

graphdl runs each `Session.run` as one program on one device, so of TF1's configuration:
- `device_count={'GPU': 0}` makes a Session with no `device=` run on the CPU;
- `allow_soft_placement` lets ops pinned (`tf.device`) to a device this machine lacks run anyway;
  without it such a pin is an error when a run that needs the op is prepared, as in TF1;
- `log_device_placement` prints, for each newly prepared run, where each of its ops runs;
- `gpu_options.allow_growth` / `per_process_gpu_memory_fraction` set JAX's GPU memory variables
  (XLA_PYTHON_CLIENT_PREALLOCATE / _MEM_FRACTION) when JAX has not started its backends yet, and
  warn when it has (they cannot change a running GPU client);
- `graph_options.optimizer_options.opt_level = L0` turns graphdl's graph passes off;
- the thread-pool fields are accepted and have no effect: XLA's CPU thread pool is per process.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from typing import Any

from graphdl.config import ConfigProto, DeviceStepStats, NodeExecStats, OptimizerOptions, RunOptions
from graphdl.devices import DeviceSpec
from graphdl.errors import GraphError, PlacementError
from graphdl.source import short_location


class SessionConfig:
    """The parts of a ConfigProto a Session acts on (see the module docstring)."""

    def __init__(self, config: Any, device: str | None, optimize: bool) -> None:
        if config is not None and not isinstance(config, ConfigProto):
            raise GraphError(f"Session config must be a graphdl.ConfigProto, got {type(config).__name__}")
        self.config = config or ConfigProto()
        counts = {str(k).upper(): v for k, v in self.config.device_count.items()}
        self.device = "cpu" if device is None and counts.get("GPU") == 0 else device
        self.optimize = (
            optimize and self.config.graph_options.optimizer_options.opt_level != OptimizerOptions.L0
        )
        self.soft_placement = bool(self.config.allow_soft_placement)
        self.log_placement = bool(self.config.log_device_placement)
        _apply_gpu_memory_options(self.config)


def _apply_gpu_memory_options(config: ConfigProto) -> None:
    gpu = config.gpu_options
    wanted = {}
    if gpu.allow_growth:
        wanted["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"
    if gpu.per_process_gpu_memory_fraction:
        wanted["XLA_PYTHON_CLIENT_MEM_FRACTION"] = f"{float(gpu.per_process_gpu_memory_fraction):g}"
    if not wanted:
        return
    from jax._src import xla_bridge

    if xla_bridge.backends_are_initialized():
        if any(os.environ.get(k) != v for k, v in wanted.items()):
            warnings.warn(
                "ConfigProto.gpu_options: JAX's backends are already running, so "
                f"{', '.join(f'{k}={v}' for k, v in wanted.items())} cannot take effect in this process; "
                "create the first Session with this config, or set those environment variables",
                stacklevel=4,
            )
        return
    for k, v in wanted.items():
        os.environ.setdefault(k, v)  # an explicit environment variable wins, as in JAX


def _have(spec: DeviceSpec) -> bool:
    from graphdl._jax import jax

    platform = (spec.device_type or "").lower()
    if platform not in ("cpu", "gpu", "tpu"):
        return False
    try:
        devices = jax.devices(platform)
    except RuntimeError:
        return False
    return spec.device_index is None or spec.device_index < len(devices)


def check_placement(plan: Any, soft: bool) -> None:
    """PlacementError for the first op of the plan pinned to a device this machine does not have."""
    seen: dict[str, bool] = {}
    for node in plan.nodes:
        pin = node.device
        if not pin:
            continue
        if pin not in seen:
            seen[pin] = _have(DeviceSpec.from_string(pin))
        if not seen[pin] and not soft:
            from graphdl._jax import jax

            have = ", ".join(canonical_device(d) for d in jax.devices("cpu") + _others())
            raise PlacementError(
                f"cannot assign a device for operation '{node.name}' ({short_location(node.source)}): "
                f"it was explicitly assigned to {pin} but available devices are [ {have} ]; "
                "use a device this machine has, or Session(config=ConfigProto(allow_soft_placement=True))"
            )


def _others() -> list[Any]:
    from graphdl._jax import jax

    return [d for d in jax.devices() if d.platform != "cpu"]


def canonical_device(device: Any) -> str:
    kind = {"cpu": "CPU", "gpu": "GPU", "cuda": "GPU", "rocm": "GPU", "tpu": "TPU"}.get(
        device.platform, "CPU"
    )
    return f"/job:localhost/replica:0/task:0/device:{kind}:{device.id}"


def device_name(backend: Any) -> str:
    """The TF1 name of the device a Session's runs execute on (the interpreter runs on the CPU)."""
    dev = getattr(backend, "device", None)
    return canonical_device(dev) if dev is not None else "/job:localhost/replica:0/task:0/device:CPU:0"


def log_placement(plan: Any, device: str) -> None:
    """TF1's `log_device_placement` lines for a newly prepared run, on stderr."""
    for node in plan.nodes:
        print(f"{node.name}: ({node.type}): {device}", file=sys.stderr)


def traced_run(session: Any, fetches: Any, feed_dict: Any, options: Any, run_metadata: Any) -> Any:
    """Session.run with `options=`/`run_metadata=`: with a trace level, record the run's wall time
    in `run_metadata.step_stats` (one entry: graphdl runs the whole step as one program)."""
    if options is not None and not isinstance(options, RunOptions):
        raise GraphError(f"Session.run options must be a graphdl.RunOptions, got {type(options).__name__}")
    tracing = options is not None and options.trace_level != RunOptions.NO_TRACE and run_metadata is not None
    start = time.time()
    result = session.run(fetches, feed_dict)
    if tracing:
        end = time.time()
        dev = DeviceStepStats(device_name(session.backend))
        dev.node_stats.append(
            NodeExecStats(
                "graphdl_run", f"Session.run as one {session.backend_name} program", _us(start), _us(end)
            )
        )
        run_metadata.step_stats.dev_stats.append(dev)
    return result


def _us(t: float) -> int:
    return int(t * 1e6)
