"""Training-procedure options of the network: own-item loss, weight averaging, LR schedule.

Small synthetic shop (the export test's), a few seconds of training at most.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from test_model_export import synthetic_data

from cloud_trainer.model import TrainConfig, train_model
from cloud_trainer.model.train import (
    RankingMetrics,
    WeightAverage,
    _learning_rate,
    build_spec,
    build_training_examples,
    encode_cases,
)

TINY = dict(
    history_length=12, dim=16, history_dim=8, hidden=32, batch_size=64, num_negatives=32,
    epochs=1, max_steps=0, patience=4, verbose=0, representative_size=10,
)


@pytest.mark.parametrize("temperature", [1.0, 2.0])
def test_own_item_loss_is_the_softmax_over_the_shoppers_own_items(temperature: float) -> None:
    """The auxiliary loss is the full model's log-likelihood of the target among the
    shopper's distinct history items (scores divided by the temperature), averaged over
    the examples that re-buy."""
    data = synthetic_data()
    cfg = TrainConfig(**TINY, own_loss_weight=1.0, own_loss_temperature=temperature)
    trained = train_model(data, cfg)
    assert np.isfinite(trained.history["loss"]).all()
    ex = build_training_examples(data, trained.spec, cfg, np.random.default_rng(0))
    hist, ctx, target, weight = ex.history[:200], ex.context[:200].copy(), ex.target[:200], ex.weight[:200]
    ctx[:, [f.name for f in trained.spec.context_fields].index("department")] = 0  # no zone boost
    model = trained.model
    query = model.query_tower(hist, ctx, training=False)
    _, repeat, keep = model.repeat.slots(tf.constant(hist))
    got = float(model._own_loss(
        tf.constant(hist), query, tf.constant(target), tf.reshape(repeat, hist.shape), keep,
        tf.constant(weight)))

    scores = trained.score(hist, ctx)  # the served function: network + bias + repeat
    losses, weights = [], []
    for row in range(len(target)):
        own = np.unique(hist[row][hist[row] != trained.spec.history_pad])
        if target[row] not in own:
            continue
        s = scores[row, own] / temperature
        losses.append(np.log(np.exp(s - s.max()).sum()) + s.max() - scores[row, target[row]] / temperature)
        weights.append(weight[row])
    assert len(losses) > 20  # the synthetic shoppers re-buy staples
    want = float(np.average(losses, weights=weights))
    assert got == pytest.approx(want, rel=1e-4)


def test_weight_average_leaves_the_debiased_moving_average_in_the_model() -> None:
    """After fit the model holds m-weighted averages of every step's raw weights,
    divided by 1 - m^t, and each epoch still trained from the raw weights."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    raw: list[list[np.ndarray]] = []
    starts: list[list[np.ndarray]] = []

    class Record(keras.callbacks.Callback):  # runs after WeightAverage in every hook
        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            starts.append([np.asarray(v) for v in self.model.trainable_variables])

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            raw.append([np.asarray(v) for v in self.model.trainable_variables])

    x = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)
    momentum = 0.8
    model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0,
              callbacks=[WeightAverage(momentum), Record()])
    assert len(raw) == 24
    average = [np.zeros_like(w) for w in raw[0]]
    for step in raw:
        average = [momentum * a + (1 - momentum) * w for a, w in zip(average, step, strict=True)]
    final = [np.asarray(v) for v in model.trainable_variables]
    for got, avg, last in zip(final, average, raw[-1], strict=True):
        np.testing.assert_allclose(got, avg / (1 - momentum ** len(raw)), rtol=1e-5, atol=1e-6)
        assert not np.allclose(got, last)  # the average, not the last raw weights
    # Epochs 2 and 3 started from the previous epoch's raw weights, not its average.
    for epoch in (1, 2):
        for start, last in zip(starts[epoch], raw[8 * epoch - 1], strict=True):
            np.testing.assert_array_equal(start, last)


def test_cosine_schedule_warms_up_then_decays_to_zero() -> None:
    lr = _learning_rate(TrainConfig(lr_schedule="cosine", warmup_steps=10, learning_rate=2e-3), 110)
    assert float(lr(0)) == pytest.approx(0.0)
    assert float(lr(10)) == pytest.approx(2e-3)
    assert float(lr(60)) == pytest.approx(1e-3, rel=1e-3)
    assert float(lr(110)) == pytest.approx(0.0, abs=1e-9)
    assert _learning_rate(TrainConfig(), 110) == 1e-3
    with pytest.raises(ValueError, match="lr_schedule.*'step'"):
        _learning_rate(TrainConfig(lr_schedule="step"), 110)


