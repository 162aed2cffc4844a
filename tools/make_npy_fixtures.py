#!/usr/bin/python3
"""Reference .npy files for tests/test_io.cpp, written by real numpy (and a check of ours).

Provenance: generated with numpy 1.24.2 (Debian python3-numpy, CPython 3.11) by
    /usr/bin/python3 tools/make_npy_fixtures.py            # writes tests/fixtures/npy/
Use /usr/bin/python3: the python3 first on PATH may lack numpy. Output is deterministic.

Two modes:
  (default)              write tests/fixtures/npy/*.npy with np.save / np.lib.format.write_array
                         and manifest.txt listing dtype, shape and the exact values of each;
  --check-ours DIR       load every file aibasics wrote into DIR (tests/fixtures/npy/from_aib,
                         written by `aib_unit_tests "[.write-npy-from-aib]"`) with numpy, assert its dtype,
                         shape and values, and assert it is byte-identical to np.save's output.

manifest.txt lines: NAME DESCR NDIM DIM... VALUE... (values in C order; floats as Python repr,
which round-trips exactly through strtod: 'inf', 'nan', '-0.0' included).
"""
import argparse
import io
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "npy")


def value_arrays():
    """Arrays with known values, saved by np.save (format 1.0) unless a version is given."""
    return [
        ("f32_2x3.npy", np.array([[1.5, -2.25, 0.1], [-0.0, 1e-8, 3.4028234663852886e38]],
                                 dtype="<f4"), None),
        ("f64_3x2.npy", np.array([[0.1, 1 / 3], [-1e300, 5e-324], [np.inf, np.nan]],
                                 dtype="<f8"), None),
        ("i32_2x2.npy", np.array([[-2**31, 2**31 - 1], [0, -7]], dtype="<i4"), None),
        ("i64_2x3.npy", np.array([[-2**63, 2**63 - 1, 0], [2**40, -3, 123456789012]],
                                 dtype="<i8"), None),
        ("f32_1d.npy", np.array([0.5, -1.0, 2.75, 1e-3, 7.0], dtype="<f4"), None),
        ("f64_0d.npy", np.array(3.25, dtype="<f8"), None),
        ("i32_0x3.npy", np.zeros((0, 3), dtype="<i4"), None),
        ("i64_2x3x4.npy", (np.arange(24, dtype="<i8") - 11).reshape(2, 3, 4), None),
        ("f32_v2.npy", np.array([[1.0, 2.0], [3.0, 4.5]], dtype="<f4"), (2, 0)),
        ("f64_v3.npy", np.array([-0.5, 0.25, 8.0], dtype="<f8"), (3, 0)),
    ]


def error_arrays():
    """Valid numpy files that aibasics must refuse (the reason is in the name)."""
    a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    return [
        ("err_fortran.npy", np.asfortranarray(a.astype("<f4"))),  # fortran_order: True
        ("err_bigendian.npy", a.astype(">f4")),                    # descr '>f4'
        ("err_complex.npy", a.astype("<c8")),                      # descr '<c8'
        ("err_uint8.npy", a.astype("|u1")),                        # descr '|u1'
    ]


def write(path, array, version):
    with open(path, "wb") as f:
        if version is None:
            np.save(f, array)
        else:
            np.lib.format.write_array(f, array, version=version)


def text(x):
    return repr(float(x)) if x.dtype.kind == "f" else str(int(x))


def make_fixtures():
    os.makedirs(OUT, exist_ok=True)
    lines = [
        f"# Written by tools/make_npy_fixtures.py with numpy {np.__version__}, "
        f"Python {sys.version.split()[0]}.",
        "# NAME DESCR NDIM DIM... VALUE... (C order; floats as Python repr)",
    ]
    for name, array, version in value_arrays():
        write(os.path.join(OUT, name), array, version)
        fields = [name, array.dtype.str, str(array.ndim)] + [str(d) for d in array.shape]
        fields += [text(x) for x in array.reshape(-1)]
        lines.append(" ".join(fields))
    for name, array in error_arrays():
        write(os.path.join(OUT, name), array, None)
    with open(os.path.join(OUT, "manifest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(value_arrays()) + len(error_arrays())} files and manifest.txt to {OUT}")


# ---- --check-ours: the arrays test_io.cpp writes into from_aib/ (keep both sides in step) -------

def aib_value(dtype, k):
    """Element k (C order) of every from_aib array; the same formulas are in test_io.cpp."""
    if dtype in ("<f4", "<f8"):
        v = float(k * k - 7 * k) / 8.0 + (0.1 if k % 2 else 0.0)
        return np.float32(v) if dtype == "<f4" else np.float64(v)
    if dtype == "<i4":
        return {0: -2**31, 1: 2**31 - 1}.get(k, (k - 3) * 1000003)
    return {0: -2**63, 1: 2**63 - 1}.get(k, (k - 3) * 1000000007000)


FROM_AIB = [  # name, descr, shape
    ("f32_3x4.npy", "<f4", (3, 4)),
    ("f64_2x5_colmajor.npy", "<f8", (2, 5)),
    ("i32_2x3.npy", "<i4", (2, 3)),
    ("i64_3x2.npy", "<i8", (3, 2)),
    ("f32_vec5.npy", "<f4", (5,)),
    ("f64_rowvec4.npy", "<f8", (4,)),
    ("f32_1x4.npy", "<f4", (1, 4)),
    ("f32_0x3.npy", "<f4", (0, 3)),
    ("f64_1x1.npy", "<f8", (1, 1)),
    ("i64_2x3x4.npy", "<i8", (2, 3, 4)),
    ("f64_0d.npy", "<f8", ()),
]


def check_ours(directory):
    present = sorted(f for f in os.listdir(directory) if f.endswith(".npy"))
    expected_names = sorted(name for name, _, _ in FROM_AIB)
    assert present == expected_names, f"files {present} != expected {expected_names}"
    for name, descr, shape in FROM_AIB:
        count = int(np.prod(shape, dtype=np.int64))
        want = np.array([aib_value(descr, k) for k in range(count)], dtype=descr).reshape(shape)
        path = os.path.join(directory, name)
        got = np.load(path, allow_pickle=False)
        assert got.dtype == want.dtype, f"{name}: dtype {got.dtype} != {want.dtype}"
        assert got.shape == want.shape, f"{name}: shape {got.shape} != {want.shape}"
        assert np.array_equal(got, want), f"{name}: values differ:\n{got}\n!=\n{want}"
        buffer = io.BytesIO()
        np.save(buffer, want)
        with open(path, "rb") as f:
            assert f.read() == buffer.getvalue(), f"{name}: bytes differ from np.save's"
        print(f"ok {name} {descr} {shape}")
    print(f"numpy {np.__version__} reads all {len(FROM_AIB)} files as expected, byte-identical "
          "to np.save")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check-ours", metavar="DIR",
                        help="check the .npy files aibasics wrote into DIR with numpy")
    args = parser.parse_args()
    if args.check_ours:
        check_ours(args.check_ours)
    else:
        make_fixtures()


if __name__ == "__main__":
    main()
