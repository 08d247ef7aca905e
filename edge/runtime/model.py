"""Run the bundle's scoring model with LiteRT, and notice when it gets stuck.

The device never imports TensorFlow: the model runs in the LiteRT interpreter
(``ai-edge-litert``; the older ``tflite-runtime`` wheel works too). Tensor
indices are resolved once, by the names the bundle's feature spec records, so
a signal costs two ``set_tensor`` calls, one ``invoke`` and one ``get_tensor``
(the C++ wrapper's own methods: :func:`direct_calls`), or, for a caller that
needs a few items' scores (:meth:`Scorer.score_at`), a gather from a view of
the output buffer instead of the copy.

Before a model serves, :meth:`Scorer.smoke_test` replays the bundle's golden
inputs and compares the top-K with what the trainer saw after conversion: a
model that loads but scores differently (wrong file, broken op, different
runtime) is refused rather than served.

An inference that does not return is the one failure a try/except cannot
catch. :class:`InferenceWatchdog` watches the time the current ``invoke`` has
been running from another thread and reports it (a callback, a log line, a
counter); past a hard limit it ends the process so the service manager
restarts it, as Frigate does for a stuck detector.
"""

from __future__ import annotations

import logging
import os
import resource
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from edge.bundle import Bundle, BundleError, load_bundle
from edge.runtime.golden import SmokeResult, replay_golden

log = logging.getLogger(__name__)


def load_interpreter(
    model_path: str | Path | None = None, *, model_content: bytes | None = None, num_threads: int = 1
):
    """A LiteRT interpreter with tensors allocated.

    One thread: the device answers one signal at a time and shares two cores
    with the broker, so intra-op threads only add scheduling jitter.
    """
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # older devices ship the tflite-runtime wheel instead
        from tflite_runtime.interpreter import Interpreter  # type: ignore[no-redef]
    interp = Interpreter(
        model_path=str(model_path) if model_path is not None else None,
        model_content=model_content,
        num_threads=num_threads,
    )
    interp.allocate_tensors()
    return interp


def direct_calls(interp) -> tuple[Callable, Callable, Callable]:
    """``(set_tensor(index, array), invoke(), get_tensor(index, subgraph))`` of ``interp``,
    bound to the C++ wrapper's methods when the runtime exposes them.

    The public ``Interpreter`` methods are one Python frame each around the same C++
    calls, and ``invoke`` first checks that no numpy view of the interpreter's own
    buffers is alive (``tensor()``, which the device never calls): ~0.8 us of a
    ~21 us inference, measured (docs/performance-log.md, 2026-12-02 (d)). A runtime
    without that wrapper (another ``tflite-runtime`` build) gets the public methods.
    """
    # Only a real Interpreter's own attribute: a stand-in that delegates by __getattr__
    # (tests wrap invoke to simulate a stuck model) keeps its public methods.
    wrapper = vars(interp).get("_interpreter") if hasattr(interp, "__dict__") else None
    try:
        calls = (wrapper.SetTensor, wrapper.Invoke, wrapper.GetTensor)  # type: ignore[union-attr]
        calls[2](interp.get_output_details()[0]["index"], 0)  # the signature this code calls
    except (AttributeError, TypeError, ValueError):
        return interp.set_tensor, interp.invoke, lambda index, _subgraph: interp.get_tensor(index)
    return calls


def output_view(interp, get_tensor: Callable) -> Callable[[int], np.ndarray]:
    """``view(index)``: the output tensor as a numpy view of the interpreter's own
    buffer (the C++ wrapper's ``tensor``, what ``Interpreter.tensor(index)()`` returns),
    for a caller that reads a few values and drops the view before the next ``invoke``.
    ``get_tensor`` copies all of it: for the explore scorer, which reads its ~10 own
    items of an 18,307-item output, that copy (73 kB, a new array each time) cost 14.3
    us of thread CPU per inference inside the handling (2,890 inferences of
    ``benchmarks.handle_cpu --traffic real``, 06:31 UTC, load 1.2; ``invoke`` 62 us).
    A runtime without the wrapper (or a stand-in interpreter) gets ``get_tensor``'s copy."""
    wrapper = vars(interp).get("_interpreter") if hasattr(interp, "__dict__") else None
    tensor = getattr(wrapper, "tensor", None)
    if tensor is None or getattr(wrapper, "GetTensor", None) is None or get_tensor != wrapper.GetTensor:
        return lambda index: get_tensor(index, 0)
    return lambda index: tensor(wrapper, index)


