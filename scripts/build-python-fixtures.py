"""Builds the Python MLflow fixture: a scikit-learn model saved in the MLflow layout, and the answers
scikit-learn gives for the committed breast-cancer CSVs, so the Python runtime's no-code scorer can be
checked row by row.

mlflow is not packaged for Debian, so the folder is written the way `mlflow.sklearn.save_model` lays
it out (MLmodel with the python_function and sklearn flavors, a pickled model, conda.yaml,
python_env.yaml, requirements.txt), without mlflow. Run with Debian's Python, which has sklearn and
pandas:

    /usr/bin/python3 scripts/build-python-fixtures.py

Everything is seeded and no timestamps are written, so a rebuild on the same versions gives
byte-identical files. The model reads fixtures/data/breast-cancer/*.csv, which scripts/build-fixtures.py
writes; run that one first if the data changed.
"""

import glob
import json
import os
import pickle
import uuid

import numpy as np
import pandas as pd
import sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
NAME = "breast-cancer-sklearn-mlflow"
PYTHON_VERSION = "3.11.2"
MLFLOW_VERSION = "2.11.3"


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def mlmodel_text(inputs, outputs):
    """MLmodel as `mlflow.sklearn.save_model` writes it; the signature is JSON inside YAML strings."""
    model_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"nightshift/fixtures/{NAME}").hex
    return "\n".join([
        "artifact_path: model",
        "flavors:",
        "  python_function:",
        "    env:",
        "      conda: conda.yaml",
        "      virtualenv: python_env.yaml",
        "    loader_module: mlflow.sklearn",
        "    model_path: model.pkl",
        "    predict_fn: predict",
        f"    python_version: {PYTHON_VERSION}",
        "  sklearn:",
        "    code: null",
        "    pickled_model: model.pkl",
        "    serialization_format: pickle",
        f"    sklearn_version: {sklearn.__version__}",
        f"mlflow_version: {MLFLOW_VERSION}",
        f"model_uuid: {model_uuid}",
        "signature:",
        f"  inputs: '{json.dumps(inputs)}'",
        f"  outputs: '{json.dumps(outputs)}'",
        "  params: null",
        "utc_time_created: '2026-01-01 00:00:00.000000'",
        "",
    ])


def environment_files():
    pins = [f"mlflow=={MLFLOW_VERSION}", f"scikit-learn=={sklearn.__version__}",
            f"pandas=={pd.__version__}", f"numpy=={np.__version__}"]
    conda = ("channels:\n- conda-forge\ndependencies:\n"
             f"- python={PYTHON_VERSION}\n- pip\n- pip:\n"
             + "".join(f"  - {pin}\n" for pin in pins) + "name: mlflow-env\n")
    return {
        "conda.yaml": conda,
        "python_env.yaml": f"python: {PYTHON_VERSION}\nbuild_dependencies:\n- pip\n"
                           "dependencies:\n- -r requirements.txt\n",
        "requirements.txt": "".join(f"{pin}\n" for pin in pins),
    }


def train(columns):
    data = load_breast_cancer()
    x = pd.DataFrame(data.data, columns=columns)
    x_train, _, y_train, _ = train_test_split(x, data.target, test_size=0.25, stratify=data.target,
                                              random_state=42)
    model = Pipeline([("scale", StandardScaler()), ("classify", LogisticRegression(max_iter=1000))])
    model.fit(x_train, y_train)
    return model, x, data.target


def expected_labels(model):
    """Labels per committed CSV, read the way the driver reads them (pandas.read_csv, float64)."""
    labels = {}
    margins = []
    for path in sorted(glob.glob(os.path.join(ROOT, "data", "breast-cancer", "part-*.csv"))):
        frame = pd.read_csv(path).astype("float64")
        labels[os.path.basename(path)] = [int(v) for v in model.predict(frame)]
        margins.append(np.abs(model.decision_function(frame)).min())
    all_rows = pd.concat([pd.read_csv(p) for p in sorted(glob.glob(
        os.path.join(ROOT, "data", "breast-cancer", "part-*.csv")))]).astype("float64")
    labels["breast-cancer.parquet"] = [int(v) for v in model.predict(all_rows)]
    margin = min(margins)
    # A row this close to the boundary could flip with a different BLAS; none is, so labels are stable.
    assert margin > 1e-6, f"a row is too close to the decision boundary ({margin})"
    return labels, margin


def main():
    columns = [name.replace(" ", "_") for name in load_breast_cancer().feature_names]
    header = pd.read_csv(os.path.join(ROOT, "data", "breast-cancer", "part-0.csv"), nrows=0)
    assert list(header.columns) == columns, "the CSV headers no longer match the feature names"
    model, x, y = train(columns)
    folder = os.path.join(ROOT, "models", NAME)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model.pkl"), "wb") as f:
        pickle.dump(model, f, protocol=4)
    inputs = [{"type": "double", "name": name, "required": True} for name in columns]
    outputs = [{"type": "long", "required": True}]
    write_text(os.path.join(folder, "MLmodel"), mlmodel_text(inputs, outputs))
    for name, text in environment_files().items():
        write_text(os.path.join(folder, name), text)
    labels, margin = expected_labels(model)
    with open(os.path.join(ROOT, "expected", "breast-cancer-sklearn-labels.json"), "w") as f:
        json.dump({"labels": labels}, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{NAME}: all-rows accuracy {(model.predict(x) == y).mean():.3f}, "
          f"min |decision| {margin:.4f}")


if __name__ == "__main__":
    main()
