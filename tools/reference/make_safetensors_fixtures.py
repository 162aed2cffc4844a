#!/usr/bin/python3
"""Reference safetensors files for tests/test_safetensors.cpp, and a check of the files we write.

An implementation of the safetensors format written from its specification (the README of
huggingface/safetensors and the layout of its serialize() in safetensors/src/tensor.rs) with only
struct, json and numpy: the `safetensors` package is not installable here, and an implementation
that shares no code with aibasics is what the tests want anyway.

Use /usr/bin/python3 (numpy 1.24). Output is deterministic.

Modes:
  (default)          write tests/fixtures/safetensors/: valid files, manifest.json with the exact
                     values of each tensor, and err_*.safetensors files a reader must refuse. Every
                     file is read back by this script's own reader (valid ones must match, err_*
                     ones must be refused).
  --check FILE...    read FILE (written by aibasics, e.g. tests/fixtures/safetensors/from_aib/*)
                     with this script's reader, compare dtypes, shapes, values and metadata with
                     EXPECTED_FROM_AIB, and assert the bytes equal reference_layout() of the same
                     tensors (the layout of safetensors' serialize()).

manifest.json: {"files": {FILE: {"metadata": {..}, "tensors": [{"name", "dtype", "shape",
"values"}]}}}, tensors in data-buffer order, values flat in C order as strings (floats as Python
repr, which strtod reads back exactly, including 'inf', 'nan' and '-0.0'; integers in decimal).
"""
import json
import math
import os
import struct
import sys
import zlib

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fixtures", "safetensors")

# dtype string -> numpy little-endian dtype (None: numpy has none). The order is safetensors' Dtype
# enum order (increasing alignment); serialize() stores tensors by decreasing position in it, then
# by name.
DTYPES = {
    "BOOL": "|b1", "F4": None, "F6_E2M3": None, "F6_E3M2": None, "U8": "|u1", "I8": "|i1",
    "F8_E5M2": None, "F8_E4M3": None, "F8_E8M0": None, "F8_E4M3FNUZ": None, "F8_E5M2FNUZ": None,
    "I16": "<i2", "U16": "<u2", "F16": "<f2", "BF16": None, "I32": "<i4", "U32": "<u4",
    "F32": "<f4", "C64": "<c8", "F64": "<f8", "I64": "<i8", "U64": "<u8",
}
RANK = {name: k for k, name in enumerate(DTYPES)}
MAX_HEADER = 100_000_000
FLT_MAX = 3.4028234663852886e38


def np_dtype(dtype):
    return np.dtype(DTYPES[dtype])


# ---- writing --------------------------------------------------------------------------------------

def tensor(dtype, shape, values):
    """A (dtype string, C-order numpy array) pair."""
    return dtype, np.array(values, dtype=np_dtype(dtype)).reshape(shape)


def raw(header, data=b"", size=None):
    """A file from header bytes (or text) and data bytes; `size` overrides the 8-byte header size."""
    if isinstance(header, str):
        header = header.encode("utf-8")
    return struct.pack("<Q", len(header) if size is None else size) + header + data


def generic_layout(tensors, metadata, data_order, indent=None, ensure_ascii=True, meta_last=True):
    """A valid file, laid out differently from serialize(): header keys in the order of `tensors`
    (a list of (name, (dtype, array))), data in `data_order`, JSON with spaces and \\u escapes,
    no alignment padding. A reader must not depend on any of these choices."""
    arrays = dict(tensors)
    offsets, pos, data = {}, 0, b""
    for name in data_order:
        b = arrays[name][1].tobytes(order="C")
        offsets[name] = [pos, pos + len(b)]
        pos += len(b)
        data += b
    header = {}
    if metadata is not None and not meta_last:
        header["__metadata__"] = metadata
    for name, (dtype, a) in tensors:
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": offsets[name]}
    if metadata is not None and meta_last:
        header["__metadata__"] = metadata
    return raw(json.dumps(header, indent=indent, ensure_ascii=ensure_ascii), data)


