"""Nightshift's Python driver: runs an Azure batch scoring script (or an MLflow model without one) for
one Node worker process, which starts it and talks to it over pipes.

Azure's contract is kept as the script sees it: the code folder is the working directory and on the
import path, `init()` runs once, `run(mini_batch)` gets a list of local file paths, `--logging_level
LEVEL` is in sys.argv, and a returned list or DataFrame is written the way Azure's `append_row` writes
it. The protocol is JSON lines: commands arrive on stdin (moved to a private descriptor at start, so a
script reading stdin cannot swallow them), replies leave on descriptor 3, so the script's print() and
logging go to stdout/stderr, which the worker turns into the job's user logs. Only paths and counts
cross the pipes; output rows go to a file the worker names per run.

Standard library only: pandas is used when the script returned a DataFrame (it is then imported
already) and by the MLflow scorer, which needs it anyway. The driver dies with its parent, even when
a script is stuck in run(): the parent-death signal where Linux offers it, and a watchdog thread.
"""

import importlib.util
import json
import logging
import os
import signal
import sys
import threading
import time
import traceback

REPLY_FD = 3
HERE = os.path.dirname(os.path.abspath(__file__))
OWN_FILES = (os.path.abspath(__file__), os.path.join(HERE, "mlflow_scorer.py"))
TYPE_MESSAGE = (
    "The run() method in the entry script accepts and should return a list or a pandas DataFrame. "
    "The actual type of output is {}."
)


class ScriptError(Exception):
    """A failure the driver diagnosed itself; its message is the whole story (no traceback)."""

    nightshift_plain = True


