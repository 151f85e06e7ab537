"""TF1's RNN cells (`tf.nn.rnn_cell`): BasicRNNCell, BasicLSTMCell, LSTMCell, GRUCell, MultiRNNCell.

Variables, their names, shapes, initializers and the gate order are TF1's, so checkpoints and
equations carry over: an LSTM has one `kernel` [input_depth + num_units, 4 * num_units] and one
`bias` [4 * num_units] with gates i, j, f, o; a GRU has `gates/kernel` (r, u; bias initialised to
1.0) and `candidate/kernel`. A cell creates its variables on its first call, in the variable scope
`scope` or its own name (`rnn/basic_lstm_cell/kernel` inside static_rnn), and reuses them on later
calls, whose ops get their own name scopes (`rnn/basic_lstm_cell_1`, ...), as TF1's layer cells do.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.dtypes import as_dtype
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.tensor import Tensor

__all__ = [
    "RNNCell", "BasicRNNCell", "BasicLSTMCell", "LSTMCell", "GRUCell", "MultiRNNCell", "LSTMStateTuple",
]  # fmt: skip

_LSTMStateTuple = namedtuple("LSTMStateTuple", ("c", "h"))  # type: ignore[name-match]


class LSTMStateTuple(_LSTMStateTuple):
    """TF1's `LSTMStateTuple(c, h)`: the cell state and the output of an LSTM."""

    __slots__ = ()

    @property
    def dtype(self) -> Any:
        """The dtype of c and h (they must agree)."""
        c, h = self
        if c.dtype != h.dtype:
            raise GraphError(f"LSTMStateTuple: c and h have different dtypes: {c.dtype.name}, {h.dtype.name}")
        return c.dtype


def _tanh(x: Tensor) -> Tensor:
    from graphdl.ops.math import tanh

    return tanh(x)


def _sigmoid(x: Tensor) -> Tensor:
    from graphdl.ops.math import sigmoid

    return sigmoid(x)


def _depth(t: Tensor, what: str) -> int:
    dims = t.shape.as_list() if t.shape.ndims is not None else None
    if dims is None or len(dims) != 2 or dims[1] is None:
        raise ShapeError(f"{what}: inputs must be [batch, depth] with a known depth, got {t.shape}")
    return int(dims[1])


def _linear(args: Sequence[Tensor], kernel: Any, bias: Any) -> Tensor:
    """concat(args, 1) @ kernel + bias (TF1's `_linear`)."""
    from graphdl.ops import array
    from graphdl.ops.math import matmul
    from graphdl.ops.nn import bias_add

    x = args[0] if len(args) == 1 else array.concat(list(args), 1)
    out = matmul(x, kernel)
    return out if bias is None else bias_add(out, bias)


def _split(t: Tensor, n: int) -> list[Tensor]:
    from graphdl.ops import array

    return list(array.split(t, n, axis=1))


def _zeros(batch_size: Any, size: int, dtype: Any) -> Tensor:
    from graphdl.ops import array

    if isinstance(batch_size, int):
        return array.zeros([batch_size, size], dtype=dtype)
    b = convert_to_tensor(batch_size)
    return array.zeros(array.stack([b, convert_to_tensor(size, dtype=b.dtype)]), dtype=dtype)