def reference_layout(tensors, metadata):
    """The bytes safetensors' serialize() writes: "__metadata__" first (if given), then the
    tensors by decreasing dtype position and then by name (UTF-8 bytes), each entry as
    {"dtype","shape","data_offsets"} in compact JSON with raw UTF-8; the header is padded with
    spaces to a multiple of 8 bytes. (serialize() keeps metadata in a hash map; with two or more
    keys its order is not fixed, here they are sorted.)"""
    order = sorted(tensors, key=lambda nt: (-RANK[nt[1][0]], nt[0].encode("utf-8")))
    header, pos, data = {}, 0, b""
    if metadata is not None:
        header["__metadata__"] = dict(sorted(metadata.items()))
    for name, (dtype, a) in order:
        b = a.tobytes(order="C")
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [pos, pos + len(b)]}
        pos += len(b)
        data += b
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return raw(text, data)


# ---- reading (the checks of the spec) -------------------------------------------------------------

def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate key in {keys}")
    return dict(pairs)


def is_uint(x):
    return type(x) is int and x >= 0  # bool is an int subclass: excluded by `type(x) is int`


def read(blob):
    """(list of (name, dtype, array) in data order, metadata or None); ValueError if invalid."""
    if len(blob) < 8:
        raise ValueError("shorter than the 8-byte header size")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8 or n > MAX_HEADER:
        raise ValueError(f"header size {n} does not fit the file ({len(blob)} bytes)")
    text = blob[8:8 + n].decode("utf-8")  # UnicodeDecodeError is a ValueError
    header = json.loads(text, object_pairs_hook=no_duplicates)
    if not isinstance(header, dict):
        raise ValueError("the header is not an object")
    buffer = blob[8 + n:]
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict) and
                                     all(isinstance(v, str) for v in metadata.values())):
        raise ValueError("__metadata__ is not an object of strings")
    entries = []
    for name, e in header.items():
        if not isinstance(e, dict) or set(e) != {"dtype", "shape", "data_offsets"}:
            raise ValueError(f"{name}: fields {e}")
        dtype, shape, offsets = e["dtype"], e["shape"], e["data_offsets"]
        if dtype not in DTYPES:
            raise ValueError(f"{name}: unknown dtype {dtype!r}")
        if dtype not in ("F32", "F64", "I32", "I64"):
            raise ValueError(f"{name}: dtype {dtype} is not used by these tests")
        if not isinstance(shape, list) or not all(is_uint(d) for d in shape):
            raise ValueError(f"{name}: shape {shape}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(is_uint, offsets))):
            raise ValueError(f"{name}: data_offsets {offsets}")
        begin, end = offsets
        if not begin <= end <= len(buffer):
            raise ValueError(f"{name}: data_offsets {offsets} outside [0, {len(buffer)}]")
        if end - begin != math.prod(shape) * np_dtype(dtype).itemsize:
            raise ValueError(f"{name}: {end - begin} bytes for {dtype} {shape}")
        entries.append((begin, end, name, dtype, shape))
    entries.sort()
    pos, out = 0, []
    for begin, end, name, dtype, shape in entries:
        if begin != pos:
            raise ValueError(f"{name}: starts at {begin}, expected {pos} (overlap or hole)")
        a = np.frombuffer(buffer[begin:end], dtype=np_dtype(dtype)).reshape(shape)
        out.append((name, dtype, a))
        pos = end
    if pos != len(buffer):
        raise ValueError(f"the data buffer has {len(buffer) - pos} bytes no tensor owns")
    return out, metadata


# ---- the reference's own test vectors --------------------------------------------------------------

def check_upstream_vectors():
    """reference_layout() must give the bytes that the unit tests of safetensors/src/tensor.rs
    (test_serialization, test_empty, test_serialization_forced_alignement) expect of serialize()."""
    f32 = np.arange(6, dtype="<f4")
    vectors = [
        ([("attn.0", ("F32", f32.reshape(1, 2, 3)))], None,
         b'@\0\0\0\0\0\0\0{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'),
        ([], None, b"\x08\0\0\0\0\0\0\0{}      "),
        ([], {"framework": "pt"}, b'(\0\0\0\0\0\0\0{"__metadata__":{"framework":"pt"}}     '),
        ([("attn0", ("F32", f32.reshape(1, 1, 2, 3)))], None,
         b'H\0\0\0\0\0\0\0{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}'
         b"       "),
    ]
    for tensors, metadata, head in vectors:
        data = b"".join(a.tobytes() for _, (_, a) in tensors)
        assert reference_layout(tensors, metadata) == head + data, head
    print(f"reference_layout() reproduces the {len(vectors)} byte vectors of tensor.rs's tests")


# ---- the fixtures ---------------------------------------------------------------------------------

def mixed_tensors():
    return [
        ("fc1.weight", tensor("F32", (2, 3), [1.5, -2.25, 0.1, -0.0, 1e-8, FLT_MAX])),
        ("fc1.bias", tensor("F32", (3,), [0.5, -1.0, 2.75])),
        ("double.matrix", tensor("F64", (3, 2), [0.1, 1 / 3, -1e300, 5e-324, np.inf, np.nan])),
        ("counts", tensor("I32", (2, 2), [-2**31, 2**31 - 1, 0, -7])),
        ("ids", tensor("I64", (2, 3), [-2**63, 2**63 - 1, 0, 2**40, -3, 123456789012])),
        ("scalar", tensor("F64", (), [3.25])),
        ("empty", tensor("I32", (0, 3), [])),
        ("cube", tensor("I64", (2, 3, 4), np.arange(24) - 11)),
        ("gr\u00f6\u00dfe.gewicht", tensor("F32", (1, 1), [-7.5])),
        ("enc/layer 0.w", tensor("F32", (2, 1), [1.0, 2.0])),
        ("zero.f64", tensor("F64", (0,), [])),
    ]


MIXED_METADATA = {"format": "pt", "source": "make_safetensors_fixtures.py",
                  "\u00fcn\u00ef": "c\u00f6d\u00e9 \u2713"}


def reference_tensors():
    return [
        ("a.weight", tensor("F32", (2, 3), [0.5, -1.5, 2.0, 4.0, -0.25, 8.0])),
        ("a.bias", tensor("F32", (3,), [0.1, 0.2, 0.3])),
        ("b.ids", tensor("I64", (3,), [7, -1, 2**50])),
        ("c", tensor("F64", (2, 2), [1.0, -2.0, 0.125, 1e-300])),
        ("d.count", tensor("I32", (), [-12345])),
        ("e.empty", tensor("F32", (0, 4), [])),
    ]


def valid_files():
    mixed = mixed_tensors()
    names = [n for n, _ in mixed]
    return {
        # keys in list order, __metadata__ last, data in reverse order, indented JSON, \u escapes
        "mixed.safetensors": (generic_layout(mixed, MIXED_METADATA, names[::-1], indent=1),
                              mixed, MIXED_METADATA),
        "reference_layout.safetensors": (reference_layout(reference_tensors(), {"format": "pt"}),
                                         reference_tensors(), {"format": "pt"}),
        "empty.safetensors": (reference_layout([], None), [], None),
    }


def error_files():
    """Files a reader must refuse; the reason is in the name (see README.md)."""
    a = np.array([1.0, 2.0], dtype="<f4").tobytes()
    b = np.array([3.0, 4.0, 5.0], dtype="<f4").tobytes()

    def entry(dtype, shape, begin, end):
        return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}

    def two(b_entry, data, a_entry=None, **kw):
        h = json.dumps({"a": a_entry or entry("F32", [2], 0, 8), "b": b_entry})
        return raw(h, data, **kw)

    ok = json.dumps({"a": entry("F32", [2], 0, 8), "b": entry("F32", [3], 8, 20)})
    f16 = np.array([1.0, -2.0], dtype="<f2").tobytes()
    return {
        "err_truncated_size.safetensors": raw(b"")[:5],
        # 8 zero bytes: a header size of 0 and nothing else (a null pointer reached memchr once)
        "err_empty_header.safetensors": raw(b""),
        "err_blank_header.safetensors": raw(b" "),
        "err_nul_header.safetensors": raw(b"\0"),
        "err_truncated.safetensors": raw(ok, a + b)[:-4],
        "err_header_past_end.safetensors": raw(ok, a + b, size=len(ok) + 100),
        "err_header_huge.safetensors": raw(ok, a + b, size=2**64 - 1),
        "err_offsets_past_end.safetensors": two(entry("F32", [5], 8, 28), a + b),
        "err_overlap.safetensors": two(entry("F32", [3], 4, 16), a + b[:8]),
        "err_hole.safetensors": two(entry("F32", [3], 12, 24), a + b"\0" * 4 + b),
        "err_trailing.safetensors": raw(ok, a + b + b"\0" * 4),
        "err_dtype.safetensors": raw(json.dumps({"a": entry("float32", [2], 0, 8)}), a),
        "err_f16.safetensors": raw(json.dumps({"h": entry("F16", [2], 0, 4)}), f16),
        "err_shape_mismatch.safetensors":
            raw(json.dumps({"fc1.weight": entry("F32", [3, 5], 0, 48)}), b"\0" * 48),
        "err_not_object.safetensors": raw("[1, 2, 3]"),
        "err_invalid_json.safetensors": raw(ok[:-1], a + b),  # the closing brace is missing
        "err_duplicate.safetensors": raw(
            '{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, '
            '"a": {"dtype": "F32", "shape": [3], "data_offsets": [8, 20]}}', a + b),
        # "offsets" is how the safetensors README's example spells it; files say data_offsets
        "err_extra_field.safetensors": raw(
            json.dumps({"a": dict(entry("F32", [2], 0, 8), offsets=[0, 8])}), a),
        "err_missing_field.safetensors": raw(json.dumps({"a": {"dtype": "F32", "shape": [2]}}), a),
        "err_negative_dim.safetensors": raw(json.dumps({"a": entry("F32", [-1, 2], 0, 8)}), a),
        "err_float_offset.safetensors": raw(
            '{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0.0, 8.0]}}', a),
        "err_begin_after_end.safetensors": raw(json.dumps({"a": entry("F32", [0], 8, 0)}), a),
        "err_overflow.safetensors":
            raw(json.dumps({"a": entry("F32", [2**32, 2**32, 2**32], 0, 8)}), a),
        "err_metadata_value.safetensors": raw(
            json.dumps({"__metadata__": {"epoch": 3}, "a": entry("F32", [2], 0, 8)}), a),
        "err_bad_utf8.safetensors": raw(
            b'{"a\xff": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}', a),
        "err_bom.safetensors": raw(b"\xef\xbb\xbf" + json.dumps({"a": entry("F32", [2], 0, 8)})
                                   .encode(), a),
    }


