"""CPU and wall time of the trainer's non-TensorFlow phases on Complete Journey.

On a shared machine the whole ``cloud-trainer train`` wall time is mostly
waiting for a CPU (the model fits run a fixed number of steps, so their CPU
time is steady but their wall time follows the load). This times, in one
process, the phases
whose cost is the trainer's own code: every baseline's fit (tuning grids
included) + test and validation scoring exactly as the pipeline runs them,
and, given a finished run's directory, the repeat/explore gate fit on its
int8 file.

    python -m benchmarks.trainer_phases [--data-dir ../shared/data/completejourney] [--run OUT]

The last line is one JSON object: per phase ``[wall_s, cpu_s]``, the chosen
gate, and the machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.trainer_phases", description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "completejourney")
    ap.add_argument("--run", type=Path, help="a finished `cloud-trainer train --out` directory (gate fit)")
    args = ap.parse_args(argv)

    from cloud_trainer.baselines import all_baselines
    from cloud_trainer.data import load_dataset
    from cloud_trainer.evaluation import evaluate
    from cloud_trainer.pipeline import score
    from cloud_trainer.processing import prepare

    load_before = os.getloadavg()
    out: dict[str, object] = {}
    w, c = _clock()
    data = prepare(load_dataset("completejourney", data_dir=args.data_dir), seed=42)
    w2, c2 = _clock()
    out["load_prepare"] = [round(w2 - w, 2), round(c2 - c, 2)]
    val = [x for x in data.val_cases if not x.segment.get("masked")]
    w0, c0 = _clock()
    for system in all_baselines():
        w, c = _clock()
        system.fit(data)
        score(system, data)
        evaluate(system, val, None)
        w2, c2 = _clock()
        out[system.name] = [round(w2 - w, 2), round(c2 - c, 2)]
    w1, c1 = _clock()
    out["baselines"] = [round(w1 - w0, 2), round(c1 - c0, 2)]
    if args.run is not None:
        from cloud_trainer.champion import _LiteRTModel
        from cloud_trainer.gate import fit_gate
        from edge.bundle import load_bundle

        spec = load_bundle(args.run / "bundle", verify=False).spec
        model = _LiteRTModel(args.run / "models" / "model_int8.tflite", spec)
        cases = [x for x in val if len(x.history)]
        w, c = _clock()
        gate_w, head, _ = fit_gate(model, cases, spec)
        w2, c2 = _clock()
        out["gate_fit"] = [round(w2 - w, 2), round(c2 - c, 2)]
        out["gate"] = {"w": gate_w, "own_tail": head}
    out["load"] = [load_before, os.getloadavg()]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
