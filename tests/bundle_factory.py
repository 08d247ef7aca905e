"""Build a tiny but real model bundle for tests, with TensorFlow (tests only).

The model honours the bundle contract exactly (int32 ``history [1,H]`` and
``context [1,C]`` in, float32 ``scores [1,N]`` out) and is converted with the
same TFLite converter the trainer uses, so the device code under test loads it
through LiteRT exactly as it loads a trained bundle. Weights are seeded random
embeddings plus an item bias, so scores are deterministic and depend on both
the history and the context (a test can see a shopper's history move the
ranking). Golden cases are computed by running the converted model in LiteRT,
as the trainer does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.bundle import ContextField, FeatureSpec, GoldenCase, Item, topk, write_bundle

DEPARTMENTS = ("PRODUCE", "DELI", "GROCERY", "DRUG GM")
NUM_ITEMS = 48
HISTORY_LENGTH = 8
EMBED_DIM = 8
CATEGORIES_PER_DEPARTMENT = 3


def make_items(num_items: int = NUM_ITEMS) -> list[Item]:
    """A small catalogue: items cycle through departments, 3 categories each."""
    items = []
    for i in range(num_items):
        dept = DEPARTMENTS[i % len(DEPARTMENTS)]
        cat = f"{dept} CAT{(i // len(DEPARTMENTS)) % CATEGORIES_PER_DEPARTMENT}"
        items.append(
            Item(
                item_id=f"P{i:03d}",
                name=f"Product {i}",
                category=cat,
                department=dept,
                price=round(1.0 + (i % 7) * 0.75, 2),
                price_band=i % 3,
                popularity=float((i * 37) % 100) / 100.0,
            )
        )
    return items


def context_fields(departments: tuple[str, ...] = DEPARTMENTS) -> list[ContextField]:
    return [
        ContextField("department", ["<unk>", *departments]),
        ContextField("hour", ["<unk>", *[str(h) for h in range(24)]]),
        ContextField("weekday", ["<unk>", *[str(d) for d in range(7)]]),
    ]


def build_bundle(
    out_dir: Path, *, seed: int = 7, num_items: int = NUM_ITEMS, items: list[Item] | None = None,
    serving_tf: Path | None = None,
) -> Path:
    """Write a bundle to ``out_dir`` and return its path (``items``: a real catalogue to use;
    ``serving_tf``: also save the model's ``tf.function`` there as a SavedModel, as the
    trainer does for ``edge-device check-bundle --tf-model``)."""
    import tensorflow as tf  # tests only: edge/ never imports TensorFlow

    from edge.runtime.model import load_interpreter  # the device's own loader

    rng = np.random.default_rng(seed)
    if items is not None:
        num_items = len(items)
    catalogue = items or make_items(num_items)
    fields = context_fields(tuple(sorted({it.department for it in catalogue})))
    pad = num_items
    item_emb = rng.normal(0, 1, (num_items + 1, EMBED_DIM)).astype(np.float32)
    item_emb[pad] = 0.0
    out_emb = rng.normal(0, 1, (num_items, EMBED_DIM)).astype(np.float32)
    bias = np.linspace(1.0, 0.0, num_items, dtype=np.float32)
    ctx_tables = [rng.normal(0, 0.5, (len(f.vocab), EMBED_DIM)).astype(np.float32) for f in fields]

    item_emb_t = tf.constant(item_emb)
    out_emb_t = tf.constant(out_emb)
    bias_t = tf.constant(bias)
    ctx_t = [tf.constant(t) for t in ctx_tables]

    @tf.function(
        input_signature=[
            tf.TensorSpec([1, HISTORY_LENGTH], tf.int32, name="history"),
            tf.TensorSpec([1, len(fields)], tf.int32, name="context"),
        ]
    )
    def score(history: tf.Tensor, context: tf.Tensor) -> dict[str, tf.Tensor]:
        emb = tf.gather(item_emb_t, history)  # [1,H,D]; pad rows are zero
        valid = tf.cast(tf.not_equal(history, pad), tf.float32)[..., None]
        user = tf.reduce_sum(emb * valid, axis=1) / (tf.reduce_sum(valid, axis=1) + 1.0)
        for j, table in enumerate(ctx_t):
            user = user + tf.gather(table, context[:, j])
        scores = tf.matmul(user, out_emb_t, transpose_b=True) + bias_t
        return {"scores": scores}

    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [score.get_concrete_function()], score
    )
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    model_bytes = converter.convert()
    if serving_tf is not None:
        tf.saved_model.save(tf.Module(), str(serving_tf), signatures={"serving_default": score.get_concrete_function()})

    interp = load_interpreter(model_content=model_bytes)
    ins = {d["name"]: d for d in interp.get_input_details()}
    hist_name = next(n for n in ins if "history" in n)
    ctx_name = next(n for n in ins if "context" in n)
    out_name = interp.get_output_details()[0]["name"]
    spec = FeatureSpec(
        num_items=num_items,
        history_length=HISTORY_LENGTH,
        history_pad=pad,
        context_fields=fields,
        input_tensors={"history": hist_name, "context": ctx_name},
        output_tensor=out_name,
        normalisation={"timezone": "UTC"},
    )

    cases_in = [
        ([], {}),
        ([3, 5, 7], {"department": "PRODUCE", "hour": "17"}),
        ([11, 12], {"department": "DELI", "weekday": "2"}),
        ([1] * 10, {"department": "GROCERY", "hour": "9", "weekday": "5"}),
    ]
    golden = []
    for history, ctx in cases_in:
        enc = spec.encode(history, ctx)
        interp.set_tensor(ins[hist_name]["index"], enc["history"])
        interp.set_tensor(ins[ctx_name]["index"], enc["context"])
        interp.invoke()
        out = interp.get_tensor(interp.get_output_details()[0]["index"])
        golden.append(
            GoldenCase(history=history, context=ctx, expected_topk=topk(out[0], 10).tolist())
        )

    write_bundle(
        out_dir,
        model_bytes=model_bytes,
        items=catalogue,
        spec=spec,
        golden=golden,
        model_version=f"test-{seed}",
        dataset_fingerprint="synthetic",
        metrics={},
        make_tarball=False,
    )
    return out_dir
