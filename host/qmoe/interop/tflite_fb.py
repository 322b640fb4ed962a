"""The subset of the TensorFlow Lite flatbuffer schema (`schema.fbs`, file identifier "TFL3",
schema version 3) that qmoe writes and reads, built on the `flatbuffers` runtime package.

Tables are written and read by field slot (a field's vtable entry is `4 + 2 * index`, index in
declaration order in schema.fbs); no generated code is used. Only the fields qmoe needs are
written; readers of the file see every other field at its schema default.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

from qmoe.errors import ConfigError, DataError

FILE_IDENTIFIER = b"TFL3"
SCHEMA_VERSION = 3

# TensorType
FLOAT32, INT32, INT64, INT16, INT8 = 0, 2, 4, 7, 9
DTYPES = {FLOAT32: np.float32, INT32: np.int32, INT64: np.int64, INT16: np.int16, INT8: np.int8}
TYPE_NAMES = {
    0: "FLOAT32", 1: "FLOAT16", 2: "INT32", 3: "UINT8", 4: "INT64", 5: "STRING", 6: "BOOL",
    7: "INT16", 8: "COMPLEX64", 9: "INT8", 10: "FLOAT64", 17: "INT4",
}  # fmt: skip

# BuiltinOperator codes qmoe writes; OPERATOR_NAMES names the others in error messages.
DEQUANTIZE, FULLY_CONNECTED, QUANTIZE = 6, 9, 114
PLACEHOLDER_FOR_GREATER_OP_CODES = 127
OPERATOR_NAMES = (
    "ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE "
    "EMBEDDING_LOOKUP FLOOR FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D "
    "LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1 "
    "RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH CONCAT_EMBEDDINGS "
    "SKIP_GRAM CALL CUSTOM EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER "
    "BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE "
    "UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT "
    "LOG_SOFTMAX DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM ARG_MAX MINIMUM LESS NEG "
    "PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN TRANSPOSE_CONV SPARSE_TO_DENSE TILE "
    "EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN FAKE_QUANT REDUCE_PROD "
    "REDUCE_MAX PACK LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV "
    "REDUCE_ANY SQUARE ZEROS_LIKE FILL FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU "
    "SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL REVERSE_V2 ADD_N GATHER_ND COS WHERE "
    "RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND HARD_SWISH IF WHILE "
    "NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND SELECT_V2 DENSIFY SEGMENT_SUM "
    "BATCH_MATMUL PLACEHOLDER_FOR_GREATER_OP_CODES CUMSUM CALL_ONCE BROADCAST_TO RFFT2D CONV_3D"
).split()

# ActivationFunctionType
ACT_NONE, ACT_RELU, ACT_RELU_N1_TO_1, ACT_RELU6 = 0, 1, 2, 3
ACTIVATION_NAMES = ("NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT")

# BuiltinOptions union member written for FULLY_CONNECTED
OPTIONS_FULLY_CONNECTED = 8


def _flatbuffers():
    try:
        import flatbuffers
        from flatbuffers import encode, number_types, table
    except ImportError as exc:
        raise ConfigError(
            "TensorFlow Lite files need the flatbuffers package: pip install 'qmoe[tflite]'"
        ) from exc
    return flatbuffers, encode, number_types, table


def operator_name(code: int) -> str:
    """`NAME (code)` for a builtin operator code, e.g. `RESHAPE (22)`."""
    name = OPERATOR_NAMES[code] if 0 <= code < len(OPERATOR_NAMES) else "builtin operator"
    return f"{name} ({code})"


@dataclass
class Tensor:
    """One tensor of the subgraph; `data` set for constants (weights, biases)."""

    name: str
    shape: tuple[int, ...]
    type: int
    data: np.ndarray | None = None
    scale: np.ndarray | None = None  # float32, one per tensor or per channel
    zero_point: np.ndarray | None = None  # int64, same length as scale
    quantized_dimension: int = 0


@dataclass
class Operator:
    code: int  # BuiltinOperator
    inputs: list[int]
    outputs: list[int]
    version: int = 1
    activation: int = ACT_NONE  # FULLY_CONNECTED's fused_activation_function
    weights_format: int = 0
    keep_num_dims: bool = False
    custom_code: str | None = None


@dataclass
class Model:
    tensors: list[Tensor]
    operators: list[Operator]
    inputs: list[int]
    outputs: list[int]
    description: str = ""
    versions: dict[int, int] = field(default_factory=dict)  # operator code -> version


# ---- writing ------------------------------------------------------------------------------


def _vector(b, arr: np.ndarray, alignment: int | None = None) -> int:
    """A vector of little-endian scalars; `alignment` forces the payload's alignment."""
    arr = np.ascontiguousarray(arr)
    payload = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
    b.StartVector(arr.itemsize, arr.size, alignment or arr.dtype.alignment)
    b.head -= len(payload)
    b.Bytes[b.head : b.head + len(payload)] = payload
    b.vectorNumElems = arr.size
    return b.EndVector()


