"""End to end on a small synthetic shop: train -> export -> bundle -> LiteRT -> same top-K.

The synthetic shop has clear structure a working model must find: every
shopper has a home department they mostly buy from and a few staple items they
re-buy, so both the context/taste path and the repeat signal are exercised.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cloud_trainer.dataset import EvalCase, PreparedData

pytestmark = pytest.mark.slow

N_ITEMS, N_DEPTS, N_USERS = 50, 5, 40


def synthetic_data(seed: int = 0) -> PreparedData:
    """~50 items in 5 departments, 40 shoppers with a home department and staples."""
    rng = np.random.default_rng(seed)
    dept_of = np.arange(N_ITEMS) % N_DEPTS
    departments = [f"dept{d}" for d in range(N_DEPTS)]
    items = pd.DataFrame(
        {
            "item_id": [f"sku{i:03d}" for i in range(N_ITEMS)],
            "name": [f"Item {i}" for i in range(N_ITEMS)],
            "category": [f"cat{i % 10}" for i in range(N_ITEMS)],
            "department": [departments[d] for d in dept_of],
            "brand": "acme",
            "price": np.round(1 + (np.arange(N_ITEMS) % 7) * 0.75, 2),
            "price_band": np.arange(N_ITEMS) % 3,
        }
    )
    ages = ["18-34", "35-54", "55+"]
    users = pd.DataFrame(
        {"user_id": [f"u{u}" for u in range(N_USERS)], "age": [ages[u % 3] for u in range(N_USERS)]}
    )
    home = np.arange(N_USERS) % N_DEPTS
    staples = [rng.choice(np.flatnonzero(dept_of == home[u]), 3, replace=False) for u in range(N_USERS)]

    def basket(u: int) -> list[int]:
        size = int(rng.integers(1, 4))
        out = []
        for _ in range(size):
            if rng.random() < 0.5:
                out.append(int(rng.choice(staples[u])))
            else:
                out.append(int(rng.choice(np.flatnonzero(dept_of == home[u]))))
        return out

    rows, later = [], {}
    t0 = pd.Timestamp("2026-01-01")
    for u in range(N_USERS):
        for b in range(10):
            ts = t0 + pd.Timedelta(days=b * 3, hours=int(rng.integers(8, 20)))
            for item in basket(u):
                rows.append(
                    {
                        "user_id": f"u{u}",
                        "item_idx": item,
                        "timestamp": ts,
                        "event_type": "purchase",
                        "quantity": 1,
                        "price": float(items.price[item]),
                        "basket_id": f"b{u}_{b}",
                        "department": departments[dept_of[item]],
                        "hour": str(ts.hour),
                        "weekday": str(ts.weekday()),
                        "age": users.age[u],
                    }
                )
        later[u] = sorted({i for _ in range(2) for i in basket(u)})
    train = pd.DataFrame(rows)
    counts = np.bincount(train.item_idx, minlength=N_ITEMS)
    items["popularity"] = counts / counts.max()

    def cases(us: range) -> list[EvalCase]:
        out = []
        for u in us:
            hist = train[train.user_id == f"u{u}"].sort_values("timestamp")
            out.append(
                EvalCase(
                    user_id=f"u{u}",
                    history=hist.item_idx.to_numpy(),
                    history_baskets=[g.item_idx.to_numpy() for _, g in hist.groupby("basket_id")],
                    context={"hour": "12", "weekday": "2", "age": users.age[u]},
                    targets=np.array(later[u]),
                    segment={"anonymous": False},
                )
            )
        d = int(home[us[0]])
        out.append(
            EvalCase(
                user_id=None,
                history=np.array([], dtype=np.int64),
                history_baskets=[],
                context={"department": departments[d], "hour": "12"},
                targets=np.flatnonzero(dept_of == d),
                segment={"anonymous": True},
            )
        )
        return out

    return PreparedData(
        name="synthetic",
        items=items,
        users=users,
        train=train,
        val_cases=cases(range(0, N_USERS, 2)),
        test_cases=cases(range(1, N_USERS, 2)),
        context_fields={
            "department": departments,
            "hour": [str(h) for h in range(24)],
            "weekday": [str(d) for d in range(7)],
            "age": ages,
        },
        fingerprint="synthetic-0",
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from cloud_trainer.export import export_tflite
    from cloud_trainer.model import TrainConfig, train_model

    data = synthetic_data()
    cfg = TrainConfig(
        history_length=12, dim=16, history_dim=8, hidden=32, batch_size=64, num_negatives=32,
        epochs=15, max_steps=0, patience=4, verbose=0, representative_size=100,
    )
    trained = train_model(data, cfg)
    out = tmp_path_factory.mktemp("export")
    return {"data": data, "trained": trained, "export": export_tflite(trained, data, out), "out": out}


def test_training_learns_the_shop(exported: dict) -> None:
    """The model must beat popularity on shoppers with a clear home department."""
    from cloud_trainer.model.train import encode_cases, ranking_metrics

    data, trained = exported["data"], exported["trained"]
    assert trained.history["loss"][-1] < trained.history["loss"][0]
    assert "val_recall@20" in trained.history and trained.seconds > 0
    hist, ctx = encode_cases(trained.spec, data.test_cases)
    top = np.argsort(-trained.score(hist, ctx), axis=1)[:, :10]
    popular = np.argsort(-data.items.popularity.to_numpy(), kind="stable")[:10]
    targets = [c.targets for c in data.test_cases]
    model = ranking_metrics(top, targets, ks=(10,))["recall@10"]
    base = ranking_metrics(np.tile(popular, (len(targets), 1)), targets, ks=(10,))["recall@10"]
    assert model > base + 0.1, (model, base)


def test_float_tflite_matches_keras(exported: dict) -> None:
    """The exported float graph (frozen item matrix, one-hot repeat) equals the Keras model."""
    from cloud_trainer.litert_eval import TFLiteScorer
    from cloud_trainer.model.train import encode_cases

    data, trained, export = exported["data"], exported["trained"], exported["export"]
    hist, ctx = encode_cases(trained.spec, data.test_cases)
    keras_scores = trained.score(hist, ctx)
    scorer = TFLiteScorer(export.float_path, export.spec)
    lite = np.stack([scorer.scores(hist[i : i + 1], ctx[i : i + 1]) for i in range(len(hist))])
    np.testing.assert_allclose(lite, keras_scores, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("zone_table", [True, False])
def test_fused_serving_graph_computes_the_reference_function(exported: dict, zone_table: bool,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped graph's rewrites (dedup by score/count, zone and context by one gather) change no score.

    Histories with repeated items, padding-only (anonymous) and full ones; every
    department of the context vocabulary, unknown (0) included. Both zone paths: the
    precomputed rows, and the item-by-item comparison a department vocabulary too large
    for that table gets (a fuzz set's 2,146 departments had made it 4.6 MB of 4.9).
    """
    import tensorflow as tf

    from cloud_trainer import export
    from cloud_trainer.export import reference_serving_function, serving_function

    trained = exported["trained"]
    spec = trained.spec
    assert trained.zone is not None and trained.repeat is not None
    if not zone_table:
        monkeypatch.setattr(export, "ZONE_ROWS_BUDGET", 0)
    fused, reference = serving_function(trained), reference_serving_function(trained)
    rng = np.random.default_rng(3)
    zone_field = next(i for i, f in enumerate(spec.context_fields) if f.name == "department")
    checked = 0
    for n in (0, 1, 3, spec.history_length):
        for _ in range(4):
            h = np.full((1, spec.history_length), spec.history_pad, dtype=np.int32)
            # Few distinct items so that most histories repeat some.
            picks = rng.choice(rng.integers(0, spec.num_items, 4), n).tolist()
            spec.fill_history(h, picks)
            for zone in range(len(spec.context_fields[zone_field].vocab)):
                c = np.array([[int(rng.integers(0, len(f.vocab))) for f in spec.context_fields]],
                             dtype=np.int32)
                c[0, zone_field] = zone
                got = fused(tf.constant(h), tf.constant(c))[0].numpy()
                want = reference(tf.constant(h), tf.constant(c))[0].numpy()
                np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
                checked += 1
    assert checked >= 16


