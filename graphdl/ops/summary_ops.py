"""Summary ops (`tf.summary.scalar`, `histogram`, `image`, `merge`): serialized `Summary` protos.

A summary's value is bytes (dtype `string`), which no XLA program can produce, so a Session computes
it on the host: it runs the summary's inputs with the rest of the fetches, then calls the op's
`evaluate` rule on their values (runtime/fetches.py, `expand_summaries`). Merging concatenates the
serialized Summaries, which protobuf reads as one Summary with all their values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from graphdl.convert import convert_to_tensor
from graphdl.dtypes import string
from graphdl.errors import BackendError, DTypeError, GraphError, ShapeError
from graphdl.events import proto
from graphdl.events.png import encode_png
from graphdl.graph import GraphKeys, get_default_graph
from graphdl.registry import TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = ["scalar", "histogram", "image", "merge", "merge_all"]

_STRING_SCALAR = [TensorSpec(TensorShape([]), string)]


def _numeric(spec: TensorSpec, what: str) -> None:
    if not spec.dtype.is_numeric and not spec.dtype.is_bool:
        raise DTypeError(f"{what} needs a real numeric tensor, got {spec.dtype.name}")


def _scalar_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    _numeric(inputs[0], "summary.scalar")
    if inputs[0].shape.rank not in (None, 0):
        raise ShapeError(f"summary.scalar needs a scalar tensor, got shape {inputs[0].shape.short()}")
    return _STRING_SCALAR


def _histogram_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    _numeric(inputs[0], "summary.histogram")
    return _STRING_SCALAR


def _image_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    spec = inputs[0]
    if not (spec.dtype.is_floating or spec.dtype.name == "uint8"):
        raise DTypeError(f"summary.image needs a float or uint8 tensor, got {spec.dtype.name}")
    dims = spec.shape.dims
    if dims is not None and (len(dims) != 4 or dims[3] not in (None, 1, 3, 4)):
        raise ShapeError(f"summary.image needs [batch, height, width, 1|3|4], got {spec.shape.short()}")
    return _STRING_SCALAR


def _merge_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    for s in inputs:
        if not s.dtype.is_string:
            raise DTypeError(f"summary.merge takes summaries (string tensors), got {s.dtype.name}")
    return _STRING_SCALAR


def _out(data: bytes) -> np.ndarray:
    out = np.empty((), dtype=object)
    out[()] = data
    return out


def _scalar_eval(inputs: list[np.ndarray], attrs: Mapping[str, Any], ctx: Any) -> np.ndarray:
    return _out(proto.scalar_value(attrs["tag"], float(np.asarray(inputs[0]))))


def _histogram_eval(inputs: list[np.ndarray], attrs: Mapping[str, Any], ctx: Any) -> np.ndarray:
    return _out(proto.histogram_value(attrs["tag"], np.asarray(inputs[0])))


def to_uint8_images(x: np.ndarray) -> np.ndarray:
    """TF1's image summary scaling (image_summary_op.cc), image by image: uint8 as is; floats all
    >= 0 scaled so the largest is 255, otherwise shifted so 0 is 128 and scaled by 127/max|v|;
    truncated to uint8; a pixel with a non-finite channel becomes red (TF1's bad_color)."""
    if x.dtype == np.uint8:
        return x
    ftype = np.float64 if x.dtype == np.float64 else np.float32
    out = np.empty(x.shape, np.uint8)
    bad = np.array([255, 0, 0, 255], np.uint8)[: x.shape[-1]]
    for i, img in enumerate(np.asarray(x, dtype=ftype)):
        ok = np.isfinite(img).all(axis=-1)
        finite = img[ok]
        lo = finite.min() if finite.size else ftype(0)
        hi = finite.max() if finite.size else ftype(0)
        if lo < 0:
            top = max(abs(lo), abs(hi))
            scale, offset = (ftype(0) if top < 1e-6 else ftype(127) / top), ftype(128)
        else:
            scale, offset = (ftype(0) if hi < 1e-6 else ftype(255) / hi), ftype(0)
        with np.errstate(invalid="ignore"):
            scaled = (img * scale + offset).astype(np.uint8)
        out[i] = np.where(ok[..., None], scaled, bad)
    return out


def _image_eval(inputs: list[np.ndarray], attrs: Mapping[str, Any], ctx: Any) -> np.ndarray:
    images = to_uint8_images(np.asarray(inputs[0]))[: attrs["max_outputs"]]
    tag = attrs["tag"]
    parts = []
    for i, img in enumerate(images):
        name = f"{tag}/image" if attrs["max_outputs"] == 1 else f"{tag}/image/{i}"  # TF1's rule
        parts.append(proto.image_value(name, img.shape[0], img.shape[1], img.shape[2], encode_png(img)))
    return _out(b"".join(parts))


def _merge_eval(inputs: list[np.ndarray], attrs: Mapping[str, Any], ctx: Any) -> np.ndarray:
    return _out(b"".join(bytes(np.asarray(x, dtype=object)[()]) for x in inputs))


def _host_only(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    raise BackendError(
        "summary ops produce bytes and run on the host: fetch the summary itself with Session.run, "
        "do not use it as the input of another op"
    )


for _name, _api, _infer, _eval, _doc in (
    ("ScalarSummary", "summary.scalar", _scalar_infer, _scalar_eval, "A Summary with one scalar value."),
    (
        "HistogramSummary",
        "summary.histogram",
        _histogram_infer,
        _histogram_eval,
        "A Summary with a histogram.",
    ),
    ("ImageSummary", "summary.image", _image_infer, _image_eval, "A Summary with PNG images."),
    ("MergeSummary", "summary.merge", _merge_infer, _merge_eval, "The union of several Summaries."),
):
    register(
        _name,
        api_name=_api,
        infer=_infer,
        evaluate=_eval,
        lower=_host_only,
        differentiable=False,
        kind="summary",
        doc=_doc,
    )


_INVALID_TAG_CHARS = re.compile(r"[^-/\w\.]")


def _summary(
    op_type: str, name: str, inputs: list[Tensor], attrs: dict[str, Any], collections: Any, family: Any
) -> Tensor:
    graph = get_default_graph()
    clean = _INVALID_TAG_CHARS.sub("_", name).lstrip("/") or "summary"  # TF1 cleans tags the same way
    if family:
        family = _INVALID_TAG_CHARS.sub("_", str(family))
        clean = f"{family}/{clean}"
    op_name = graph.unique_name(clean, mark_as_used=False)
    tag = f"{family}/{op_name}" if family else op_name  # TF1 repeats the family so TensorBoard tabs by it
    node = graph.create_op(op_type, inputs, {**attrs, "tag": tag}, name=clean)
    for key in [GraphKeys.SUMMARIES] if collections is None else collections:
        graph.add_to_collection(key, node.outputs[0])
    return node.outputs[0]


def scalar(
    name: str, tensor: Any, collections: Sequence[str] | None = None, family: str | None = None
) -> Tensor:
    """TF1 `tf.summary.scalar`: a Summary with the scalar value of `tensor`, tagged `name`."""
    return _summary("ScalarSummary", name, [convert_to_tensor(tensor)], {}, collections, family)


def histogram(
    name: str, values: Any, collections: Sequence[str] | None = None, family: str | None = None
) -> Tensor:
    """TF1 `tf.summary.histogram`: a Summary with the histogram of `values` (TF's default buckets)."""
    return _summary("HistogramSummary", name, [convert_to_tensor(values)], {}, collections, family)


def image(
    name: str,
    tensor: Any,
    max_outputs: int = 3,
    collections: Sequence[str] | None = None,
    family: str | None = None,
) -> Tensor:
    """TF1 `tf.summary.image`: up to `max_outputs` images of a [batch, h, w, 1|3|4] tensor, as PNG."""
    if int(max_outputs) < 1:
        raise GraphError(f"summary.image: max_outputs must be at least 1, got {max_outputs}")
    return _summary(
        "ImageSummary",
        name,
        [convert_to_tensor(tensor)],
        {"max_outputs": int(max_outputs)},
        collections,
        None,
    )


def merge(inputs: Sequence[Any], collections: Sequence[str] | None = None, name: str | None = None) -> Tensor:
    """TF1 `tf.summary.merge`: one Summary with the values of all `inputs`."""
    tensors = [convert_to_tensor(t) for t in inputs]
    if not tensors:
        raise GraphError("summary.merge needs at least one summary")
    graph = get_default_graph()
    node = graph.create_op("MergeSummary", tensors, {}, name=name or "Merge/MergeSummary")
    for key in collections or ():
        graph.add_to_collection(key, node.outputs[0])
    return node.outputs[0]


def merge_all(
    key: str = GraphKeys.SUMMARIES, scope: str | None = None, name: str | None = None
) -> Tensor | None:
    """TF1 `tf.summary.merge_all`: merge every summary in collection `key`; None when there is none."""
    summaries = get_default_graph().get_collection(key, scope)
    return merge(summaries, name=name) if summaries else None