def value_text(x, dtype):
    return repr(float(x)) if dtype in ("F32", "F64") else str(int(x))


def same_values(a, b):
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":  # bit-exact, but any NaN equals any NaN
        return all((math.isnan(x) and math.isnan(y)) or
                   np.array([x], a.dtype).tobytes() == np.array([y], b.dtype).tobytes()
                   for x, y in zip(a.ravel(), b.ravel()))
    return bool(np.array_equal(a, b))


def check_contents(path, blob, tensors, metadata):
    """Reads blob back and compares it with the (name, (dtype, array)) list and metadata."""
    got, got_meta = read(blob)
    want = dict(tensors)
    assert sorted(n for n, _, _ in got) == sorted(want), (path, [n for n, _, _ in got])
    for name, dtype, a in got:
        assert dtype == want[name][0], (path, name, dtype)
        assert same_values(a, want[name][1]), (path, name, a, want[name][1])
    assert got_meta == metadata, (path, got_meta, metadata)
    return got, got_meta


def make_fixtures():
    os.makedirs(OUT, exist_ok=True)
    check_upstream_vectors()
    manifest = {"generator": f"tools/reference/make_safetensors_fixtures.py, numpy "
                             f"{np.__version__}, Python {sys.version.split()[0]}",
                "files": {}}
    for fname, (blob, tensors, metadata) in valid_files().items():
        with open(os.path.join(OUT, fname), "wb") as f:
            f.write(blob)
        got, got_meta = check_contents(fname, blob, tensors, metadata)
        manifest["files"][fname] = {
            "metadata": got_meta or {},
            "tensors": [{"name": n, "dtype": d, "shape": list(a.shape),
                         "values": [value_text(x, d) for x in a.ravel()]} for n, d, a in got],
        }
        print(f"{fname}: {len(got)} tensors, {len(blob)} bytes")
    with open(os.path.join(OUT, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")
    for fname, blob in error_files().items():
        with open(os.path.join(OUT, fname), "wb") as f:
            f.write(blob)
        try:
            read(blob)
        except (ValueError, KeyError) as e:
            print(f"{fname}: refused ({type(e).__name__}: {str(e)[:70]})")
        else:
            raise AssertionError(f"{fname} was accepted by the reference reader")


# ---- what aibasics writes into from_aib/ (the same formulas are in tests/test_safetensors.cpp) ----

def expected_from_aib():
    i32, i64 = np.iinfo(np.int32), np.iinfo(np.int64)
    return {
        "all_dtypes.safetensors": ([
            ("embed.weight", tensor("F32", (3, 4), [k * 0.25 - 1.5 for k in range(12)])),
            ("layer.0.bias", tensor("F32", (4,), [0.1, -0.2, 1e-8, FLT_MAX])),
            ("empty", tensor("F32", (0, 3), [])),
            ("scale", tensor("F64", (), [-0.1])),
            ("f64.matrix", tensor("F64", (2, 2), [1 / 3, -1e300, 5e-324, -0.0])),
            ("counts", tensor("I32", (2, 3), [i32.min, i32.max, 0, -7, 1, 2])),
            ("ids", tensor("I64", (4,), [i64.min, i64.max, 2**40, -3])),
            ("no.ids", tensor("I64", (0,), [])),
            ("gr\u00f6\u00dfe", tensor("I32", (), [42])),
            ("T3", tensor("F32", (2, 2, 2), [k - 3.5 for k in range(8)])),
        ], {
            "format": "pt",
            "course": "AI Basics",
            "escapes": "tab\t newline\n quote\" backslash\\ bell\x07 del\x7f slash/ "
                       "\u00fcn\u00efc\u00f6d\u00e9 \u2713",
        }),
        "matrices.safetensors": ([
            ("W1", tensor("F32", (2, 3), [k * 0.5 - 1 for k in range(6)])),
            ("b1", tensor("F32", (1, 3), [0.1, 0.2, 0.3])),
            ("W2", tensor("F32", (3, 1), [1.0, -2.0, 3.0])),
        ], {"episode": "08-closed-vs-open"}),
    }


def with_checksums(entry):
    """save_matrices adds "crc32.<name>": zlib's CRC-32 of each tensor's bytes, 8 hex digits."""
    tensors, metadata = entry
    sums = {f"crc32.{name}": f"{zlib.crc32(array.tobytes()):08x}" for name, (_, array) in tensors}
    return tensors, {**metadata, **sums}


def check_ours(paths):
    expected = expected_from_aib()
    expected["matrices.safetensors"] = with_checksums(expected["matrices.safetensors"])
    for path in paths:
        fname = os.path.basename(path)
        if fname not in expected:
            raise SystemExit(f"{path}: no expected contents for {fname}")
        tensors, metadata = expected[fname]
        with open(path, "rb") as f:
            blob = f.read()
        check_contents(path, blob, tensors, metadata)
        ref = reference_layout(tensors, metadata)
        if blob != ref:
            k = next((i for i, (x, y) in enumerate(zip(blob, ref)) if x != y), min(len(blob), len(ref)))
            raise SystemExit(f"{path}: differs from the reference layout at byte {k}: "
                             f"{blob[max(0, k - 20):k + 20]!r} vs {ref[max(0, k - 20):k + 20]!r}")
        print(f"{path}: OK ({len(tensors)} tensors; values, metadata and layout match)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        check_ours(sys.argv[2:])
    elif len(sys.argv) == 1:
        make_fixtures()
    else:
        raise SystemExit(__doc__)