def test_training_examples_weigh_half_as_much_per_half_life_before_the_end_of_train() -> None:
    """recency_half_life_days: an example's weight halves for every half-life its basket
    lies before the last train purchase (normalised to a mean of 1); anonymous copies
    keep the weight of the purchase they copy."""
    data = synthetic_data()
    cfg = TrainConfig(**TINY, recency_half_life_days=9.0, anonymous_fraction=0.0)
    spec = build_spec(data, cfg.history_length)
    ex = build_training_examples(data, spec, cfg, np.random.default_rng(0))
    target, weight = ex.target, ex.weight
    tr = data.train.sort_values(["user_id", "timestamp", "basket_id"], kind="stable")
    age_days = (tr["timestamp"].max() - tr["timestamp"]).dt.total_seconds().to_numpy() / 86400
    want = 0.5 ** (age_days / 9.0)
    np.testing.assert_array_equal(target, tr["item_idx"].to_numpy())
    np.testing.assert_allclose(weight, want / want.mean(), rtol=1e-6)
    assert weight.max() / weight.min() > 2 ** (25 / 9)  # baskets span 27 days

    anon = TrainConfig(**TINY, recency_half_life_days=9.0, anonymous_fraction=0.5)
    a_weight = build_training_examples(data, spec, anon, np.random.default_rng(0)).weight
    n = len(target)
    np.testing.assert_allclose(a_weight[:n], weight, rtol=1e-6)
    assert set(np.round(a_weight[n:], 5)) <= set(np.round(weight, 5))


def test_each_example_is_queried_with_the_shoppers_items_from_earlier_baskets_only() -> None:
    """Every purchase is queried with the shopper's last ``history_length`` items bought
    before its basket (oldest first, left-padded); anonymous copies with none. The
    histories are stored once per basket, and ``history`` reads back the same rows as
    building them line by line would."""
    data = synthetic_data()
    cfg = TrainConfig(**TINY, anonymous_fraction=0.25)
    spec = build_spec(data, cfg.history_length)
    ex = build_training_examples(data, spec, cfg, np.random.default_rng(0))
    tr = data.train.sort_values(["user_id", "timestamp", "basket_id"], kind="stable").reset_index(drop=True)
    n, hlen, pad = len(tr), cfg.history_length, spec.history_pad
    want = np.full((n, hlen), pad, dtype=np.int32)
    for (user, _), rows in tr.groupby(["user_id", "basket_id"], sort=False).groups.items():
        earlier = tr[(tr["user_id"] == user) & (tr.index < rows.min())]["item_idx"].to_numpy()[-hlen:]
        if len(earlier):
            want[rows, hlen - len(earlier):] = earlier
    assert len(ex) == n + round(0.25 * n)
    assert len(ex.histories) == tr.groupby(["user_id", "basket_id"]).ngroups + 1  # one per basket, one empty
    np.testing.assert_array_equal(ex.history[:n], want)
    np.testing.assert_array_equal(ex.target[:n], tr["item_idx"].to_numpy())
    assert (ex.history[n:] == pad).all()
    assert (want[:, -1] != pad).mean() > 0.5  # most purchases have an earlier basket


def test_validation_loss_is_the_full_softmax_cross_entropy_of_every_target() -> None:
    """``val_loss`` (from the ranking callback's one scoring per case) equals Keras'
    sparse cross-entropy over every (validation case, known target) pair, which the
    callback replaced: same curve, a fraction of the scoring."""
    data = synthetic_data()
    trained = train_model(data, TrainConfig(**TINY))
    cases = [c for c in data.val_cases if not c.segment.get("masked", False)]
    hist, ctx = encode_cases(trained.spec, cases)
    rows = np.repeat(np.arange(len(cases)), [len(c.targets) for c in cases])
    targets = np.concatenate([np.asarray(c.targets, dtype=np.int64) for c in cases])
    assert len(rows) > 50
    logits = trained.model((hist[rows], ctx[rows]), training=False)
    want = float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(targets, logits))
    assert trained.history["val_loss"][-1] == pytest.approx(want, rel=1e-5)