def _offsets(b, offs: list[int]) -> int:
    b.StartVector(4, len(offs), 4)
    for o in reversed(offs):
        b.PrependUOffsetTRelative(o)
    return b.EndVector()


def _table(b, fields: list[tuple[str, int, object]]) -> int:
    """fields: (kind, slot, value) with kind in int32/uint32/int8/bool/offset; None is left out."""
    b.StartObject(max(slot for _, slot, _ in fields) + 1)
    for kind, slot, value in fields:
        if value is None:
            continue
        if kind == "offset":
            b.PrependUOffsetTRelativeSlot(slot, value, 0)
        elif kind == "int32":
            b.PrependInt32Slot(slot, int(value), 0)
        elif kind == "uint32":
            b.PrependUint32Slot(slot, int(value), 0)
        elif kind == "int8":
            b.PrependInt8Slot(slot, int(value), 0)
        elif kind == "uint8":
            b.PrependUint8Slot(slot, int(value), 0)
        elif kind == "bool":
            b.PrependBoolSlot(slot, bool(value), False)
        else:
            raise ValueError(kind)
    return b.EndObject()


def write_model(model: Model) -> bytes:
    """Serialize a single-subgraph model; buffer 0 is the empty sentinel, as the schema asks."""
    flatbuffers, *_ = _flatbuffers()
    b = flatbuffers.Builder(1024)
    buffers = [_table(b, [("offset", 0, None)])]  # sentinel
    tensor_offs = []
    for t in model.tensors:
        buf_index = 0
        if t.data is not None:
            data = _vector(b, np.frombuffer(np.ascontiguousarray(t.data).tobytes(), np.uint8), 16)
            buffers.append(_table(b, [("offset", 0, data)]))
            buf_index = len(buffers) - 1
        quant = None
        if t.scale is not None:
            scale = _vector(b, np.asarray(t.scale, dtype=np.float32))
            zp = _vector(b, np.asarray(t.zero_point, dtype=np.int64))
            quant = _table(
                b,
                [("offset", 2, scale), ("offset", 3, zp), ("int32", 6, t.quantized_dimension)],
            )
        name = b.CreateString(t.name)
        shape = _vector(b, np.asarray(t.shape, dtype=np.int32))
        tensor_offs.append(
            _table(
                b,
                [
                    ("offset", 0, shape),
                    ("int8", 1, t.type),
                    ("uint32", 2, buf_index),
                    ("offset", 3, name),
                    ("offset", 4, quant),
                    ("bool", 8, True),  # has_rank
                ],
            )
        )
    codes = sorted({op.code for op in model.operators})
    op_offs = []
    for op in model.operators:
        options, options_type = None, None
        if op.code == FULLY_CONNECTED:
            options_type = OPTIONS_FULLY_CONNECTED
            options = _table(
                b,
                [
                    ("int8", 0, op.activation),
                    ("int8", 1, op.weights_format),
                    ("bool", 2, op.keep_num_dims),
                ],
            )
        inputs = _vector(b, np.asarray(op.inputs, dtype=np.int32))
        outputs = _vector(b, np.asarray(op.outputs, dtype=np.int32))
        op_offs.append(
            _table(
                b,
                [
                    ("uint32", 0, codes.index(op.code)),
                    ("offset", 1, inputs),
                    ("offset", 2, outputs),
                    ("uint8", 3, options_type),
                    ("offset", 4, options),
                ],
            )
        )
    code_offs = []
    for code in codes:
        version = max(op.version for op in model.operators if op.code == code)
        code_offs.append(
            _table(
                b,
                [
                    ("int8", 0, min(code, PLACEHOLDER_FOR_GREATER_OP_CODES)),
                    ("int32", 2, version),
                    ("int32", 3, code),
                ],
            )
        )
    sg_name = b.CreateString("main")
    subgraph = _table(
        b,
        [
            ("offset", 0, _offsets(b, tensor_offs)),
            ("offset", 1, _vector(b, np.asarray(model.inputs, dtype=np.int32))),
            ("offset", 2, _vector(b, np.asarray(model.outputs, dtype=np.int32))),
            ("offset", 3, _offsets(b, op_offs)),
            ("offset", 4, sg_name),
        ],
    )
    desc = b.CreateString(model.description)
    root = _table(
        b,
        [
            ("uint32", 0, SCHEMA_VERSION),
            ("offset", 1, _offsets(b, code_offs)),
            ("offset", 2, _offsets(b, [subgraph])),
            ("offset", 3, desc),
            ("offset", 4, _offsets(b, buffers)),
        ],
    )
    b.Finish(root, file_identifier=FILE_IDENTIFIER)
    return bytes(b.Output())


# ---- reading ------------------------------------------------------------------------------