class Scorer:
    """Scores every catalogue item for one shopper in one context."""

    fresh_output = True
    """:meth:`score` returns an array nobody else holds (``get_tensor`` copies the
    output tensor), so a caller that keeps it need not copy it again."""

    def __init__(self, bundle: Bundle, *, num_threads: int = 1) -> None:
        self.bundle = bundle
        self.spec = bundle.spec
        try:
            self._interp = load_interpreter(bundle.model_path, num_threads=num_threads)
        except (ValueError, RuntimeError, OSError) as exc:
            raise BundleError(f"{bundle.model_path}: LiteRT cannot load the model ({exc})") from exc
        inputs = {d["name"]: d for d in self._interp.get_input_details()}
        outputs = {d["name"]: d for d in self._interp.get_output_details()}
        try:
            hist = inputs[self.spec.input_tensors["history"]]
            ctx = inputs[self.spec.input_tensors["context"]]
            out = outputs[self.spec.output_tensor]
        except KeyError as exc:
            raise BundleError(
                f"{bundle.model_path}: tensor {exc} named in feature_spec.json not in the model "
                f"(inputs {sorted(inputs)}, outputs {sorted(outputs)})"
            ) from None
        expected = {
            "history": (1, self.spec.history_length),
            "context": (1, len(self.spec.context_fields)),
        }
        for logical, detail in (("history", hist), ("context", ctx)):
            if tuple(detail["shape"]) != expected[logical] or detail["dtype"] != np.int32:
                raise BundleError(
                    f"{bundle.model_path}: input {logical} is {detail['dtype'].__name__}"
                    f"{tuple(detail['shape'])}, contract says int32{expected[logical]}"
                )
        if tuple(out["shape"]) != (1, self.spec.num_items):
            raise BundleError(
                f"{bundle.model_path}: output shape {tuple(out['shape'])}, "
                f"contract says (1, {self.spec.num_items})"
            )
        self._hist_index = hist["index"]
        self._ctx_index = ctx["index"]
        self._out_index = out["index"]
        # Reused input buffers: no per-signal allocation for the model inputs.
        self._hist = np.full((1, self.spec.history_length), self.spec.history_pad, dtype=np.int32)
        self._ctx = np.zeros((1, len(self.spec.context_fields)), dtype=np.int32)
        self.busy_since: float | None = None
        """Monotonic time the running inference started, None when idle (read by the watchdog)."""
        self.inferences = 0
        self.inference_s_total = 0.0
        self.sampled = 0
        """Inferences whose thread CPU time was measured too (one in :attr:`SAMPLE_EVERY`)."""
        self.sampled_wall_s = 0.0
        self.sampled_cpu_s = 0.0
        self.sampled_preempted = 0
        """Sampled inferences during which the OS took the CPU away (involuntary switch)."""
        self.sampled_waited = 0
        """Sampled inferences that blocked (voluntary switch: a lock, the GIL at the end)."""

    @property
    def _interp(self):
        return self._interpreter

    @_interp.setter
    def _interp(self, interp) -> None:
        # The calls score() makes follow the interpreter (tests swap in a slow one).
        self._interpreter = interp
        self._set_tensor, self._invoke, self._get_tensor = direct_calls(interp)
        self._view = output_view(interp, self._get_tensor)

    SAMPLE_EVERY = 16
    """One inference in this many also reads the thread's CPU clock and context-switch
    counts (four system calls, ~4 us here: too dear for every inference). Wall time
    well above CPU time means the inference waited for a CPU; CPU time well above the
    warm benchmark means it ran with cold caches."""

    @property
    def model_version(self) -> str:
        return self.bundle.model_version

    def padded_history(self, history: Sequence[int]) -> np.ndarray:
        """``history`` as the model's history input (a new ``[1, history_length]`` int32
        row, :meth:`FeatureSpec.fill_history`'s layout), for :meth:`score`'s ``padded``."""
        row = np.empty((1, self.spec.history_length), dtype=np.int32)
        self.spec.fill_history(row, history)
        return row

    def score(self, history: Sequence[int], context: Sequence[int], *,
              padded: np.ndarray | None = None) -> np.ndarray:
        """Scores ``[num_items]`` for item indices ``history`` (oldest first) and
        encoded ``context`` (one vocabulary index per context field). ``padded``: the
        history already as the model's input row (:meth:`padded_history` of this
        ``history``: a caller scoring one history in several contexts keeps it)."""
        return self._run(history, context, padded, None)

    def score_at(self, history: Sequence[int], context: Sequence[int], items: np.ndarray, *,
                 padded: np.ndarray | None = None) -> np.ndarray:
        """``score(history, context, padded=padded)[items]`` (float32, the same values)
        gathered from the output tensor in place: only ``items`` are copied, not the
        whole catalogue's scores (:func:`output_view`)."""
        return self._run(history, context, padded, items)

    def _run(self, history: Sequence[int], context: Sequence[int], padded: np.ndarray | None,
             items: np.ndarray | None) -> np.ndarray:
        if padded is None:
            hist = self._hist
            self.spec.fill_history(hist, history)
        else:
            hist = padded
        self._ctx[0, :] = context
        sample = self.inferences % self.SAMPLE_EVERY == 0
        if sample:
            usage0, cpu0 = resource.getrusage(resource.RUSAGE_THREAD), time.thread_time()
        start = time.monotonic()
        self.busy_since = start
        try:
            self._set_tensor(self._hist_index, hist)
            self._set_tensor(self._ctx_index, self._ctx)
            self._invoke()
            if items is None:
                out = self._get_tensor(self._out_index, 0)[0]
            else:  # the gather copies; the view of the buffer is gone before the next invoke
                out = self._view(self._out_index)[0][items]
        finally:
            self.busy_since = None
        wall = time.monotonic() - start
        self.inferences += 1
        self.inference_s_total += wall
        if sample:
            cpu, usage = time.thread_time() - cpu0, resource.getrusage(resource.RUSAGE_THREAD)
            self.sampled += 1
            self.sampled_wall_s += wall
            self.sampled_cpu_s += cpu
            self.sampled_preempted += usage.ru_nivcsw > usage0.ru_nivcsw
            self.sampled_waited += usage.ru_nvcsw > usage0.ru_nvcsw
        return out

    def timing(self) -> dict[str, float | int | None]:
        """The LiteRT call's own figures (set_tensor, invoke, get_tensor) for the status page."""
        n, s = self.inferences, self.sampled
        return {
            "inferences": n,
            "wall_us_mean": round(self.inference_s_total / n * 1e6, 1) if n else None,
            "sampled": s,
            "sampled_wall_us_mean": round(self.sampled_wall_s / s * 1e6, 1) if s else None,
            "sampled_cpu_us_mean": round(self.sampled_cpu_s / s * 1e6, 1) if s else None,
            "preempted_share": round(self.sampled_preempted / s, 3) if s else None,
            "blocked_share": round(self.sampled_waited / s, 3) if s else None,
        }

    def encode_context(self, context: Mapping[str, object]) -> tuple[int, ...]:
        return self.spec.context_indices(context)

    def smoke_test(self) -> SmokeResult:
        """Replay the golden cases; a case fails when its top-K differs from the trainer's."""
        return replay_golden(self)


