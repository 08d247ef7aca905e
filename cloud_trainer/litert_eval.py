"""Evaluate an exported ``.tflite`` file exactly as a store device runs it.

Metrics reported for a TFLite model come from this module: it loads the file
in the LiteRT interpreter (no TensorFlow involved), builds the inputs with the
bundle's :class:`~edge.bundle.FeatureSpec` (the same encoding the device uses)
and ranks with :func:`edge.bundle.topk`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from cloud_trainer.dataset import EvalCase, PreparedData
from edge.bundle import FeatureSpec, topk

try:  # the LiteRT wheel; tflite_runtime is the older name of the same interpreter
    from ai_edge_litert.interpreter import Interpreter
except ImportError:  # pragma: no cover - depends on what the machine has installed
    from tflite_runtime.interpreter import Interpreter  # type: ignore[no-redef]


def make_interpreter(path: Path | str, num_threads: int = 1) -> Any:
    """A LiteRT interpreter with tensors allocated, ready to invoke."""
    interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
    interpreter.allocate_tensors()
    return interpreter


def tensor_names(path: Path | str) -> tuple[dict[str, str], str]:
    """``({"history": name, "context": name}, output_name)`` read from a ``.tflite`` file.

    The converter picks tensor names. Both inputs are int32 and may even have
    the same width, so they are told apart by the argument names the exporter
    gave them, which survive inside the converted names
    (e.g. ``serving_default_history:0``).
    """
    interpreter = make_interpreter(path)
    inputs: dict[str, str] = {}
    for detail in interpreter.get_input_details():
        name = detail["name"]
        for logical in ("history", "context"):
            if logical in name:
                inputs[logical] = name
    if set(inputs) != {"history", "context"}:
        raise ValueError(f"{path}: cannot tell history/context inputs apart in {inputs}")
    outputs = interpreter.get_output_details()
    if len(outputs) != 1:
        raise ValueError(f"{path}: expected one output tensor, found {len(outputs)}")
    return inputs, outputs[0]["name"]


class TFLiteScorer:
    """Runs one ``.tflite`` scoring model for single shoppers, as a device does."""

    def __init__(self, path: Path | str, spec: FeatureSpec, num_threads: int = 1) -> None:
        self.path = Path(path)
        self.spec = spec
        self.interpreter = make_interpreter(self.path, num_threads)
        by_name = {d["name"]: d["index"] for d in self.interpreter.get_input_details()}
        try:
            self._inputs = {k: by_name[v] for k, v in spec.input_tensors.items()}
        except KeyError as exc:
            raise ValueError(f"{self.path}: no input tensor {exc} (has {sorted(by_name)})") from exc
        outputs = {d["name"]: d["index"] for d in self.interpreter.get_output_details()}
        if spec.output_tensor not in outputs:
            raise ValueError(f"{self.path}: no output tensor {spec.output_tensor!r}")
        self._output = outputs[spec.output_tensor]

    def scores(self, history: np.ndarray, context: np.ndarray) -> np.ndarray:
        """Scores ``[num_items]`` for one encoded shopper (``[1,H]``, ``[1,C]``)."""
        self.interpreter.set_tensor(self._inputs["history"], history)
        self.interpreter.set_tensor(self._inputs["context"], context)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self._output)[0]

    def scores_for(self, history: list[int] | np.ndarray, context: dict[str, Any]) -> np.ndarray:
        enc = self.spec.encode(list(history), context)
        return self.scores(enc["history"], enc["context"])


class TFLiteRecommender:
    """A :class:`~cloud_trainer.dataset.Recommender` backed by a ``.tflite`` file."""

    def __init__(self, path: Path | str, spec: FeatureSpec, name: str) -> None:
        self.name = name
        self.scorer = TFLiteScorer(path, spec)

    def fit(self, data: PreparedData) -> None:
        """Nothing to learn: the file is the model."""

    def recommend(self, cases: list[EvalCase], k: int) -> np.ndarray:
        out = np.empty((len(cases), k), dtype=np.int64)
        for i, case in enumerate(cases):
            out[i] = topk(self.scorer.scores_for(case.history, case.context), k)
        return out
