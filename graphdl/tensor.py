"""Tensor: one output of a node, with TF1's Python operators."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphdl.dtypes import DType
from graphdl.shapes import TensorShape, as_shape

if TYPE_CHECKING:
    from graphdl.graph import Graph, Node


def _math() -> Any:
    from graphdl.ops import math

    return math


class Tensor:
    """The `index`-th output of node `op`, named `op:index`, with a static shape and dtype."""

    __slots__ = ("__weakref__", "_shape", "dtype", "op", "value_index")

    # Make NumPy defer to our operators (np.ndarray + Tensor -> Tensor.__radd__).
    __array_priority__ = 100

    def __init__(self, op: Node, value_index: int, shape: TensorShape, dtype: DType) -> None:
        self.op = op
        self.value_index = value_index
        self._shape = shape
        self.dtype = dtype

    @property
    def name(self) -> str:
        return f"{self.op.name}:{self.value_index}"

    @property
    def graph(self) -> Graph:
        return self.op.graph

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape: Any) -> None:
        """Refine the static shape (TF1 `set_shape`); raises ShapeError when incompatible."""
        self._shape = self._shape.merge_with(as_shape(shape))

    @property
    def consumers_list(self) -> list[Node]:
        return [n for n in self.graph.get_operations() if any(t is self for t in n.inputs)]

    def consumers(self) -> list[Node]:
        return self.consumers_list

    def eval(self, feed_dict: Any = None, session: Any = None) -> Any:
        from runtime.session import get_default_session

        return (session or get_default_session()).run(self, feed_dict=feed_dict)

    def _as_graph_element(self) -> Tensor:
        return self

    def __repr__(self) -> str:
        return f'<graphdl.Tensor "{self.name}" shape={self._shape} dtype={self.dtype.name}>'

    __hash__ = object.__hash__  # identity, in C (fetch and feed keys are hashed on every run)

    def __eq__(self, other: object) -> bool:  # TF1: tensors compare by identity
        return self is other

    def __bool__(self) -> bool:
        raise TypeError(
            f"using tensor '{self.name}' as a Python bool is not allowed: its value is only known when "
            "the graph runs; use graphdl.where or compute it in a Session"
        )

    def __iter__(self) -> Any:
        dims = self._shape.dims
        if dims is None or not dims or dims[0] is None:
            raise TypeError(f"tensor '{self.name}' of shape {self._shape} cannot be iterated")
        return iter(_array().unstack(self, num=dims[0]))

    def __len__(self) -> int:
        dims = self._shape.dims
        if dims is None or not dims or dims[0] is None:
            raise TypeError(f"len() of tensor '{self.name}' of shape {self._shape} is not known")
        return dims[0]

    # arithmetic
    def __add__(self, o: Any) -> Tensor:
        return _math().add(self, o, name="add")

    def __radd__(self, o: Any) -> Tensor:
        return _math().add(o, self, name="add")

    def __sub__(self, o: Any) -> Tensor:
        return _math().subtract(self, o, name="sub")

    def __rsub__(self, o: Any) -> Tensor:
        return _math().subtract(o, self, name="sub")

    def __mul__(self, o: Any) -> Tensor:
        return _math().multiply(self, o, name="mul")

    def __rmul__(self, o: Any) -> Tensor:
        return _math().multiply(o, self, name="mul")

    def __truediv__(self, o: Any) -> Tensor:
        return _math().truediv(self, o, name="truediv")

    def __rtruediv__(self, o: Any) -> Tensor:
        return _math().truediv(o, self, name="truediv")

    def __floordiv__(self, o: Any) -> Tensor:
        return _math().floordiv(self, o, name="floordiv")

    def __rfloordiv__(self, o: Any) -> Tensor:
        return _math().floordiv(o, self, name="floordiv")

    def __mod__(self, o: Any) -> Tensor:
        return _math().mod(self, o, name="mod")

    def __rmod__(self, o: Any) -> Tensor:
        return _math().mod(o, self, name="mod")

    def __pow__(self, o: Any) -> Tensor:
        return _math().pow(self, o, name="pow")

    def __rpow__(self, o: Any) -> Tensor:
        return _math().pow(o, self, name="pow")

    def __matmul__(self, o: Any) -> Tensor:
        return _math().matmul(self, o, name="matmul")

    def __rmatmul__(self, o: Any) -> Tensor:
        return _math().matmul(o, self, name="matmul")

    def __neg__(self) -> Tensor:
        return _math().negative(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _math().abs(self)

    def __lt__(self, o: Any) -> Tensor:
        return _math().less(self, o)

    def __le__(self, o: Any) -> Tensor:
        return _math().less_equal(self, o)

    def __gt__(self, o: Any) -> Tensor:
        return _math().greater(self, o)

    def __ge__(self, o: Any) -> Tensor:
        return _math().greater_equal(self, o)

    def __and__(self, o: Any) -> Tensor:
        return _math().logical_and(self, o)

    def __rand__(self, o: Any) -> Tensor:
        return _math().logical_and(o, self)

    def __or__(self, o: Any) -> Tensor:
        return _math().logical_or(self, o)

    def __ror__(self, o: Any) -> Tensor:
        return _math().logical_or(o, self)

    def __xor__(self, o: Any) -> Tensor:
        return _math().logical_xor(self, o)

    def __invert__(self) -> Tensor:
        return _math().logical_not(self)

    def __getitem__(self, key: Any) -> Tensor:
        return _array().getitem(self, key)

    # Drawing inline in Jupyter (graphdl.viz)
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from graphdl import viz

        return viz.draw(self.graph, fetches=[self])._repr_mimebundle_(include, exclude)  # type: ignore[no-any-return]


def _array() -> Any:
    from graphdl.ops import array

    return array