def load_scorer(bundle_path: Path, *, smoke_test: bool = True) -> Scorer:
    """Load, verify (manifest hashes) and smoke-test a bundle. Raises :class:`BundleError`.

    The manifest's optional ``scorer`` field picks what runs (the TFLite model, or a
    numpy scorer kind from :mod:`edge.runtime.scorers` with the same interface).
    """
    from edge.runtime.scorers import build_scorer

    bundle = load_bundle(bundle_path, verify=True)
    scorer = build_scorer(bundle, Scorer)
    if smoke_test:
        result = scorer.smoke_test()
        if not result.ok:
            raise BundleError(f"{bundle.path}: golden smoke test failed: {'; '.join(result.failures)}")
        log.info("bundle %s: %d golden cases pass", bundle.model_version, result.cases)
    return scorer


class InferenceWatchdog:
    """A thread that notices an inference running for too long.

    ``stuck_after_s`` is far above a real inference (well under a millisecond)
    yet short enough for an operator to see a frozen screen explained. After
    ``exit_after_s`` the process exits with status 70 so systemd restarts it:
    a Python thread stuck in native code cannot be interrupted any other way.
    """

    def __init__(
        self,
        scorer: Scorer,
        *,
        stuck_after_s: float = 1.0,
        exit_after_s: float | None = 30.0,
        on_stuck: Callable[[float], None] | None = None,
        interval_s: float = 0.1,
        exit_fn: Callable[[int], None] = os._exit,
    ) -> None:
        self.scorer = scorer
        self.stuck_after_s = stuck_after_s
        self.exit_after_s = exit_after_s
        self.on_stuck = on_stuck
        self.interval_s = interval_s
        self.exit_fn = exit_fn
        self.stuck_events = 0
        self._reported_for: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="inference-watchdog", daemon=True)

    def start(self) -> InferenceWatchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def check(self, now: float | None = None) -> float | None:
        """One watchdog tick: returns how long the current inference has been stuck, if it is."""
        started = self.scorer.busy_since
        if started is None:
            return None
        running = (now if now is not None else time.monotonic()) - started
        if running < self.stuck_after_s:
            return None
        if self._reported_for != started:
            self._reported_for = started
            self.stuck_events += 1
            log.error("inference stuck for %.1fs (model %s)", running, self.scorer.model_version)
            if self.on_stuck is not None:
                try:
                    self.on_stuck(running)
                except Exception:  # the watchdog must outlive a broken reporter
                    log.exception("watchdog report failed")
        if self.exit_after_s is not None and running >= self.exit_after_s:
            log.critical("inference stuck for %.1fs: exiting so the supervisor restarts us", running)
            self.exit_fn(70)
        return running

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.check()
