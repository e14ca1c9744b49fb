"""Builds the committed test fixtures: small real ONNX models, their input data and the answers
scikit-learn gives for them, so tests can assert per-row predictions instead of "it ran".

skl2onnx is not packaged for Debian, so the graphs are written by hand with onnx.helper. Parquet and
image files are written with the standard library for the same reason (no pyarrow, no Pillow).
Run with Debian's Python, which carries sklearn, onnx and numpy:

    /usr/bin/python3 scripts/build-fixtures.py

Everything is seeded, and no timestamps are written, so a rebuild gives byte-identical files.
"""

import csv
import json
import os
import struct
import uuid
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
SKLEARN_DATA = "/usr/lib/python3/dist-packages/sklearn/datasets/data"
OPSET = [helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", 3)]
PRODUCER = "nightshift scripts/build-fixtures.py"


def out_path(*parts):
    path = os.path.join(ROOT, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def read_bundled_csv(name):
    """The bundled files open with a count header (`569,30,malignant,benign`); the last column is the
    target. Cells are kept as text so the fixture CSVs carry the source's exact digits."""
    with open(os.path.join(SKLEARN_DATA, name), newline="") as f:
        rows = list(csv.reader(f))
    cells = [row[:-1] for row in rows[1:]]
    return cells, np.array(cells, dtype=np.float64), np.array([int(r[-1]) for r in rows[1:]])


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1, sort_keys=True)
        f.write("\n")


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def save_model(graph, path):
    model = helper.make_model(graph, opset_imports=OPSET, producer_name=PRODUCER)
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


# ---------------------------------------------------------------------------------------------
# Random forest as an ai.onnx.ml TreeEnsembleClassifier


def forest_attributes(forest):
    """sklearn's predict_proba averages each tree's normalised leaf counts, so every leaf carries its
    class distribution divided by the number of trees and the ensemble sums them (post_transform NONE)."""
    nodes, leaves = [], []
    n_trees = len(forest.estimators_)
    for t, est in enumerate(forest.estimators_):
        tree = est.tree_
        for n in range(tree.node_count):
            left, right = int(tree.children_left[n]), int(tree.children_right[n])
            if left == -1:
                nodes.append((t, n, 0, "LEAF", 0.0, 0, 0))
                dist = tree.value[n][0] / tree.value[n][0].sum()
                leaves += [(t, n, k, float(p) / n_trees) for k, p in enumerate(dist)]
            else:
                nodes.append((t, n, int(tree.feature[n]), "BRANCH_LEQ", float(tree.threshold[n]), left, right))
    node_keys = ["treeids", "nodeids", "featureids", "modes", "values", "truenodeids", "falsenodeids"]
    leaf_keys = ["treeids", "nodeids", "ids", "weights"]
    attributes = {f"nodes_{key}": list(values) for key, values in zip(node_keys, zip(*nodes))}
    attributes.update({f"class_{key}": list(values) for key, values in zip(leaf_keys, zip(*leaves))})
    return dict(attributes, classlabels_int64s=[0, 1], post_transform="NONE")


def forest_graph(forest, n_features):
    ensemble = helper.make_node(
        "TreeEnsembleClassifier", ["input"], ["ensemble_label", "probabilities"],
        domain="ai.onnx.ml", **forest_attributes(forest))
    # onnxruntime's own label for a hand-built binary ensemble can contradict the probabilities,
    # so the published label is recomputed from them.
    argmax = helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0)
    return helper.make_graph(
        [ensemble, argmax], "breast_cancer_rf",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", n_features])],
        [helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 2])])


def forest_as_onnx_scores(forest, x):
    """What the ONNX graph computes (float32 inputs and thresholds), to prove it matches sklearn."""
    x32 = x.astype(np.float32)
    proba = np.zeros((len(x), 2), dtype=np.float32)
    for est in forest.estimators_:
        tree = est.tree_
        for i, row in enumerate(x32):
            n = 0
            while tree.children_left[n] != -1:
                go_left = row[tree.feature[n]] <= np.float32(tree.threshold[n])
                n = tree.children_left[n] if go_left else tree.children_right[n]
            dist = tree.value[n][0] / tree.value[n][0].sum()
            proba[i] += (dist / len(forest.estimators_)).astype(np.float32)
    return proba


