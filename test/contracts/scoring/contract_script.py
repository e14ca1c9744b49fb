# The scoring-runtime contract suite's script (see ../scoring-runtime.test.ts), twin of contract-script.ts:
# it reports what the runtime lets it see and does what the suite's environment variables ask.
import json
import os
import sys


def say(line):
    print("contract: " + line, flush=True)


def load_model():
    if os.environ.get("CONTRACT_INIT_FAILS") == "1":
        raise RuntimeError("contract: the model cannot be loaded")


def score_file(file):
    name = os.path.basename(file)
    if name.startswith("raise"):
        raise ValueError("contract: cannot score " + name)
    return name


def init():
    say("init pid={}".format(os.getpid()))
    seen = {
        "modelDir": os.environ.get("AZUREML_MODEL_DIR"),
        "outputDir": os.environ.get("AZUREML_BI_OUTPUT_PATH"),
        "variable": os.environ.get("CONTRACT_VARIABLE"),
        "cwd": os.getcwd(),
        "argv": " ".join(sys.argv[-2:]),
    }
    say("env " + json.dumps(seen, separators=(",", ":")))
    load_model()


def run(mini_batch):
    say("run {}".format(len(mini_batch)))
    rows = [score_file(file) for file in mini_batch]
    if os.environ.get("CONTRACT_ROWS") == "fewer":
        return rows[:-1]
    if os.environ.get("CONTRACT_ROWS") == "more":
        return rows + ["extra"]
    return rows
