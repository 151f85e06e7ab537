"""TF1's `tf.SessionLog` protocol buffer (event.proto): a session's START, STOP or CHECKPOINT marker in an
event file, written by `FileWriter.add_session_log`; TensorBoard drops events after a restart's START."""

from __future__ import annotations

from typing import Any

from graphdl.errors import GraphError
from graphdl.events import proto
from graphdl.events.summary_pb import _fields

__all__ = ["SessionLog"]


class SessionLog:
    """TF1 `tf.SessionLog(status=SessionLog.START, checkpoint_path="", msg="")`."""

    STATUS_UNSPECIFIED, START, STOP, CHECKPOINT = 0, 1, 2, 3

    def __init__(self, status: int = 0, checkpoint_path: str = "", msg: str = "") -> None:
        if status not in (0, 1, 2, 3):
            raise GraphError(
                f"SessionLog: status must be STATUS_UNSPECIFIED, START, STOP or CHECKPOINT, got {status}"
            )
        self.status = int(status)
        self.checkpoint_path = str(checkpoint_path)
        self.msg = str(msg)

    def SerializeToString(self) -> bytes:
        out = proto.f_varint(1, self.status) if self.status else b""
        if self.checkpoint_path:
            out += proto.f_string(2, self.checkpoint_path)
        if self.msg:
            out += proto.f_string(3, self.msg)
        return out

    def ParseFromString(self, data: bytes) -> None:
        self.status, self.checkpoint_path, self.msg = 0, "", ""
        for field, wire, value in _fields(bytes(data)):
            if field == 1 and wire == 0:
                self.status = int(value)
            elif field == 2 and wire == 2:
                self.checkpoint_path = value.decode()
            elif field == 3 and wire == 2:
                self.msg = value.decode()

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, SessionLog) and self.SerializeToString() == other.SerializeToString()

    def __repr__(self) -> str:
        names = {0: "STATUS_UNSPECIFIED", 1: "START", 2: "STOP", 3: "CHECKPOINT"}
        return f"SessionLog(status={names[self.status]}, checkpoint_path={self.checkpoint_path!r}, msg={self.msg!r})"