def mlmodel_text(name, inputs, outputs):
    """MLmodel as MLflow writes it for an onnx model: the signature is JSON inside YAML strings."""
    model_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"nightshift/fixtures/{name}").hex
    return "\n".join([
        "artifact_path: model",
        "flavors:",
        "  onnx:",
        "    code: null",
        "    data: model.onnx",
        f"    onnx_version: {onnx.__version__}",
        "    providers:",
        "    - CPUExecutionProvider",
        "  python_function:",
        "    data: model.onnx",
        "    env:",
        "      conda: conda.yaml",
        "      virtualenv: python_env.yaml",
        "    loader_module: mlflow.onnx",
        "    python_version: 3.11.2",
        "mlflow_version: 2.11.3",
        f"model_uuid: {model_uuid}",
        "signature:",
        f"  inputs: '{json.dumps(inputs)}'",
        f"  outputs: '{json.dumps(outputs)}'",
        "  params: null",
        "utc_time_created: '2026-01-01 00:00:00.000000'",
        "",
    ])


MLFLOW_ENV = {
    "conda.yaml": "channels:\n- conda-forge\ndependencies:\n- python=3.11.2\n- pip\n- pip:\n"
                  "  - mlflow==2.11.3\n  - onnx==1.12.0\n  - onnxruntime\nname: mlflow-env\n",
    "python_env.yaml": "python: 3.11.2\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n",
    "requirements.txt": "mlflow==2.11.3\nonnx==1.12.0\nonnxruntime\n",
}


def write_mlflow_folder(folder, mlmodel):
    """The files MLflow saves beside MLmodel, so the folder looks like a registered MLflow model."""
    for name, text in dict(MLFLOW_ENV, MLmodel=mlmodel).items():
        with open(os.path.join(folder, name), "w") as f:
            f.write(text)


def build_breast_cancer():
    cells, x, y = read_bundled_csv("breast_cancer.csv")
    columns = [name.replace(" ", "_") for name in load_breast_cancer().feature_names]
    x_train, _, y_train, _ = train_test_split(x, y, test_size=0.25, stratify=y, random_state=42)
    forest = RandomForestClassifier(n_estimators=50, max_depth=8, random_state=0, n_jobs=1)
    forest.fit(x_train, y_train)

    predicted = forest.predict(x)
    emulated = forest_as_onnx_scores(forest, x)
    assert (emulated.argmax(axis=1) == predicted).all(), "ONNX emulation disagrees with sklearn"
    margin = np.abs(emulated[:, 1] - emulated[:, 0]).min()
    assert margin > 1e-4, f"a row is too close to a tie to test reliably ({margin})"

    folder = os.path.dirname(out_path("models", "breast-cancer-rf", "MLmodel"))
    save_model(forest_graph(forest, x.shape[1]), os.path.join(folder, "model.onnx"))
    inputs = [{"type": "double", "name": n, "required": True} for n in columns]
    outputs = [{"type": "long", "name": "label", "required": True}]
    write_mlflow_folder(folder, mlmodel_text("breast-cancer-rf", inputs, outputs))

    expected = {"labels": {}, "probabilities": {}}
    bounds = np.array_split(np.arange(len(cells)), 4)
    for k, idx in enumerate(bounds):
        name = f"part-{k}.csv"
        write_csv(out_path("data", "breast-cancer", name), columns, [cells[i] for i in idx])
        expected["labels"][name] = [int(v) for v in predicted[idx]]
        expected["probabilities"][name] = [round(float(p), 6) for p in emulated[idx, 1]]
    expected["labels"]["breast-cancer.parquet"] = [int(v) for v in predicted]
    write_json(out_path("expected", "breast-cancer-labels.json"), expected)
    write_parquet(out_path("data", "breast-cancer-parquet", "breast-cancer.parquet"),
                  columns, x, row_group_rows=200)
    print(f"breast-cancer-rf: train acc {forest.score(x_train, y_train):.3f}, "
          f"all-rows acc {(predicted == y).mean():.3f}, min margin {margin:.4f}")


# ---------------------------------------------------------------------------------------------
# Iris logistic regression (a single-file custom model, no MLmodel)


IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def iris_graph(w, b, named_inputs, with_label):
    """named_inputs: one [N,1] input per column (fed by name) instead of one [N,4] `input`;
    with_label False leaves only `probabilities`, a vector prediction."""
    nodes = [helper.make_node("Concat", IRIS_COLUMNS, ["input"], axis=1)] if named_inputs else []
    nodes += [
        helper.make_node("MatMul", ["input", "W"], ["scores"]),
        helper.make_node("Add", ["scores", "B"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    outputs = [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 3])]
    if with_label:
        nodes.append(helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0))
        outputs.insert(0, helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]))
    inputs = ([helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", 1]) for n in IRIS_COLUMNS] if named_inputs
              else [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 4])])
    return helper.make_graph(
        nodes, "iris_lr", inputs, outputs,
        initializer=[helper.make_tensor("W", TensorProto.FLOAT, w.shape, w.flatten().tolist()),
                     helper.make_tensor("B", TensorProto.FLOAT, b.shape, b.tolist())])


