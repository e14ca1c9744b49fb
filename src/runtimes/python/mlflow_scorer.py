"""Nightshift's no-code scorer for MLflow `python_function` models, run by driver.py in place of a
scoring script (Azure's "MLflow deployment without a scoring script", spec section 5).

Each input file is one item: a CSV or Parquet file becomes a pandas DataFrame, is cast to the model's
ColSpec signature, and `predict()` is called once for it; every prediction becomes a
`row,prediction,file_name` line (comma separated, no header, `row` counted from 0 within the file, as
the ONNX scorer does). A file that cannot be read, cast or predicted fails alone, with Azure's
"Error processing input file: '<path>'." prefix.

The model is loaded with `mlflow.pyfunc` when mlflow is importable (mlflow then enforces the signature
itself); otherwise the built-in loader unpickles the `sklearn` flavor and the casting happens here.
The driver passes what it needs from the MLmodel file (parsed on the Node side, so no YAML here).
"""

import csv
import json
import os
import pickle
import traceback

TABLES = ("csv", "parquet", "pqt")
IMAGES = ("png", "jpg", "jpeg", "tiff", "bmp", "gif")
# MLflow ColSpec types and the pandas dtypes they are cast to; other types are passed through as read.
DTYPES = {
    "long": "int64",
    "integer": "int32",
    "double": "float64",
    "float": "float32",
    "string": "str",
    "boolean": "bool",
}


class ModelError(Exception):
    """A failure whose message says everything (no traceback is shown for it)."""

    nightshift_plain = True


def load_model(model_path, spec):
    """(model, enforces_signature): mlflow's pyfunc when mlflow is importable, else the sklearn pickle."""
    try:
        import mlflow.pyfunc
    except ImportError:
        pass
    else:
        return mlflow.pyfunc.load_model(model_path), True
    pickled = spec.get("sklearnModel")
    if not pickled:
        raise ModelError(
            "The MLflow model's python_function flavor is loaded by '{}', and the mlflow package is not "
            "installed in this interpreter; without it Nightshift's built-in loader serves only models "
            "with the sklearn flavor. Install mlflow in the environment, or add a scoring script.".format(
                spec.get("loaderModule", "?")
            )
        )
    with open(os.path.join(model_path, pickled), "rb") as f:
        if spec.get("serializationFormat") == "cloudpickle":
            import cloudpickle

            return cloudpickle.load(f), False
        return pickle.load(f), False


class MlflowScorer:
    def __init__(self, model_path, spec):
        import pandas

        self.pd = pandas
        self.columns = spec.get("columns") or []
        self.model, self.enforced = load_model(model_path, spec)

    def run(self, files, output, summary_only, read_as=None):
        failures = []
        read_as = read_as or {}
        rows = 0
        sink = None if summary_only else open(output, "a", newline="", encoding="utf-8")
        try:
            writer = None if sink is None else csv.writer(sink, lineterminator="\n")
            for file in files:
                try:
                    lines = self.score_file(file, read_as.get(file))
                except Exception as error:
                    failures.append(item_failure(file, error))
                    continue
                if writer is not None:
                    writer.writerows(lines)
                    rows += len(lines)
        finally:
            if sink is not None:
                sink.close()
        return {
            "ok": True,
            "succeeded": len(files) - len(failures),
            "failed": len(failures),
            "rows": rows,
            "itemFailures": failures,
        }

    def score_file(self, file, csv_copy=None):
        """The file's output lines as fields; nothing is written unless the whole file scored."""
        extension = os.path.splitext(file)[1][1:].lower()
        if extension in IMAGES:
            raise ModelError(
                "File type '{}' is not supported: Nightshift scores images with MLflow models that have "
                "the onnx flavor, or with a scoring script.".format(extension)
            )
        if extension not in TABLES:
            raise ModelError("File type '{}' is not supported".format(extension))
        if csv_copy is not None:
            frame = self.pd.read_csv(csv_copy)
        else:
            frame = self.pd.read_csv(file) if extension == "csv" else self.pd.read_parquet(file)
        if not self.enforced:
            frame = self.cast(frame)
        texts = prediction_texts(self.model.predict(frame), self.pd)
        if len(texts) != len(frame.index):
            raise ModelError(
                "predict() returned {} predictions for {} rows.".format(len(texts), len(frame.index))
            )
        name = os.path.basename(file)
        return [(str(row), text, name) for row, text in enumerate(texts)]

    def cast(self, frame):
        """The signature's columns, in its order, cast to its types (pandas' message on a bad value)."""
        if not self.columns:
            return frame
        names = [column.get("name") for column in self.columns]
        if all(names):
            missing = [name for name in names if name not in frame.columns]
            if missing:
                raise ModelError("Model is missing inputs {}.".format(missing))
            frame = frame[names]
        else:
            if len(frame.columns) < len(self.columns):
                raise ModelError(
                    "The model takes {} columns; the file has {}.".format(len(self.columns), len(frame.columns))
                )
            frame = frame.iloc[:, : len(self.columns)]
        types = {}
        for position, column in enumerate(self.columns):
            dtype = DTYPES.get(column.get("type"))
            if dtype is not None:
                types[frame.columns[position]] = dtype
        return frame.astype(types)


def prediction_texts(predictions, pandas):
    """One text per row: a scalar as Python prints it (NaN empty, as pandas writes it), several
    values per row (e.g. probabilities) as a JSON array."""
    import numpy

    if isinstance(predictions, pandas.DataFrame) and predictions.shape[1] == 1:
        predictions = predictions.iloc[:, 0]
    values = numpy.asarray(predictions)
    if values.ndim == 0:
        values = values.reshape(1)
    if values.ndim > 1 and values.size == values.shape[0]:
        values = values.reshape(values.shape[0])
    if values.ndim == 1:
        return [scalar_text(value) for value in values]
    flat = values.reshape(values.shape[0], -1)
    return [json.dumps([json_value(value) for value in row]) for row in flat]


def is_nan(value):
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False  # pandas.NA and friends refuse to be compared; they are not NaN floats


def scalar_text(value):
    if value is None or is_nan(value):
        return ""
    return str(value)


def json_value(value):
    if value is None or is_nan(value):
        return None
    kind = getattr(getattr(value, "dtype", None), "kind", "")
    if kind == "b":
        return bool(value)
    if kind and kind in "iu":
        return int(value)
    if kind == "f":
        return float(str(value))  # float32 keeps its short digits: 0.1, not 0.10000000149011612
    return value if isinstance(value, (bool, int, float, str)) else str(value)


def item_failure(file, error):
    message = "Error processing input file: '{}'. {}".format(file, error)
    if getattr(error, "nightshift_plain", False):
        return {"file": file, "message": message}
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return {"file": file, "message": message, "traceback": text}