class RNNCell:
    """Base class: `cell(inputs, state, scope=None) -> (output, new_state)`, `zero_state`, sizes."""

    _default_name = "rnn_cell"

    def __init__(self, name: str | None = None, reuse: Any = None, dtype: Any = None) -> None:
        self._name = name
        self._reuse = reuse
        self._dtype = dtype
        self._vars: dict[str, Any] | None = None
        self._scope_name: str | None = None

    @property
    def state_size(self) -> Any:
        """The size(s) of the state: an int, an LSTMStateTuple or a tuple of them."""
        raise NotImplementedError

    @property
    def output_size(self) -> int:
        """The depth of the output."""
        raise NotImplementedError

    @property
    def variables(self) -> list[Any]:
        """The cell's variables (empty before its first call)."""
        return list(self._vars.values()) if self._vars else []

    @property
    def trainable_variables(self) -> list[Any]:
        """The cell's variables (all trainable)."""
        return self.variables

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        """A state of zeros for `batch_size` rows (an int or a scalar tensor)."""
        graph = get_default_graph()
        with graph.name_scope(f"{type(self).__name__}ZeroState"):
            return _map_sizes(self.state_size, lambda n: _zeros(batch_size, n, as_dtype(dtype)))

    def _build(self, inputs: Tensor) -> dict[str, Any]:
        raise NotImplementedError

    def _step(self, inputs: Tensor, state: Any) -> tuple[Tensor, Any]:
        raise NotImplementedError

    def __call__(self, inputs: Any, state: Any, scope: Any = None) -> tuple[Tensor, Any]:
        """One step: builds the variables on the first call, then the step's ops in a fresh name scope."""
        from graphdl.variable_scope import variable_scope

        x = convert_to_tensor(inputs)
        graph = get_default_graph()
        if self._vars is None:
            name = scope if scope is not None else (self._name or self._default_name)
            with variable_scope(name, reuse=self._reuse or None) as vs:
                self._scope_name = vs.name
                self._vars = self._build(x)
                return self._step(x, state)
        with graph.name_scope(self._scope_name.split("/")[-1] if self._scope_name else self._default_name):
            return self._step(x, state)

    def _get(self, name: str, shape: list[int], dtype: Any, initializer: Any = None) -> Any:
        from graphdl.variable_scope import get_variable

        return get_variable(name, shape=shape, dtype=dtype, initializer=initializer)

    def _dtype_of(self, x: Tensor) -> Any:
        return as_dtype(self._dtype) if self._dtype is not None else x.dtype


def _map_sizes(size: Any, fn: Callable[[int], Any]) -> Any:
    if isinstance(size, LSTMStateTuple):
        return LSTMStateTuple(fn(size.c), fn(size.h))
    if isinstance(size, tuple | list):
        return tuple(_map_sizes(s, fn) for s in size)
    return fn(int(size))


class BasicRNNCell(RNNCell):
    """TF1 `BasicRNNCell(num_units, activation=tanh)`: h' = activation([x, h] @ kernel + bias)."""

    _default_name = "basic_rnn_cell"

    def __init__(self, num_units: int, activation: Callable[[Tensor], Tensor] | None = None, reuse: Any = None,
                 name: str | None = None, dtype: Any = None) -> None:  # fmt: skip
        super().__init__(name, reuse, dtype)
        self._num_units = int(num_units)
        self._activation = activation or _tanh

    @property
    def state_size(self) -> int:
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units

    def _build(self, inputs: Tensor) -> dict[str, Any]:
        from graphdl.initializers import zeros_initializer

        depth, dt = _depth(inputs, "BasicRNNCell"), self._dtype_of(inputs)
        return {
            "kernel": self._get("kernel", [depth + self._num_units, self._num_units], dt),
            "bias": self._get("bias", [self._num_units], dt, zeros_initializer()),
        }

    def _step(self, inputs: Tensor, state: Any) -> tuple[Tensor, Any]:
        assert self._vars is not None
        out = self._activation(_linear([inputs, state], self._vars["kernel"], self._vars["bias"]))
        return out, out


class BasicLSTMCell(RNNCell):
    """TF1 `BasicLSTMCell(num_units, forget_bias=1.0, state_is_tuple=True, activation=tanh)`."""

    _default_name = "basic_lstm_cell"

    def __init__(self, num_units: int, forget_bias: float = 1.0, state_is_tuple: bool = True,
                 activation: Callable[[Tensor], Tensor] | None = None, reuse: Any = None, name: str | None = None,
                 dtype: Any = None) -> None:  # fmt: skip
        super().__init__(name, reuse, dtype)
        self._num_units = int(num_units)
        self._forget_bias = float(forget_bias)
        self._state_is_tuple = state_is_tuple
        self._activation = activation or _tanh

    @property
    def state_size(self) -> Any:
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    @property
    def output_size(self) -> int:
        return self._num_units

    def _build(self, inputs: Tensor) -> dict[str, Any]:
        from graphdl.initializers import zeros_initializer

        depth, dt, n = _depth(inputs, "BasicLSTMCell"), self._dtype_of(inputs), self._num_units
        return {
            "kernel": self._get("kernel", [depth + n, 4 * n], dt),
            "bias": self._get("bias", [4 * n], dt, zeros_initializer()),
        }

    def _step(self, inputs: Tensor, state: Any) -> tuple[Tensor, Any]:
        from graphdl.ops.math import add, multiply

        assert self._vars is not None
        c, h = state if self._state_is_tuple else _split(state, 2)
        i, j, f, o = _split(_linear([inputs, h], self._vars["kernel"], self._vars["bias"]), 4)
        fb = convert_to_tensor(self._forget_bias, dtype=f.dtype, name="forget_bias")
        new_c = add(multiply(c, _sigmoid(add(f, fb))), multiply(_sigmoid(i), self._activation(j)))
        new_h = multiply(self._activation(new_c), _sigmoid(o))
        return new_h, _pack_state(new_c, new_h, self._state_is_tuple)