def build_iris():
    cells, x, y = read_bundled_csv("iris.csv")
    model = LogisticRegression(max_iter=1000, random_state=0).fit(x, y)
    w = model.coef_.T.astype(np.float32)
    b = model.intercept_.astype(np.float32)
    save_model(iris_graph(w, b, named_inputs=False, with_label=True), out_path("models", "iris-lr.onnx"))
    save_model(iris_graph(w, b, named_inputs=True, with_label=True), out_path("models", "iris-named-inputs.onnx"))
    save_model(iris_graph(w, b, named_inputs=False, with_label=False), out_path("models", "iris-proba.onnx"))

    predicted = model.predict(x)
    logits = x.astype(np.float32) @ w + b
    assert (logits.argmax(axis=1) == predicted).all(), "float32 logits disagree with sklearn"
    write_csv(out_path("data", "iris", "iris.csv"), IRIS_COLUMNS, cells)
    write_json(out_path("expected", "iris-labels.json"),
               {"labels": {"iris.csv": [int(v) for v in predicted]}})
    print(f"iris-lr: train acc {(predicted == y).mean():.3f}")


# ---------------------------------------------------------------------------------------------
# A tiny image model and a folder of PNG/BMP files whose answers are known by construction

COLORS = {"red": (0, (200, 40, 30)), "green": (1, (30, 180, 50)), "blue": (2, (20, 60, 210))}


def build_color_classifier():
    """Label = the channel with the highest mean, on an NHWC float input of 0..255 values."""
    nodes = [
        helper.make_node("ReduceMean", ["image"], ["means"], axes=[1, 2], keepdims=0),
        helper.make_node("Div", ["means", "temperature"], ["scaled"]),
        helper.make_node("Softmax", ["scaled"], ["probabilities"], axis=1),
        helper.make_node("ArgMax", ["means"], ["label"], axis=1, keepdims=0),
    ]
    graph = helper.make_graph(
        nodes, "color_classifier",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 16, 16, 3])],
        [helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 3])],
        initializer=[helper.make_tensor("temperature", TensorProto.FLOAT, [], [64.0])])
    folder = os.path.dirname(out_path("models", "color-classifier", "MLmodel"))
    save_model(graph, os.path.join(folder, "model.onnx"))
    inputs = [{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 16, 16, 3]}}]
    outputs = [{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]
    write_mlflow_folder(folder, mlmodel_text("color-classifier", inputs, outputs))

    rng = np.random.default_rng(7)
    images = [("red.png", "red", 24, 20, "png"), ("green.png", "green", 16, 16, "png-rgba"),
              ("blue.png", "blue", 31, 17, "png"), ("green-24bit.bmp", "green", 13, 9, "bmp24"),
              ("red-32bit-topdown.bmp", "red", 20, 20, "bmp32"),
              ("blue-bitfields.bmp", "blue", 18, 11, "bmp32-v4")]
    labels, corners = {}, {}
    for name, color, width, height, kind in images:
        label, rgb = COLORS[color]
        noise = rng.integers(-25, 26, size=(height, width, 3))
        pixels = np.clip(np.array(rgb) + noise, 0, 255).astype(np.uint8)
        path = out_path("data", "colors", name)
        if kind.startswith("png"):
            write_png(path, pixels, alpha=kind == "png-rgba")
        else:
            write_bmp(path, pixels, kind)
        labels[name] = label
        corners[name] = {"size": [width, height], "top_left": pixels[0, 0].tolist(),
                         "bottom_right": pixels[-1, -1].tolist()}
    # Corner pixels let decoder tests check row order and channel order, not just the colour.
    write_json(out_path("expected", "color-labels.json"), {"labels": labels, "pixels": corners})


def write_png(path, pixels, alpha):
    height, width, _ = pixels.shape
    if alpha:
        pixels = np.concatenate([pixels, np.full((height, width, 1), 255, np.uint8)], axis=2)
    raw = b"".join(b"\x00" + pixels[r].tobytes() for r in range(height))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def write_bmp(path, pixels, kind):
    """bmp24: classic bottom-up BGR with padded rows; bmp32: BI_RGB top-down (negative height);
    bmp32-v4: BITMAPV4HEADER with BI_BITFIELDS masks for RGBA order."""
    height, width, _ = pixels.shape
    bgr = pixels[:, :, ::-1]
    if kind == "bmp24":
        stride = (width * 3 + 3) & ~3
        rows = [bgr[r].tobytes().ljust(stride, b"\x00") for r in reversed(range(height))]
        info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, stride * height, 2835, 2835, 0, 0)
    elif kind == "bmp32":
        bgra = np.concatenate([bgr, np.zeros((height, width, 1), np.uint8)], axis=2)
        rows = [bgra[r].tobytes() for r in range(height)]
        info = struct.pack("<IiiHHIIiiII", 40, width, -height, 1, 32, 0, width * 4 * height, 2835, 2835, 0, 0)
    else:
        rgba = np.concatenate([pixels, np.full((height, width, 1), 255, np.uint8)], axis=2)
        rows = [rgba[r].tobytes() for r in reversed(range(height))]
        masks = struct.pack("<IIII", 0x000000FF, 0x0000FF00, 0x00FF0000, 0xFF000000)
        info = (struct.pack("<IiiHHIIiiII", 108, width, height, 1, 32, 3, width * 4 * height, 2835, 2835, 0, 0)
                + masks + b"sRGB"[::-1] + b"\x00" * 48)
    data = b"".join(rows)
    offset = 14 + len(info)
    with open(path, "wb") as f:
        f.write(b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset) + info + data)