def test_shipped_int8_is_as_close_to_float_as_the_per_field_export(exported: dict, tmp_path) -> None:
    """The shipped int8 file keeps the history pooling and the repeat signal in float
    (no [H, H] block, no int8 pass over the catalogue for the repeat scores), so its
    scores are no longer bit-identical to the export before it (zone as EQUAL + SELECT,
    a slice + gather per context field, the [H, H] repeat block in an int8 graph).
    What it guarantees instead, on every test case: it is at least as close to the
    float Keras model as that export (mean and max absolute score error), and it
    ranks the same way (top-10 overlap >= 0.9 with it, and with the float model no
    lower than its)."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    from cloud_trainer.export import _signature, convert_int8
    from cloud_trainer.litert_eval import TFLiteScorer
    from cloud_trainer.model.train import encode_cases
    from edge.bundle import topk

    data, trained, export = exported["data"], exported["trained"], exported["export"]
    items = tf.constant(trained.item_matrix())
    bias = trained.scorer.bias

    @tf.function(input_signature=_signature(trained))
    def per_field(history: tf.Tensor, context: tf.Tensor) -> dict[str, tf.Tensor]:
        query = trained.query_tower(history, context, training=False)
        scores = tf.matmul(query, items, transpose_b=True) + bias[None, :]
        scores = scores + trained.repeat.export_dense(history)
        return {"scores": scores + trained.zone.export_boost(context)}

    old_path = tmp_path / "per_field_int8.tflite"
    old_path.write_bytes(convert_int8(convert_variables_to_constants_v2(per_field.get_concrete_function()),
                                      trained))
    hist, ctx = encode_cases(trained.spec, data.test_cases)
    keras_scores = trained.score(hist, ctx)
    shipped, old = TFLiteScorer(export.int8_path, export.spec), TFLiteScorer(old_path, export.spec)
    new_s = np.stack([shipped.scores(hist[i : i + 1], ctx[i : i + 1]).reshape(-1) for i in range(len(hist))])
    old_s = np.stack([old.scores(hist[i : i + 1], ctx[i : i + 1]).reshape(-1) for i in range(len(hist))])
    new_err, old_err = np.abs(new_s - keras_scores), np.abs(old_s - keras_scores)
    assert new_err.mean() <= old_err.mean() * 1.05, (new_err.mean(), old_err.mean())
    assert new_err.max() <= old_err.max() * 1.05, (new_err.max(), old_err.max())

    def overlap(x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean([len(set(topk(a, 10).tolist()) & set(topk(b, 10).tolist())) / 10
                              for a, b in zip(x, y, strict=True)]))

    assert overlap(new_s, old_s) >= 0.9, overlap(new_s, old_s)
    assert overlap(new_s, keras_scores) >= overlap(old_s, keras_scores) - 0.02


def test_int8_keeps_the_repeat_and_pooling_in_float(exported: dict) -> None:
    """No [H, H] comparison and one int8 ADD over the catalogue (the zone row): the
    ops the shipped graph was rewritten to avoid are not in the file."""
    from ai_edge_litert.interpreter import Interpreter

    export = exported["export"]
    interp = Interpreter(model_path=str(export.int8_path))
    ops = [op["op_name"] for op in interp._get_ops_details()]
    details = {d["index"]: d for d in interp.get_tensor_details()}
    assert "EQUAL" not in ops and "PACK" not in ops, ops
    n = export.spec.num_items
    int8_adds = [op for op in interp._get_ops_details() if op["op_name"] == "ADD"
                 and details[op["outputs"][0]]["shape"].size == 2
                 and details[op["outputs"][0]]["shape"][-1] == n
                 and details[op["outputs"][0]]["dtype"] == np.int8]
    assert len(int8_adds) == 1, int8_adds
    # The repeat counts scatter into a plain int8 [num_items + 1] buffer (H <= 127).
    scatters = [details[op["outputs"][0]] for op in interp._get_ops_details() if op["op_name"] == "SCATTER_ND"]
    assert [(d["dtype"], tuple(d["shape"])) for d in scatters if d["shape"][-1] == n + 1] == [(np.int8, (n + 1,))]


def test_int8_agrees_with_float_and_is_small(exported: dict) -> None:
    from cloud_trainer.litert_eval import TFLiteRecommender

    data, export = exported["data"], exported["export"]
    assert export.int8_bytes < export.float_bytes
    flt = TFLiteRecommender(export.float_path, export.spec, "float").recommend(data.test_cases, 10)
    q8 = TFLiteRecommender(export.int8_path, export.spec, "int8").recommend(data.test_cases, 10)
    overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(flt, q8, strict=True)])
    assert overlap >= 0.8, overlap


def test_zone_context_leads_with_that_department(exported: dict) -> None:
    """A screen in a department recommends that department, in the shipped int8 file."""
    from cloud_trainer.litert_eval import TFLiteScorer
    from edge.bundle import topk

    data, export = exported["data"], exported["export"]
    scorer = TFLiteScorer(export.int8_path, export.spec)
    dept_of = data.items["department"].to_numpy()
    for dept in ("dept1", "dept3"):
        top = topk(scorer.scores_for([], {"department": dept}), 10)
        assert (dept_of[top] == dept).sum() >= 8, (dept, dept_of[top])


def test_bundle_round_trip_runs_golden_cases(exported: dict) -> None:
    """A device-side load of the bundle reproduces every golden top-K in LiteRT."""
    from cloud_trainer.litert_eval import TFLiteScorer
    from cloud_trainer.packaging import build_bundle
    from edge.bundle import load_bundle, topk

    data, export, out = exported["data"], exported["export"], exported["out"]
    manifest = build_bundle(out, export, data, {"model_int8": {"recall@20": 0.5}}, "test-1")
    assert (out / "bundle.tar.gz").is_file()
    bundle = load_bundle(out / "bundle.tar.gz")
    assert bundle.manifest.model_version == "test-1" == manifest.model_version
    assert len(bundle.items) == N_ITEMS and bundle.spec.num_items == N_ITEMS
    assert any(not case.history for case in bundle.golden), "needs an anonymous golden case"
    assert (bundle.path / "model.tflite").read_bytes() == export.int8_path.read_bytes()
    scorer = TFLiteScorer(bundle.model_path, bundle.spec)
    for case in bundle.golden:
        scores = scorer.scores_for(case.history, case.context)
        got = topk(scores, len(case.expected_topk)).tolist()
        assert got == case.expected_topk
    spec_json = json.loads((bundle.path / "feature_spec.json").read_text())
    assert spec_json["context_fields"][0]["vocab"][0] == "<unk>"


def test_parity_gate() -> None:
    from cloud_trainer.export import ParityError, check_parity

    assert check_parity(0.200, 0.199) == pytest.approx(0.005)
    assert check_parity(0.200, 0.210) < 0
    with pytest.raises(ParityError, match="PARITY GATE FAILED"):
        check_parity(0.200, 0.195)
    with pytest.raises(ParityError):
        check_parity(0.0, 0.0)


def test_synthetic_data_is_well_formed() -> None:
    data = synthetic_data()
    assert data.train.item_idx.between(0, N_ITEMS - 1).all()
    assert len(data.val_cases) == N_USERS // 2 + 1