def _pack_state(c: Tensor, h: Tensor, as_tuple: bool) -> Any:
    if as_tuple:
        return LSTMStateTuple(c, h)
    from graphdl.ops import array

    return array.concat([c, h], 1)


class LSTMCell(RNNCell):
    """TF1 `LSTMCell(num_units, use_peepholes=False, cell_clip=None, initializer=None, num_proj=None, ...)`."""

    _default_name = "lstm_cell"

    def __init__(self, num_units: int, use_peepholes: bool = False, cell_clip: float | None = None,
                 initializer: Any = None, num_proj: int | None = None, proj_clip: float | None = None,
                 num_unit_shards: Any = None, num_proj_shards: Any = None, forget_bias: float = 1.0,
                 state_is_tuple: bool = True, activation: Callable[[Tensor], Tensor] | None = None,
                 reuse: Any = None, name: str | None = None, dtype: Any = None) -> None:  # fmt: skip
        super().__init__(name, reuse, dtype)
        self._num_units = int(num_units)
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = None if num_proj is None else int(num_proj)
        self._proj_clip = proj_clip
        self._forget_bias = float(forget_bias)
        self._state_is_tuple = state_is_tuple
        self._activation = activation or _tanh

    @property
    def state_size(self) -> Any:
        n, m = self._num_units, self._num_proj or self._num_units
        return LSTMStateTuple(n, m) if self._state_is_tuple else n + m

    @property
    def output_size(self) -> int:
        return self._num_proj or self._num_units

    def _build(self, inputs: Tensor) -> dict[str, Any]:
        from graphdl.initializers import zeros_initializer
        from graphdl.variable_scope import variable_scope

        depth, dt, n = _depth(inputs, "LSTMCell"), self._dtype_of(inputs), self._num_units
        out = self._num_proj or n
        v = {
            "kernel": self._get("kernel", [depth + out, 4 * n], dt, self._initializer),
            "bias": self._get("bias", [4 * n], dt, zeros_initializer()),
        }
        if self._use_peepholes:
            for k in ("w_f_diag", "w_i_diag", "w_o_diag"):
                v[k] = self._get(k, [n], dt, self._initializer)
        if self._num_proj is not None:
            with variable_scope("projection"):
                v["projection/kernel"] = self._get("kernel", [n, self._num_proj], dt, self._initializer)
        return v

    def _step(self, inputs: Tensor, state: Any) -> tuple[Tensor, Any]:
        from graphdl.ops.math import add, clip_by_value, matmul, multiply

        assert self._vars is not None
        v, n = self._vars, self._num_units
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            from graphdl.ops import array

            c_prev = array.slice(state, [0, 0], [-1, n])
            m_prev = array.slice(state, [0, n], [-1, self._num_proj or n])
        i, j, f, o = _split(_linear([inputs, m_prev], v["kernel"], v["bias"]), 4)
        fb = convert_to_tensor(self._forget_bias, dtype=f.dtype, name="forget_bias")
        if self._use_peepholes:
            f = add(f, multiply(v["w_f_diag"], c_prev))
            i = add(i, multiply(v["w_i_diag"], c_prev))
        c = add(multiply(_sigmoid(add(f, fb)), c_prev), multiply(_sigmoid(i), self._activation(j)))
        if self._cell_clip is not None:
            c = clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            o = add(o, multiply(v["w_o_diag"], c))
        m = multiply(_sigmoid(o), self._activation(c))
        if self._num_proj is not None:
            m = matmul(m, v["projection/kernel"])
            if self._proj_clip is not None:
                m = clip_by_value(m, -self._proj_clip, self._proj_clip)
        return m, _pack_state(c, m, self._state_is_tuple)