def test_validation_ranking_leaves_the_shoppers_own_items_out_where_the_domain_does_not_repeat() -> None:
    """Where nothing repeats every system is judged with the shopper's items left out,
    so early stopping must judge the network that way too: owned items ranked first
    take no place, and the next best fill the list."""

    class Fixed(keras.Model):
        def call(self, inputs):  # item i scores 30 - i, for every case
            return tf.tile(tf.constant([[30.0 - i for i in range(30)]]), [tf.shape(inputs[0])[0], 1])

    history, context = np.zeros((2, 3), dtype=np.int32), np.zeros((2, 1), dtype=np.int32)
    targets = [np.array([21]), np.array([5])]  # case 0's target is 22nd: a miss at 20

    def recall_at_20(exclude: list[np.ndarray] | None) -> float:
        metrics = RankingMetrics(history, context, targets, exclude=exclude)
        metrics.set_model(Fixed())
        metrics.set_params({"verbose": 0})
        logs: dict = {}
        metrics.on_epoch_end(0, logs)
        return logs["val_recall@20"]

    assert recall_at_20(None) == 0.5
    # Case 0 owns items 0 and 1: its target moves up to 20th.
    assert recall_at_20([np.array([0, 1]), np.array([], dtype=np.int64)]) == 1.0


def test_repeat_slots_score_each_history_item_once_at_its_newest_copy() -> None:
    """``RepeatSignal.slots`` (segment sums over (row, item) pairs) against its definition:
    per slot, the item's count in the row, its recency-weighted count and its share of the
    known slots, scored only at the item's newest copy; padding scores nothing."""
    from cloud_trainer.model.layers import RepeatSignal, recency_weights

    num_items, length = 30, 12
    layer = RepeatSignal(num_items, length, decay=0.9)
    layer.build()
    rng = np.random.default_rng(3)
    layer.item_weights.assign(rng.normal(size=num_items).astype(np.float32))
    hist = rng.integers(0, 6, size=(40, length)).astype(np.int32)  # few items: many repeats
    hist[rng.random(hist.shape) < 0.3] = num_items  # padding
    hist[0] = num_items  # an anonymous shopper
    indices, scores, keep = layer.slots(tf.constant(hist))
    scores, keep = scores.numpy().reshape(hist.shape), keep.numpy()

    recency = recency_weights(length, 0.9)
    g = layer.global_weights.numpy() * layer.SCALE
    w = layer.item_weights.numpy()
    for b, row in enumerate(hist):
        known = row != num_items
        for j, item in enumerate(row):
            same = row == item
            newest = known[j] and not same[j + 1:].any()
            assert keep[b, j] == newest
            if not newest:
                assert scores[b, j] == 0.0
                continue
            count = same.sum()
            want = ((g[0] + w[item]) + g[1] * np.log1p(count) + g[2] * recency[same].sum()
                    + g[3] * count / known.sum())
            assert scores[b, j] == pytest.approx(want, rel=1e-5)
    # Each slot's entry points at (row, item); padding at a harmless in-range item.
    assert np.array_equal(indices.numpy()[:, 0], np.repeat(np.arange(len(hist)), length))
    assert np.array_equal(indices.numpy()[:, 1], np.where(hist == num_items, 0, hist).ravel())


def test_domain_overrides_leave_a_repeating_domain_on_the_defaults() -> None:
    """Complete Journey repeats: its TrainConfig is exactly the defaults."""
    from cloud_trainer.model.train import domain_overrides

    assert domain_overrides(repeats=True) == {}
    assert TrainConfig(**domain_overrides(repeats=True)) == TrainConfig()


def test_domain_overrides_turn_the_own_item_loss_off_where_nothing_repeats() -> None:
    from cloud_trainer.model.train import domain_overrides

    cfg = TrainConfig(**domain_overrides(repeats=False))
    assert cfg.exclude_history and cfg.own_loss_weight == 0.0
    assert (cfg.learning_rate, cfg.max_steps, cfg.epochs) == (5e-3, 3000, 30)


def test_step_budget_sets_the_epochs_for_any_file_size() -> None:
    """Complete Journey keeps its 2 epochs; a no-repeat file gets ~3,000 steps in whole
    epochs however many steps its epochs have, and small files stop at the epoch bound."""
    from cloud_trainer.model.train import domain_overrides, epoch_budget

    assert epoch_budget(TrainConfig(), steps_per_epoch=76) == 2  # Complete Journey
    ratings = TrainConfig(**domain_overrides(repeats=False))
    assert epoch_budget(ratings, steps_per_epoch=998) == 4  # goodbooks-10k
    assert epoch_budget(ratings, steps_per_epoch=95) == 30  # Last.fm: the epoch bound
    assert epoch_budget(ratings, steps_per_epoch=5000) == 1
    assert epoch_budget(TrainConfig(max_steps=0, epochs=7), steps_per_epoch=10) == 7
