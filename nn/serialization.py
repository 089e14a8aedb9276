"""Reading a model state back: `load_state` checks a ``.npz`` file written by
`Module.save` before it builds anything, and never unpickles.

A model file may come from anywhere, so everything in it is checked: that it
is a zip archive, that its members are ``.npy`` arrays of numbers, and that
each header's shape fits the bytes that follow it (a header cannot make the
loader allocate more than the file holds).
"""

from __future__ import annotations

import io
import lzma
import math
import os
import tokenize
import warnings
import zipfile
import zlib

import numpy as np


def load_state(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a state saved by `Module.save`: a dict of name -> array.

    The file must be a ``.npz`` (zip) archive whose members are all ``.npy``
    arrays of booleans, integers or floats. Refused with a ValueError naming
    the file: anything that is not a zip archive (a pickle, a single ``.npy``),
    a damaged archive (bad CRC, truncated, unknown compression, encrypted), a
    member whose name does not end in ``.npy`` or appears twice, a member
    without a valid ``.npy`` header (format 1.0 or 2.0), any other dtype
    (Python objects, which would need unpickling, strings, records), and a
    header whose shape does not fit the bytes that follow it: headers are
    checked before any array is built, so a header cannot make this allocate
    more than the file holds. Nothing is ever unpickled. An empty archive (what
    `Module.save` writes for a model without parameters) gives an empty dict;
    a missing file raises FileNotFoundError."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
        names, members = _zip_members(raw)
        state: dict[str, np.ndarray] = {}
        for name, data in zip(names, members):
            if not name.endswith(".npy"):
                raise ValueError(f"expected only .npy members, found {name!r}")
            if name[:-4] in state:
                raise ValueError(f"expected each member once, found {name!r} twice")
            state[name[:-4]] = _npy_array(name[:-4], data)
        return state
    except FileNotFoundError:
        raise
    except (ValueError, OSError) as exc:
        raise ValueError(f"cannot load a model state from {os.fspath(path)!r}: {exc}") from None


# What zipfile (and the decompressors behind it) raise for a damaged archive.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


def _zip_members(raw: bytes) -> tuple[list[str], list[bytes]]:
    """The names and contents of the members of the zip archive `raw`. Each
    member is read in full by zipfile, which checks its CRC and reads no more
    than its declared size; members must not overlap (as in a zip bomb), so
    memory is bounded by what the file's bytes expand to, each at most once."""
    if not raw.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # as np.load tells a .npz
        if raw.startswith(b"\x93NUMPY"):
            found = "a single .npy array"
        elif raw.startswith(b"\x80"):
            found = "a pickle, which is never loaded (unpickling can run code)"
        elif not raw:
            found = "an empty file"
        else:
            found = f"{len(raw)} bytes starting {raw[:8]!r}"
        raise ValueError(f"expected a .npz (zip) archive, found {found}")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
            packed = sum(info.compress_size for info in infos)
            if packed > len(raw):
                raise zipfile.BadZipFile(f"members overlap: {packed} bytes of them in a {len(raw)}-byte file")
            return [info.filename for info in infos], [archive.read(info) for info in infos]
    except _ZIP_ERRORS as exc:
        raise ValueError(f"the zip archive is damaged ({type(exc).__name__}: {exc})") from None


def _npy_array(name: str, data: bytes) -> np.ndarray:
    """The array in the ``.npy`` bytes `data` of member `name`, its header
    checked before anything is built."""
    fmt = np.lib.format
    f = io.BytesIO(data)
    try:
        version = fmt.read_magic(f)
        read_header = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}.get(version)
        if read_header is None:
            raise ValueError(f"expected .npy format 1.0 or 2.0, found {version}")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # NumPy warns about, then accepts, Python 2 headers
            shape, fortran_order, dtype = read_header(f)
    except (ValueError, TypeError, UserWarning, tokenize.TokenError) as exc:
        # NumPy lets TokenError out, and TypeError for keys it cannot sort: {b"descr": ...}
        raise ValueError(f"{name!r} is not a valid .npy array: {exc}") from None
    if dtype.kind not in "biuf":
        found = "pickled Python objects, never loaded (unpickling can run code)" if dtype.hasobject else dtype
        raise ValueError(f"expected {name!r} to hold booleans, integers or floats, found {found}")
    if any(type(n) is not int or n < 0 for n in shape):  # NumPy lets negative sizes and bools through
        raise ValueError(f"expected {name!r} to have a shape of whole numbers >= 0, found {shape}")
    declared, present = math.prod(shape) * dtype.itemsize, len(data) - f.tell()
    if declared != present:
        raise ValueError(
            f"the header of {name!r} declares shape {shape} of {dtype}, {declared} bytes, "
            f"but {present} bytes follow it"
        )
    flat = np.frombuffer(data, dtype=dtype, count=math.prod(shape), offset=f.tell())
    try:  # a zero-size shape can still have sizes too big for NumPy
        array = flat.reshape(shape[::-1]).T if fortran_order else flat.reshape(shape)
    except ValueError as exc:
        raise ValueError(f"the shape {shape} of {name!r} is not one NumPy can make ({exc})") from None
    return array.copy(order="K")  # writable, aligned, no longer tied to `data`