# ---------------------------------------------------------------------------------------------
# A minimal Parquet writer: DOUBLE columns, PLAIN pages, ZSTD frames made of raw blocks. A raw-block
# frame is still a real ZSTD stream, so readers without a ZSTD codec fail on it as they would on
# files written by pyarrow or DuckDB.

T_I32, T_I64, T_BINARY, T_LIST, T_STRUCT = 5, 6, 8, 9, 12


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def zigzag(n):
    return varint((n << 1) ^ (n >> 63))


def thrift_struct(fields):
    """fields: (id, type, value) in ascending id order; values of T_LIST are (elem_type, items)."""
    out, last = bytearray(), 0
    for fid, ftype, value in fields:
        out.append(((fid - last) << 4) | ftype)
        last = fid
        out += thrift_value(ftype, value)
    out.append(0)
    return bytes(out)


def thrift_value(ftype, value):
    if ftype in (T_I32, T_I64):
        return zigzag(value)
    if ftype == T_BINARY:
        data = value.encode() if isinstance(value, str) else value
        return varint(len(data)) + data
    if ftype == T_STRUCT:
        return value
    elem_type, items = value
    head = bytes([(len(items) << 4) | elem_type]) if len(items) < 15 else bytes([0xF0 | elem_type]) + varint(len(items))
    return head + b"".join(thrift_value(elem_type, item) for item in items)


def zstd_raw_frame(data):
    out = bytearray(struct.pack("<I", 0xFD2FB528)) + bytes([0xA0]) + struct.pack("<I", len(data))
    blocks = [data[i:i + 65536] for i in range(0, len(data), 65536)] or [b""]
    for i, block in enumerate(blocks):
        last = 1 if i == len(blocks) - 1 else 0
        out += struct.pack("<I", (len(block) << 3) | last)[:3] + block
    return bytes(out)


def write_parquet(path, columns, x, row_group_rows):
    body, row_groups = bytearray(b"PAR1"), []
    for start in range(0, len(x), row_group_rows):
        part = x[start:start + row_group_rows]
        chunks, group_bytes = [], 0
        for j, name in enumerate(columns):
            plain = part[:, j].astype("<f8").tobytes()
            compressed = zstd_raw_frame(plain)
            page_header = thrift_struct([
                (1, T_I32, 0), (2, T_I32, len(plain)), (3, T_I32, len(compressed)),
                (5, T_STRUCT, thrift_struct([(1, T_I32, len(part)), (2, T_I32, 0), (3, T_I32, 3), (4, T_I32, 3)]))])
            offset = len(body)
            body += page_header + compressed
            size = len(page_header) + len(compressed)
            meta = thrift_struct([
                (1, T_I32, 5), (2, T_LIST, (T_I32, [0])), (3, T_LIST, (T_BINARY, [name])), (4, T_I32, 6),
                (5, T_I64, len(part)), (6, T_I64, len(page_header) + len(plain)), (7, T_I64, size),
                (9, T_I64, offset)])
            chunks.append(thrift_struct([(2, T_I64, offset), (3, T_STRUCT, meta)]))
            group_bytes += size
        row_groups.append(thrift_struct([(1, T_LIST, (T_STRUCT, chunks)), (2, T_I64, group_bytes),
                                         (3, T_I64, len(part))]))
    schema = [thrift_struct([(4, T_BINARY, "schema"), (5, T_I32, len(columns))])]
    schema += [thrift_struct([(1, T_I32, 5), (3, T_I32, 0), (4, T_BINARY, name)]) for name in columns]
    footer = thrift_struct([(1, T_I32, 1), (2, T_LIST, (T_STRUCT, schema)), (3, T_I64, len(x)),
                            (4, T_LIST, (T_STRUCT, row_groups)), (6, T_BINARY, PRODUCER)])
    with open(path, "wb") as f:
        f.write(bytes(body) + footer + struct.pack("<I", len(footer)) + b"PAR1")


if __name__ == "__main__":
    build_breast_cancer()
    build_iris()
    build_color_classifier()
    print(f"fixtures written under {os.path.normpath(ROOT)}")