def die_with_parent(parent_pid):
    """A SIGKILLed worker cannot stop us, so we stop ourselves when it goes away."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (AttributeError, OSError):
        pass  # not Linux: the watchdog below still ends us within half a second
    if os.getppid() != parent_pid:
        os._exit(1)  # the parent died before the signal was armed

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="nightshift-parent-watch", daemon=True).start()


def take_arguments():
    """Removes the driver's own `--parent-pid N` so the script sees only Azure's arguments."""
    argv = sys.argv[1:]
    parent = os.getppid()
    if len(argv) >= 2 and argv[0] == "--parent-pid":
        parent = int(argv[1])
        argv = argv[2:]
    sys.argv = [sys.argv[0]] + argv
    level = "INFO"
    if "--logging_level" in argv:
        at = argv.index("--logging_level")
        if at + 1 < len(argv):
            level = argv[at + 1].upper()
    return parent, level


def open_channel():
    """Commands: a private copy of stdin, with fd 0 pointed at /dev/null. Replies: fd 3."""
    commands = os.fdopen(os.dup(0), "r", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.set_inheritable(REPLY_FD, False)  # a subprocess of the script must not write into the protocol
    replies = os.fdopen(REPLY_FD, "w", encoding="utf-8")
    return commands, replies


def setup_output(level):
    """Line-buffered, so a killed process has already written what it printed; logging goes to stdout
    because that is where Azure's batch logs put it (logs/user/stdout)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except (AttributeError, ValueError):
            pass
    known = logging.getLevelName(level)  # an int for a level name, a string for anything else
    logging.basicConfig(
        level=known if isinstance(known, int) else logging.INFO,
        stream=sys.stdout,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def is_own_frame(filename):
    return filename in OWN_FILES or filename.startswith("<frozen")


def describe(error):
    """The exception's last line(s) and its traceback without the driver's own leading frames."""
    if getattr(error, "nightshift_plain", False):
        return {"ok": False, "message": str(error)}
    message = "".join(traceback.format_exception_only(type(error), error)).strip()
    tb = error.__traceback__
    while tb is not None and is_own_frame(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    # A syntax error in the script has no frame of its own; keep the whole chain then.
    shown = tb if tb is not None else error.__traceback__
    text = "".join(traceback.format_exception(type(error), error, shown))
    return {"ok": False, "message": message, "traceback": text}


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ScriptError("The scoring script {} cannot be imported as a Python module.".format(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class ScriptScorer:
    """An Azure scoring script: init() once, run(mini_batch) per mini-batch."""

    def __init__(self, path, code_dir):
        if not os.path.isfile(path):
            raise ScriptError("The scoring script {} was not found.".format(path))
        for folder in (os.path.dirname(path), code_dir):
            if folder and folder not in sys.path:
                sys.path.insert(0, folder)
        module = load_module(path, os.path.splitext(os.path.basename(path))[0])
        self.run_function = getattr(module, "run", None)
        if not callable(self.run_function):
            raise ScriptError("The scoring script {} has no run(mini_batch) function.".format(path))
        init = getattr(module, "init", None)
        if callable(init):
            init()

    def run(self, files, output, summary_only):
        result = self.run_function(list(files))
        returned = append_row(result, output, summary_only)
        if returned > len(files):
            logging.getLogger("nightshift").warning(
                "run() returned %d rows for %d items; only %d count as succeeded.",
                returned,
                len(files),
                len(files),
            )
        succeeded = min(returned, len(files))
        failed = len(files) - succeeded
        # "rows" are the rows written to the part: none under summary_only, whatever run() returned.
        rows = 0 if summary_only else returned
        return {"ok": True, "succeeded": succeeded, "failed": failed, "rows": rows, "itemFailures": []}


def append_row(result, output, summary_only):
    """Writes `result` as Azure's append_row does and returns how many rows it holds."""
    pandas = sys.modules.get("pandas")  # a DataFrame can only come from an already imported pandas
    if isinstance(result, list):
        if not summary_only:
            with open(output, "a", encoding="utf-8") as f:
                for item in result:
                    f.write(str(item) + "\n")
        return len(result)
    if pandas is not None and isinstance(result, pandas.DataFrame):
        if not summary_only:
            result.to_csv(output, header=False, index=False, sep=" ", mode="a")
        return len(result.index)
    raise ScriptError(TYPE_MESSAGE.format(type(result)))


def output_size(path):
    """The bytes written for the worker to copy; an empty file is removed so it need not look."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return 0
    if size == 0:
        os.remove(path)
    return size


def create_scorer(command):
    os.environ.update(command.get("env") or {})
    if command.get("script"):
        return ScriptScorer(command["script"], command.get("codeDir"))
    if command.get("mlflow"):
        scorer = load_module(os.path.join(HERE, "mlflow_scorer.py"), "_nightshift_mlflow_scorer")
        return scorer.MlflowScorer(command["modelPath"], command["mlflow"])
    raise ScriptError("The driver was started without a scoring script or an MLflow model.")


def serve(commands, replies):
    scorer = None
    summary_only = False
    for line in commands:
        command = json.loads(line)
        op = command.get("op")
        if op == "exit":
            return
        try:
            if op == "init":
                summary_only = bool(command.get("summaryOnly"))
                scorer = create_scorer(command)
                reply = {"ok": True, "python": sys.version.split()[0]}
            elif op == "run":
                if scorer is None:
                    raise ScriptError("run was asked before init succeeded.")
                # `readAs` maps an input to a CSV copy the worker made of it (Parquet, which this
                # interpreter may have no engine for); only the MLflow scorer reads it.
                if command.get("readAs"):
                    reply = scorer.run(command["files"], command["output"], summary_only, command["readAs"])
                else:
                    reply = scorer.run(command["files"], command["output"], summary_only)
                reply["bytes"] = output_size(command["output"])
            else:
                raise ScriptError("Unknown driver command {!r}.".format(op))
        except BaseException as error:  # SystemExit from a script too: it fails the call, not the driver
            reply = describe(error)
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main():
    # Python put the driver's own folder first on the import path; the script must not see our modules.
    if sys.path and os.path.abspath(sys.path[0] or ".") == HERE:
        del sys.path[0]
    parent, level = take_arguments()
    die_with_parent(parent)
    commands, replies = open_channel()
    setup_output(level)
    try:
        serve(commands, replies)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # A script's non-daemon threads must not keep a finished driver alive.
        os._exit(0)


if __name__ == "__main__":
    main()
