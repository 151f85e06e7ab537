"""TF1's session configuration messages: `tf.ConfigProto`, `tf.GPUOptions`, `tf.RunOptions`, ...

They behave like the protobuf messages TF1 programs build: keyword fields, nested messages that
exist from the start (`config.gpu_options.allow_growth = True`), and an error for a field that
does not exist. What a Session does with each field is written in `runtime.session_config`.
"""

from __future__ import annotations

from typing import Any, ClassVar


class _Message:
    """A protobuf-like record: the fields and defaults in `_FIELDS`, nested messages in `_NESTED`."""

    _FIELDS: ClassVar[dict[str, Any]] = {}
    _NESTED: ClassVar[dict[str, type[_Message]]] = {}

    def __init__(self, **fields: Any) -> None:
        for name, default in self._FIELDS.items():
            object.__setattr__(self, name, dict(default) if isinstance(default, dict) else default)
        for name, cls in self._NESTED.items():
            object.__setattr__(self, name, cls())
        for name, value in fields.items():
            if name in self._NESTED and isinstance(value, dict):
                value = self._NESTED[name](**value)
            setattr(self, name, value)

    def __getattr__(self, name: str) -> Any:  # only reached for names that are not fields
        raise AttributeError(f'Protocol message {type(self).__name__} has no "{name}" field.')

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._FIELDS and name not in self._NESTED:
            raise AttributeError(f'Protocol message {type(self).__name__} has no "{name}" field.')
        if name in self._NESTED and not isinstance(value, self._NESTED[name]):
            raise TypeError(f"{type(self).__name__}.{name} must be a {self._NESTED[name].__name__}")
        object.__setattr__(self, name, value)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, like protobuf messages

    def __repr__(self) -> str:
        changed = {k: v for k, v in vars(self).items() if k in self._NESTED or v != self._FIELDS.get(k)}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"


class GPUOptions(_Message):
    """TF1 `tf.GPUOptions`."""

    _FIELDS: ClassVar[dict[str, Any]] = {
        "allow_growth": False,
        "per_process_gpu_memory_fraction": 0.0,
        "visible_device_list": "",
        "allocator_type": "",
        "force_gpu_compatible": False,
    }


class OptimizerOptions(_Message):
    """TF1 `tf.OptimizerOptions` (graph optimizer level and XLA JIT level)."""

    L1: ClassVar[int] = 0
    L0: ClassVar[int] = -1
    DEFAULT: ClassVar[int] = 0
    OFF: ClassVar[int] = -1
    ON_1: ClassVar[int] = 1
    ON_2: ClassVar[int] = 2
    _FIELDS: ClassVar[dict[str, Any]] = {
        "do_common_subexpression_elimination": False,
        "do_constant_folding": False,
        "do_function_inlining": False,
        "opt_level": 0,
        "global_jit_level": 0,
        "max_folded_constant_in_bytes": 0,
    }


class GraphOptions(_Message):
    """TF1 `tf.GraphOptions`."""

    _FIELDS: ClassVar[dict[str, Any]] = {
        "enable_recv_scheduling": False,
        "build_cost_model": 0,
        "infer_shapes": False,
        "place_pruned_graph": False,
        "enable_bfloat16_sendrecv": False,
        "timeline_step": 0,
    }
    _NESTED: ClassVar[dict[str, type[_Message]]] = {"optimizer_options": OptimizerOptions}


class ConfigProto(_Message):
    """TF1 `tf.ConfigProto`, the `config=` of `tf.Session`."""

    _FIELDS: ClassVar[dict[str, Any]] = {
        "device_count": {},
        "intra_op_parallelism_threads": 0,
        "inter_op_parallelism_threads": 0,
        "use_per_session_threads": False,
        "allow_soft_placement": False,
        "log_device_placement": False,
        "operation_timeout_in_ms": 0,
        "isolate_session_state": False,
    }
    _NESTED: ClassVar[dict[str, type[_Message]]] = {"gpu_options": GPUOptions, "graph_options": GraphOptions}


class RunOptions(_Message):
    """TF1 `tf.RunOptions` (the `options=` of `Session.run`)."""

    NO_TRACE: ClassVar[int] = 0
    SOFTWARE_TRACE: ClassVar[int] = 1
    HARDWARE_TRACE: ClassVar[int] = 2
    FULL_TRACE: ClassVar[int] = 3
    _FIELDS: ClassVar[dict[str, Any]] = {
        "trace_level": 0,
        "timeout_in_ms": 0,
        "inter_op_thread_pool": 0,
        "output_partition_graphs": False,
        "report_tensor_allocations_upon_oom": False,
    }


class RunMetadata(_Message):
    """TF1 `tf.RunMetadata` (the `run_metadata=` of `Session.run`); see `runtime.session_config`."""

    _FIELDS: ClassVar[dict[str, Any]] = {"step_stats": None, "cost_graph": None, "partition_graphs": None}

    def __init__(self, **fields: Any) -> None:
        super().__init__(**fields)
        if self.step_stats is None:
            object.__setattr__(self, "step_stats", StepStats())
        if self.partition_graphs is None:
            object.__setattr__(self, "partition_graphs", [])


class StepStats:
    """TF1's `RunMetadata.step_stats`: per device, the timing of each op of a traced run."""

    def __init__(self) -> None:
        self.dev_stats: list[DeviceStepStats] = []


class DeviceStepStats:
    """The nodes one device ran in a traced run: `device` and a list of `NodeExecStats`."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.node_stats: list[NodeExecStats] = []


class NodeExecStats:
    """One op of a traced run; `all_start_micros`/`all_end_micros` are wall-clock microseconds."""

    def __init__(self, node_name: str, timeline_label: str, start: int, end: int) -> None:
        self.node_name = node_name
        self.timeline_label = timeline_label
        self.all_start_micros = start
        self.all_end_micros = end
        self.op_start_rel_micros = 0
        self.op_end_rel_micros = end - start