class GRUCell(RNNCell):
    """TF1 `GRUCell(num_units, activation=tanh)`: gates r, u from `gates/kernel`, candidate from r * h."""

    _default_name = "gru_cell"

    def __init__(self, num_units: int, activation: Callable[[Tensor], Tensor] | None = None, reuse: Any = None,
                 kernel_initializer: Any = None, bias_initializer: Any = None, name: str | None = None,
                 dtype: Any = None) -> None:  # fmt: skip
        super().__init__(name, reuse, dtype)
        self._num_units = int(num_units)
        self._activation = activation or _tanh
        self._kernel_init = kernel_initializer
        self._bias_init = bias_initializer

    @property
    def state_size(self) -> int:
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units

    def _build(self, inputs: Tensor) -> dict[str, Any]:
        from graphdl.initializers import constant_initializer, zeros_initializer
        from graphdl.variable_scope import variable_scope

        depth, dt, n = _depth(inputs, "GRUCell"), self._dtype_of(inputs), self._num_units
        v = {}
        with variable_scope("gates"):
            v["gates/kernel"] = self._get("kernel", [depth + n, 2 * n], dt, self._kernel_init)
            v["gates/bias"] = self._get("bias", [2 * n], dt, self._bias_init or constant_initializer(1.0))
        with variable_scope("candidate"):
            v["candidate/kernel"] = self._get("kernel", [depth + n, n], dt, self._kernel_init)
            v["candidate/bias"] = self._get("bias", [n], dt, self._bias_init or zeros_initializer())
        return v

    def _step(self, inputs: Tensor, state: Any) -> tuple[Tensor, Any]:
        from graphdl.ops.math import add, multiply, subtract

        assert self._vars is not None
        v = self._vars
        r, u = _split(_sigmoid(_linear([inputs, state], v["gates/kernel"], v["gates/bias"])), 2)
        c = self._activation(
            _linear([inputs, multiply(r, state)], v["candidate/kernel"], v["candidate/bias"])
        )
        new_h = add(multiply(u, state), multiply(subtract(1.0, u), c))
        return new_h, new_h


class MultiRNNCell(RNNCell):
    """TF1 `MultiRNNCell(cells, state_is_tuple=True)`: cells stacked, cell i in scope `cell_i`."""

    _default_name = "multi_rnn_cell"

    def __init__(self, cells: Sequence[RNNCell], state_is_tuple: bool = True) -> None:
        super().__init__()
        if not cells:
            raise GraphError("MultiRNNCell needs at least one cell")
        if not state_is_tuple:
            raise GraphError("MultiRNNCell(state_is_tuple=False) is not supported; use tuples of states")
        self._cells = list(cells)

    @property
    def state_size(self) -> tuple[Any, ...]:
        return tuple(c.state_size for c in self._cells)

    @property
    def output_size(self) -> int:
        return self._cells[-1].output_size

    @property
    def variables(self) -> list[Any]:
        return [v for c in self._cells for v in c.variables]

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        """The tuple of the cells' zero states."""
        with get_default_graph().name_scope("MultiRNNCellZeroState"):
            return tuple(c.zero_state(batch_size, dtype) for c in self._cells)

    def _build(self, inputs: Tensor) -> dict[str, Any]:
        return {}

    def _step(self, inputs: Tensor, state: Any) -> tuple[Tensor, Any]:
        from graphdl.variable_scope import variable_scope

        if len(state) != len(self._cells):
            raise ShapeError(
                f"MultiRNNCell has {len(self._cells)} cells but the state has {len(state)} parts"
            )
        cur, new_states = inputs, []
        for k, (cell, s) in enumerate(zip(self._cells, state, strict=True)):
            if cell._vars is None:
                with variable_scope(f"cell_{k}"):
                    cur, ns = cell(cur, s)
            else:
                with get_default_graph().name_scope(f"cell_{k}"):
                    cur, ns = cell(cur, s)
            new_states.append(ns)
        return cur, tuple(new_states)
