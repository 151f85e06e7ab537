"""graphdl.train: TF1's `tf.train` optimizers and global step."""

from graphdl.example_proto import BytesList, Example, Feature, Features, FloatList, Int64List
from graphdl.train.batching import *  # noqa: F403
from graphdl.train.batching import __all__ as _batching_names
from graphdl.train.coordinator import *  # noqa: F403
from graphdl.train.coordinator import __all__ as _coordinator_names
from graphdl.train.global_step import (
    create_global_step,
    get_global_step,
    get_or_create_global_step,
    global_step,
)
from graphdl.train.input import *  # noqa: F403
from graphdl.train.input import __all__ as _input_names
from graphdl.train.learning_rate_decay import *  # noqa: F403
from graphdl.train.learning_rate_decay import __all__ as _decay_names
from graphdl.train.meta_graph import export_meta_graph, import_meta_graph, write_graph
from graphdl.train.monitored_session import *  # noqa: F403
from graphdl.train.monitored_session import __all__ as _monitored_names
from graphdl.train.moving_averages import *  # noqa: F403
from graphdl.train.moving_averages import __all__ as _ema_names
from graphdl.train.optimizer import Optimizer
from graphdl.train.optimizers import (
    AdagradOptimizer,
    AdamOptimizer,
    GradientDescentOptimizer,
    MomentumOptimizer,
    RMSPropOptimizer,
)
from graphdl.train.optimizers_extra import *  # noqa: F403
from graphdl.train.optimizers_extra import __all__ as _extra_optimizer_names
from graphdl.train.queue_runner import *  # noqa: F403
from graphdl.train.queue_runner import __all__ as _queue_runner_names
from graphdl.train.saver import (
    Saver,
    checkpoint_exists,
    get_checkpoint_state,
    latest_checkpoint,
    list_variables,
    load_variable,
)
from graphdl.train.session_hooks import *  # noqa: F403
from graphdl.train.session_hooks import __all__ as _hook_names
from graphdl.train.supervisor import *  # noqa: F403
from graphdl.train.supervisor import __all__ as _supervisor_names

__all__ = [
    "BytesList",
    "Example",
    "Feature",
    "Features",
    "FloatList",
    "Int64List",
    "AdagradOptimizer",
    "AdamOptimizer",
    "GradientDescentOptimizer",
    "MomentumOptimizer",
    "Optimizer",
    "RMSPropOptimizer",
    "Saver",
    "checkpoint_exists",
    "export_meta_graph",
    "import_meta_graph",
    "write_graph",
    "get_checkpoint_state",
    "latest_checkpoint",
    "list_variables",
    "load_variable",
    "create_global_step",
    "get_global_step",
    "get_or_create_global_step",
    "global_step",
]
__all__ += _decay_names
__all__ += _extra_optimizer_names
__all__ += _ema_names
__all__ += _coordinator_names
__all__ += _input_names
__all__ += _batching_names
__all__ += _queue_runner_names
__all__ += _monitored_names
__all__ += _hook_names
__all__ += _supervisor_names