class _View:
    """A table at `pos` in `buf`, read by field index."""

    def __init__(self, buf: bytearray, pos: int) -> None:
        self.t = _flatbuffers()[3].Table(buf, pos)

    def _off(self, index: int) -> int:
        return self.t.Offset(4 + 2 * index)

    def scalar(self, index: int, ftype, default=0):
        o = self._off(index)
        return self.t.Get(ftype, o + self.t.Pos) if o else default

    def table(self, index: int) -> _View | None:
        o = self._off(index)
        return _View(self.t.Bytes, self.t.Indirect(o + self.t.Pos)) if o else None

    def string(self, index: int) -> str:
        o = self._off(index)
        return self.t.String(o + self.t.Pos).decode("utf-8", "replace") if o else ""

    def array(self, index: int, dtype) -> np.ndarray:
        o = self._off(index)
        if not o:
            return np.zeros(0, dtype=dtype)
        start, n = self.t.Vector(o), self.t.VectorLen(o)
        size = np.dtype(dtype).itemsize * n
        raw = bytes(self.t.Bytes[start : start + size])
        if len(raw) != size:
            raise IndexError("vector runs past the end of the buffer")
        return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype)

    def tables(self, index: int) -> list[_View]:
        o = self._off(index)
        if not o:
            return []
        start, n = self.t.Vector(o), self.t.VectorLen(o)
        return [_View(self.t.Bytes, self.t.Indirect(start + 4 * i)) for i in range(n)]


def read_model(data: bytes, where: str) -> Model:
    """Parse the first subgraph of a .tflite flatbuffer; DataError naming `where` if it is not
    one (wrong identifier, truncated, several subgraphs)."""
    _, enc, nt, _ = _flatbuffers()
    if len(data) < 8 or data[4:8] != FILE_IDENTIFIER:
        raise DataError(
            f"{where}: not a TensorFlow Lite flatbuffer (expected the file identifier "
            f"'TFL3' at bytes 4..7, found {bytes(data[4:8])!r})"
        )
    buf = bytearray(data)
    try:
        root = _View(buf, enc.Get(nt.UOffsetTFlags.packer_type, buf, 0))
        version = root.scalar(0, nt.Uint32Flags)
        if version != SCHEMA_VERSION:
            raise DataError(f"{where}: schema version {version}, expected {SCHEMA_VERSION}")
        buffers = [bv.array(0, np.uint8) for bv in root.tables(4)]
        codes = []
        for cv in root.tables(1):
            code = max(cv.scalar(0, nt.Int8Flags), cv.scalar(3, nt.Int32Flags))
            codes.append((code, cv.scalar(2, nt.Int32Flags, 1), cv.string(1) or None))
        subgraphs = root.tables(2)
        if len(subgraphs) != 1:
            raise DataError(
                f"{where}: {len(subgraphs)} subgraphs; qmoe imports single-subgraph models"
            )
        sg = subgraphs[0]
        tensors = []
        for tv in sg.tables(0):
            ttype = tv.scalar(1, nt.Int8Flags)
            q = tv.table(4)
            scale = zp = None
            qdim = 0
            if q is not None and len(q.array(2, np.float32)):
                scale, zp = q.array(2, np.float32), q.array(3, np.int64)
                qdim = q.scalar(6, nt.Int32Flags)
            index = tv.scalar(2, nt.Uint32Flags)
            if index >= len(buffers):
                raise DataError(
                    f"{where}: tensor '{tv.string(3)}' names buffer {index}, the file has "
                    f"{len(buffers)}"
                )
            raw = buffers[index] if 0 < index < len(buffers) and len(buffers[index]) else None
            shape = tuple(int(s) for s in tv.array(0, np.int32))
            data = None
            if raw is not None and ttype in DTYPES:
                data = np.frombuffer(raw.tobytes(), DTYPES[ttype]).reshape(shape)
            elif raw is not None:
                data = raw
            tensors.append(Tensor(tv.string(3), shape, ttype, data, scale, zp, qdim))
        ops = []
        for ov in sg.tables(3):
            code, version, custom = codes[ov.scalar(0, nt.Uint32Flags)]
            op = Operator(
                code=code,
                inputs=[int(i) for i in ov.array(1, np.int32)],
                outputs=[int(i) for i in ov.array(2, np.int32)],
                version=version,
                custom_code=custom,
            )
            opts = ov.table(4)
            if code == FULLY_CONNECTED and opts is not None:
                op.activation = opts.scalar(0, nt.Int8Flags)
                op.weights_format = opts.scalar(1, nt.Int8Flags)
                op.keep_num_dims = bool(opts.scalar(2, nt.BoolFlags))
            ops.append(op)
        return Model(
            tensors=tensors,
            operators=ops,
            inputs=[int(i) for i in sg.array(1, np.int32)],
            outputs=[int(i) for i in sg.array(2, np.int32)],
            description=root.string(3),
        )
    except (IndexError, ValueError, TypeError, struct.error) as e:
        raise DataError(f"{where}: corrupt or truncated TensorFlow Lite flatbuffer ({e})") from e
