"""Training the in-store recommender on a :class:`PreparedData`.

Training examples mirror what a store screen will be asked: for each purchase
in the training window, the query is the shopper's items from *earlier*
baskets (the last ``history_length``) plus the context of that purchase
(department, hour, weekday, demographics); the label is the purchased item.
Two augmentations make the model serve the situations a device meets:

* **department dropout**: the department of the zone is often unknown (the
  shopper is at the entrance screen, or the evaluation poses it unknown), so a
  fraction of examples have it set to "unknown";
* **anonymous copies**: a fraction of examples are duplicated with the history
  emptied and demographics unknown, so the model learns what to show a
  shopper it knows nothing about except where and when they are.

The loss is a sampled softmax over the catalogue (mixed negatives, logQ
correction), plus optionally an own-item softmax over the shopper's own history
items for examples that re-buy (:attr:`TrainConfig.own_loss_weight`): the shipped
system ranks a shopper's own items by the network's score, so that ranking is
trained directly. Early stopping watches Recall@20 + NDCG@10 on the validation
cases (the same kind of query the evaluation asks), and the best epoch's weights
are kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from cloud_trainer.dataset import EvalCase, PreparedData
from cloud_trainer.model.layers import (
    CatalogueScorer,
    ItemTower,
    QueryTower,
    RepeatSignal,
    ZoneMatch,
)
from edge.bundle import ContextField, FeatureSpec

UNKNOWN_LABEL = "<unk>"


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters. Defaults are tuned on Complete Journey validation cases."""

    history_length: int = 100
    """Items of the shopper's history the model (and the repeat gate) sees. 100, not 50:
    the own-item candidates within reach of the gate cover 8.0 % of validation targets
    instead of 7.4 % (docs/model.md, "what was tried")."""
    dim: int = 32
    history_dim: int = 32
    """32 since the own-item loss (was 16): docs/model.md, "Own-item loss"."""
    context_dim: int = 8
    hidden: int = 128
    item_ids: bool = True
    """Give every item its own embedding on top of category/department/price band."""
    dropout: float = 0.2
    recency_decay: float = 0.95
    batch_size: int = 1024
    num_negatives: int = 2048
    """Uniform negatives per batch for the sampled softmax; 0 = exact full softmax."""
    learning_rate: float = 1e-3
    epochs: int = 30
    """Upper bound on epochs; :attr:`max_steps` usually binds first."""
    max_steps: int = 152
    """Training stops after the epoch that reaches this many optimiser steps (Complete
    Journey: 76 steps an epoch, so 2 epochs; with the own-item loss its best validation
    epochs are 1-2, and the best epoch's weights are kept; 225 steps / 3 epochs before).
    A count of steps, not seconds: the same seed gives the same model however busy the
    machine is. 0 = no step limit."""
    patience: int = 2
    department_dropout: float = 0.8
    recency_half_life_days: float = 30.0
    """Training example weight halves this many days before the end of train; 0 = flat
    (before 2026-12-02 (e)). 30 days since the network only orders a shopper's own items
    for the shipped system: recent re-buying habits are what the weeks after training
    look like (docs/model.md, "Training for own-item order"; Complete Journey test
    recall@20 +0.0014 / +0.0012 over seeds 42-44 / 45-47). Chosen without test by the
    cross-time check (``cloud-trainer train --cross-time``: the real validation window
    scored after the same gap as test; six seeds' objective 0.1417 for 30 days, 0.1417
    for 60, 0.1410 for 15); the adjacent validation window alone preferred 15 days."""
    target_window_days: float = 0.0
    """0: predict the next basket's items. >0: predict the unique items of the next
    ``target_window_days`` from every basket start (the evaluation's target period)."""
    anonymous_fraction: float = 0.3
    seed: int = 42
    time_budget_s: float | None = None
    """Optional wall-clock cap: training stops after the epoch that crosses it. Off by
    default (a wall-clock limit makes the model depend on the machine's load)."""
    verbose: int = 2
    representative_size: int = 300
    ema_momentum: float = 0.0
    """>0: validate, early-stop on and keep an exponential moving average of the weights
    (updated after every step) instead of the raw weights. 0 = off."""
    lr_schedule: str = "constant"
    """``constant`` or ``cosine`` (linear warm-up over :attr:`warmup_steps`, then cosine
    decay to 0 at the last step the run can take)."""
    warmup_steps: int = 0
    own_loss_weight: float = 1.0
    """Weight of the auxiliary own-item loss: for examples whose target is one of the
    shopper's history items, a softmax over those history items only (the exact
    conditional likelihood "which of my own items do I buy"). Part of the sampled-softmax
    training step (``num_negatives > 0``); the exact full softmax does not add it.
    0 = off (before 2026-12-02 (d))."""
    own_loss_temperature: float = 2.0
    """The own-item softmax's logits are divided by this (> 1 softens it). 2 since
    2026-12-02 (e) (1 before; 0.5 lost): the shipped gate adds ``w3 * log(count)`` to the
    network's own-item scores, so the network needs their order more than a sharp
    winner (docs/model.md, "Training for own-item order")."""
    exclude_history: bool = False
    """The domain does not repeat (``pipeline.Training.decide_repeat``): the validation
    ranking early stopping watches leaves each shopper's items out, as every system is
    judged there and as the device serves. Off, it counted lists whose head the shopper
    already had (MovieLens-100k, seed 42: 0.355 in training against 0.414 as judged)."""


def domain_overrides(repeats: bool) -> dict[str, Any]:
    """:class:`TrainConfig` changes for the repeat decision (``pipeline.Training.decide_repeat``).

    A domain that repeats keeps every default (they were tuned on Complete Journey).
    One that does not turns the own-item loss off: it is a mean over the examples whose
    target is in the shopper's history, and where ~0.1 % of them are (goodbooks-10k:
    0.14 %, about 1 row of a 1,024-row batch) that one row weighs as much as the other
    1,023 together. At initialisation it was 3.5 of the 11.5 nats of goodbooks' training
    loss; the network's validation recall@20 after 4 epochs went 0.0144 -> 0.0626 without
    it. Nothing uses the order it trains: the shopper's own items are left out of every list.

    It also trains up to 3,000 steps at learning rate 5e-3 instead of
    :attr:`TrainConfig.max_steps` (152) at 1e-3: those are Complete Journey's 2 epochs of
    76 steps, but a ratings export has no popularity to start from (goodbooks: ~100
    ratings a book) and its co-occurrence takes longer to learn; 152 steps were one epoch
    of goodbooks' 998. Goodbooks validation recall@20 by epoch, no own-item loss: 0.0063 /
    0.0250 / 0.0396 at 1e-3, 0.0515 / 0.1145 / 0.1466 at 5e-3 (still rising; 2e-3 was
    slower on Last.fm too). The budget is in steps, not epochs (3 epochs before
    2026-12-04 (s)): 3 epochs were 2,994 steps on goodbooks but 285 on Last.fm's 95-step
    epochs, where validation was still rising steeply (objective 0.1914 / 0.2414 / 0.2559)
    and went on to 0.3025 at epoch 7 before early stopping (patience 2) ended the run; the
    epoch that reaches 3,000 steps is the last (goodbooks: the 4th), :attr:`TrainConfig.epochs`
    (30) bounds small files. Chosen on validation, not test; the step count bounds the time
    (goodbooks: 53-57 s an epoch on 2 cores).
    """
    if repeats:
        return {}
    return {"exclude_history": True, "own_loss_weight": 0.0,
            "learning_rate": 5e-3, "max_steps": 3000, "epochs": 30}


def epoch_budget(cfg: TrainConfig, steps_per_epoch: int) -> int:
    """Epochs a fit may run: up to the one that reaches :attr:`TrainConfig.max_steps`
    optimiser steps (whole epochs: early stopping and the kept weights are per epoch),
    at most :attr:`TrainConfig.epochs`. Early stopping may end it sooner."""
    if not cfg.max_steps:
        return cfg.epochs
    return max(1, min(cfg.epochs, -(-cfg.max_steps // max(steps_per_epoch, 1))))


@dataclass
class TrainedModel:
    """A trained model plus everything the exporter needs."""

    config: TrainConfig
    spec: FeatureSpec
    """Input encoding; tensor names are placeholders until export fills them in."""
    model: keras.Model
    query_tower: QueryTower
    item_tower: ItemTower
    repeat: RepeatSignal
    scorer: CatalogueScorer
    zone: ZoneMatch | None
    representative: list[tuple[np.ndarray, np.ndarray]]
    """Real training queries (history [1,H], context [1,C]) for int8 calibration."""
    history: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    best_epoch: int = 0

    def item_matrix(self) -> np.ndarray:
        """The item tower evaluated once: ``[num_items, dim]``, frozen at export."""
        return np.asarray(self.item_tower(None))

    def score(self, history: np.ndarray, context: np.ndarray, batch: int = 512) -> np.ndarray:
        """Float Keras scores ``[B, num_items]`` for encoded inputs (reference for parity)."""
        out = [
            np.asarray(self.model((history[i : i + batch], context[i : i + batch]), training=False))
            for i in range(0, len(history), batch)
        ]
        return np.concatenate(out, axis=0)


class ShopperModel(keras.Model):
    """Query tower x item tower + bias + repeat signal, as one trainable model.

    Calling the model scores the whole catalogue (evaluation, export). Training
    uses a sampled softmax with *mixed negatives*: the batch's own targets
    (drawn by popularity) plus ``num_negatives`` uniformly drawn items, with
    the log of each candidate's sampling rate subtracted from its logit
    ("logQ correction") so the estimate stays consistent with the full softmax
    and the item bias still learns popularity. This cuts the per-step cost of
    the softmax over ~20k items several-fold on a 2-core machine.
    ``num_negatives=0`` trains with the exact full softmax instead.
    """

    def __init__(
        self,
        query_tower: QueryTower,
        item_tower: ItemTower,
        repeat: RepeatSignal,
        scorer: CatalogueScorer,
        zone: ZoneMatch | None = None,
        target_share: np.ndarray | None = None,
        num_negatives: int = 0,
        own_loss_weight: float = 0.0,
        own_loss_temperature: float = 1.0,
    ) -> None:
        super().__init__()
        self.own_loss_weight = own_loss_weight
        self.own_loss_temperature = own_loss_temperature
        self.zone = zone
        self.query_tower = query_tower
        self.item_tower = item_tower
        self.repeat = repeat
        self.scorer = scorer
        self.num_items = scorer.num_items
        self.num_negatives = num_negatives
        share = (
            np.full(self.num_items, 1.0 / self.num_items)
            if target_share is None
            else np.asarray(target_share, dtype=np.float64)
        )
        self._target_share = share.astype(np.float32)

    def call(self, inputs: tuple[tf.Tensor, tf.Tensor], training: bool = False) -> tf.Tensor:
        history, context = inputs
        query = self.query_tower(history, context, training=training)
        logits = self.scorer(query, self.item_tower(None))
        if self.zone is not None:
            logits += self.zone(context)
        indices, repeat = self.repeat(history, sparse=True)
        return tf.tensor_scatter_nd_add(logits, indices, repeat)

    def sampled_loss(
        self,
        history: tf.Tensor,
        context: tf.Tensor,
        target: tf.Tensor,
        weight: tf.Tensor | None = None,
    ) -> tf.Tensor:
        """Mixed-negative sampled softmax loss with logQ correction (see class doc).

        Candidates are de-duplicated, so a target shared by two rows is one
        column (no accidental hits), and every tensor stays ``[B, #candidates]``:
        the repeat scores are scattered straight into candidate columns.
        """
        target = tf.cast(tf.reshape(target, [-1]), tf.int32)
        batch = tf.shape(target)[0]
        query = self.query_tower(history, context, training=True)
        negatives = tf.random.uniform([self.num_negatives], 0, self.num_items, dtype=tf.int32)
        cand, column = tf.unique(tf.concat([target, negatives], axis=0))
        labels = column[:batch]
        logits = tf.matmul(query, tf.gather(self.item_tower(None), cand), transpose_b=True)
        # Expected number of times item i is a candidate in one batch (logQ).
        expected = tf.cast(batch, tf.float32) * tf.constant(self._target_share)
        expected += self.num_negatives / self.num_items
        logits += (tf.gather(self.scorer.bias, cand) - tf.math.log(tf.gather(expected, cand)))[None, :]
        if self.zone is not None:
            logits += self.zone(context, cand)
        indices, repeat, keep = self.repeat.slots(history)
        n_cand = tf.shape(cand)[0]
        col_of_item = tf.scatter_nd(cand[:, None], tf.range(1, n_cand + 1), [self.num_items])
        col = tf.gather(col_of_item, indices[:, 1]) - 1
        in_cand = col >= 0
        logits = tf.tensor_scatter_nd_add(
            logits,
            tf.stack([indices[:, 0], tf.maximum(col, 0)], axis=1),
            tf.where(in_cand, repeat, tf.zeros_like(repeat)),
        )
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        weight = (
            tf.ones_like(loss) if weight is None else tf.cast(tf.reshape(weight, [-1]), tf.float32)
        )
        total = tf.reduce_sum(loss * weight) / tf.maximum(tf.reduce_sum(weight), 1e-6)
        if self.own_loss_weight:
            total += self.own_loss_weight * self._own_loss(
                history, query, target, tf.reshape(repeat, tf.shape(history)), keep, weight
            )
        return total

    def _own_loss(
        self,
        history: tf.Tensor,
        query: tf.Tensor,
        target: tf.Tensor,
        repeat: tf.Tensor,
        last: tf.Tensor,
        weight: tf.Tensor,
    ) -> tf.Tensor:
        """Softmax over each shopper's own distinct history items, for re-buy examples.

        The shipped system ranks a shopper's own items by the network's score (plus a
        count term), so this is the likelihood that matters for them: the full logits
        (no sampling correction) restricted to the items in the history. ``repeat`` is
        the per-slot repeat score, ``last`` marks an item's most recent slot (the one
        that carries it). Only rows whose target is in the history take part, and only
        they are gathered (anonymous copies and discoveries have none).
        """
        hit = last & tf.equal(history, target[:, None])
        rows = tf.reduce_any(hit, axis=1)
        history, query = tf.boolean_mask(history, rows), tf.boolean_mask(query, rows)
        repeat, last = tf.boolean_mask(repeat, rows), tf.boolean_mask(last, rows)
        hit, weight = tf.boolean_mask(hit, rows), tf.boolean_mask(weight, rows)
        item = tf.where(last, history, tf.zeros_like(history))
        vectors = tf.gather(self.item_tower(None), item)  # [R, H, d]
        logits = (
            tf.einsum("bd,bhd->bh", query, vectors)
            + tf.gather(self.scorer.bias, item)
            + repeat
        )
        if self.own_loss_temperature != 1.0:
            logits = logits / self.own_loss_temperature
        logits = tf.where(last, logits, tf.fill(tf.shape(logits), -1e9))
        labels = tf.argmax(tf.cast(hit, tf.int32), axis=1, output_type=tf.int32)
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        return tf.reduce_sum(loss * weight) / tf.maximum(tf.reduce_sum(weight), 1e-6)

    def train_step(self, data: tuple[Any, Any]) -> dict[str, Any]:
        if not self.num_negatives:
            return super().train_step(data)
        (history, context), target, *rest = data
        weight = rest[0] if rest else None
        with tf.GradientTape() as tape:
            loss = self.sampled_loss(history, context, target, weight)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
        return {m.name: m.result() for m in self.metrics if m.name == "loss"}


def build_spec(data: PreparedData, history_length: int) -> FeatureSpec:
    """The feature spec for ``data``: index 0 of every context vocabulary is unknown."""
    fields = [
        ContextField(name=name, vocab=[UNKNOWN_LABEL, *[str(v) for v in vocab]])
        for name, vocab in data.context_fields.items()
    ]
    return FeatureSpec(
        num_items=data.num_items,
        history_length=history_length,
        history_pad=data.num_items,
        context_fields=fields,
        input_tensors={"history": "history", "context": "context"},
        output_tensor="scores",
        normalisation={
            **getattr(data, "normalisation", {}),
            "context_unknown_index": 0,
            "history_order": "oldest first, right-aligned, left-padded with history_pad",
        },
    )


def encode_cases(spec: FeatureSpec, cases: list[EvalCase]) -> tuple[np.ndarray, np.ndarray]:
    """Encode evaluation cases into ``history [B,H]`` and ``context [B,C]`` int32 arrays."""
    hist = np.empty((len(cases), spec.history_length), dtype=np.int32)
    ctx = np.empty((len(cases), len(spec.context_fields)), dtype=np.int32)
    for i, case in enumerate(cases):
        enc = spec.encode(case.history, case.context)
        hist[i] = enc["history"][0]
        ctx[i] = enc["context"][0]
    return hist, ctx


def demographic_fields(data: PreparedData) -> list[str]:
    """Context fields that describe the shopper (blanked for anonymous examples)."""
    user_cols = set(data.users.columns) - {"user_id"}
    return [name for name in data.context_fields if name in user_cols]


@dataclass(frozen=True)
class TrainingExamples:
    """The training examples, with each distinct history stored once.

    Every purchase in a basket is queried with the same history (the shopper's items
    before the basket), and an example-per-purchase ``[E, H]`` history array repeats
    that row once per line of the basket: on a 4.8M-line grocery export, 4.6M examples
    of 100 int32 (1.8 GB) per copy, and training held three copies (the array, its
    shuffled copy and the tensor made from it), after int64 ``[rows, H]`` offsets and
    their clipped copy (2.8 GB each) had been built (docs/performance-log.md,
    "(2026-12-04 (u)) one history per basket"). So ``histories`` keeps one row per
    basket (plus an all-pad row, the anonymous copies') and ``history_row`` points each
    example at its row; the input pipeline gathers the rows a batch needs
    (:func:`_input_pipeline`).
    """

    histories: np.ndarray
    """``[baskets + 1, H]`` int32: the history before each basket, oldest first,
    right-aligned and left-padded; the last row is all padding."""
    history_row: np.ndarray
    """``[E]`` int32: the row of ``histories`` each example is queried with."""
    context: np.ndarray
    """``[E, C]`` int32 context indices."""
    target: np.ndarray
    """``[E]`` int32 target item indices."""
    weight: np.ndarray
    """``[E]`` float32 example weights (mean 1)."""

    def history_of(self, examples: slice | np.ndarray) -> np.ndarray:
        """``[len, H]``: the histories of the selected examples (a new array)."""
        return self.histories[self.history_row[examples]]

    @property
    def history(self) -> np.ndarray:
        """``[E, H]``: every example's history (materialised; for tests and small data)."""
        return self.history_of(slice(None))

    def __len__(self) -> int:
        return len(self.target)


def build_training_examples(
    data: PreparedData, spec: FeatureSpec, cfg: TrainConfig, rng: np.random.Generator
) -> TrainingExamples:
    """The training examples (history, context, target, weight) from the training
    interactions.

    History = the shopper's items from earlier baskets only: items in the same
    basket are what the screen is trying to predict, not something it knows.
    Weight halves every ``recency_half_life_days`` before the end of training:
    the model serves the weeks after training, and late examples look like
    them (recent assortment, shoppers with long histories).
    """
    sort_cols = [c for c in ("user_id", "timestamp", "basket_id") if c in data.train.columns]
    tr = data.train.sort_values(sort_cols, kind="stable").reset_index(drop=True)
    n, hlen, pad = len(tr), spec.history_length, spec.history_pad
    items = tr["item_idx"].to_numpy(dtype=np.int32)
    users = tr["user_id"].astype(str).to_numpy()
    pos = np.arange(n)
    user_change = np.r_[True, users[1:] != users[:-1]][:n]  # [:n]: no rows, no change
    if "basket_id" in tr.columns:
        baskets = tr["basket_id"].astype(str).to_numpy()
        basket_change = user_change | np.r_[True, baskets[1:] != baskets[:-1]][:n]
    else:
        basket_change = np.ones(n, dtype=bool)
    user_start = np.maximum.accumulate(np.where(user_change, pos, 0))
    # One history per basket (the rows before its first line); a row's basket number
    # picks it. Built a block of baskets at a time in int32: [rows, H] int64 offsets
    # were 2.8 GB at 3.5M rows, twice (the offsets and their clipped copy).
    basket_start = np.flatnonzero(basket_change)
    basket_of_row = (np.cumsum(basket_change) - 1).astype(np.int32)
    histories = np.full((len(basket_start) + 1, hlen), pad, dtype=np.int32)
    steps = np.arange(-hlen, 0, dtype=np.int32)
    for lo in range(0, len(basket_start), 65_536):
        starts = basket_start[lo : lo + 65_536].astype(np.int32)
        offsets = starts[:, None] + steps[None, :]
        valid = offsets >= user_start[starts].astype(np.int32)[:, None]
        histories[lo : lo + len(starts)] = np.where(valid, items[np.clip(offsets, 0, max(n - 1, 0))], pad)

    context = np.zeros((n, len(spec.context_fields)), dtype=np.int32)
    for j, fld in enumerate(spec.context_fields):
        if fld.name in tr.columns:
            column: pd.Series = tr[fld.name]
        elif fld.name == "department" and "department" in data.items.columns:
            column = data.items["department"].to_numpy()[items]
            column = pd.Series(column)
        else:
            continue
        lookup = {v: i for i, v in enumerate(fld.vocab) if i != 0}
        context[:, j] = (
            column.astype(str).map(lookup).fillna(0).to_numpy(dtype=np.int64).astype(np.int32)
        )

    names = [f.name for f in spec.context_fields]
    source, target_row, weight = _example_rows(tr, basket_change, cfg.target_window_days)
    history_row, items = basket_of_row[source], items[target_row]
    row_context, context = context, context[source]
    if "department" in names:
        # The zone a purchase happens in is the target item's department.
        dept = names.index("department")
        context[:, dept] = row_context[target_row, dept]
        if cfg.department_dropout > 0:
            drop = rng.random(len(items)) < cfg.department_dropout
            context[drop, dept] = 0
    n = len(items)

    if cfg.recency_half_life_days > 0 and "timestamp" in tr.columns:
        age_days = (tr["timestamp"].max() - tr["timestamp"]) / pd.Timedelta(days=1)
        weight = weight * np.power(0.5, age_days.to_numpy()[source] / cfg.recency_half_life_days)
    weight = (weight / weight.mean()).astype(np.float32)

    n_anon = int(round(cfg.anonymous_fraction * n))
    if n_anon:
        pick = rng.choice(n, size=n_anon, replace=False)
        anon_ctx = context[pick].copy()
        for name in demographic_fields(data):
            anon_ctx[:, names.index(name)] = 0
        empty = np.full(n_anon, len(histories) - 1, dtype=np.int32)  # the all-pad row
        history_row = np.concatenate([history_row, empty])
        context = np.concatenate([context, anon_ctx])
        items = np.concatenate([items, items[pick]])
        weight = np.concatenate([weight, weight[pick]])
    return TrainingExamples(histories, history_row.astype(np.int32), context, items, weight)


def _example_rows(
    tr: pd.DataFrame, basket_change: np.ndarray, window_days: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(query row, target row, weight)`` per training example.

    ``window_days == 0``: one example per purchase, the query being the state
    just before its basket. Otherwise every basket start is a cut, like the
    start of an evaluation period: the targets are the *unique* items the
    shopper bought in the following ``window_days``, each weighted
    ``1 / #targets`` so every cut counts once, as every case does in the
    macro-averaged evaluation.
    """
    n = len(tr)
    if window_days <= 0 or "timestamp" not in tr.columns:
        rows = np.arange(n)
        return rows, rows, np.ones(n, dtype=np.float64)
    user_code = pd.factorize(tr["user_id"].astype(str))[0].astype(np.int64)
    seconds = (tr["timestamp"] - tr["timestamp"].min()).dt.total_seconds().to_numpy()
    key = user_code * 10**10 + seconds.astype(np.int64)  # sorted: rows are by user, time
    cuts = np.flatnonzero(basket_change)
    ends = np.searchsorted(key, key[cuts] + int(window_days * 86400), side="left")
    lengths = ends - cuts
    source = np.repeat(cuts, lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    target_row = source + offsets
    item = tr["item_idx"].to_numpy(dtype=np.int64)[target_row]
    _, first = np.unique(source * (item.max() + 2) + item, return_index=True)
    source, target_row = source[first], target_row[first]
    per_cut = np.bincount(source, minlength=n)[source]
    return source, target_row, 1.0 / per_cut


class RankingMetrics(keras.callbacks.Callback):
    """Recall@K and NDCG@K on validation cases after every epoch, and the validation loss.

    Writes ``val_recall@K`` / ``val_ndcg@K``, ``val_objective`` (Recall@20 +
    NDCG@10, the two headline targets) and ``val_loss`` into the epoch logs, so it must
    come before :class:`keras.callbacks.EarlyStopping` in the callback list.
    ``exclude`` (per case, the item indices it already has) keeps those items out of
    the ranked lists, as where the domain does not repeat (:attr:`TrainConfig.exclude_history`).

    ``val_loss`` is the full-softmax cross-entropy of every (case, target) pair, from the
    same scores the ranking uses: a case's targets share its query, so one scoring of the
    catalogue per case serves them all. Keras' own ``validation_data`` scored the
    catalogue once per *pair* (42k rows for 1.6k cases) and took 10 s of a 40 s fit on
    Complete Journey, for a curve nothing decides on (docs/performance-log.md,
    "(2026-12-03 (m))"); the weights are the same either way.
    """

    def __init__(
        self,
        history: np.ndarray,
        context: np.ndarray,
        targets: list[np.ndarray],
        ks: tuple[int, ...] = (10, 20),
        exclude: list[np.ndarray] | None = None,
    ) -> None:
        super().__init__()
        self.inputs = (history, context)
        self.targets = targets
        self.ks = ks
        self.exclude = exclude

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is None or not self.targets:
            return
        kmax = max(self.ks)
        tops = []
        loss_sum, pairs = 0.0, 0
        for i in range(0, len(self.targets), 1024):
            scores = self.model((self.inputs[0][i : i + 1024], self.inputs[1][i : i + 1024]))
            ranked = scores
            if self.exclude is not None:  # the shopper's own items cannot be listed
                ranked = scores.numpy().copy()
                chunk = self.exclude[i : i + 1024]
                rows = np.repeat(np.arange(len(chunk)), [len(e) for e in chunk])
                ranked[rows, np.concatenate(chunk)] = -np.inf
            tops.append(tf.math.top_k(ranked, k=kmax).indices.numpy())
            log_z = tf.reduce_logsumexp(scores, axis=1).numpy().astype(np.float64)
            known = [t[t >= 0] for t in self.targets[i : i + 1024]]  # unseen targets have no logit
            rows = np.repeat(np.arange(len(known)), [len(t) for t in known])
            if len(rows):
                picked = scores.numpy()[rows, np.concatenate(known)].astype(np.float64)
                loss_sum += float((log_z[rows] - picked).sum())
                pairs += len(rows)
        metrics = ranking_metrics(np.concatenate(tops), self.targets, self.ks)
        metrics["objective"] = metrics["recall@20"] + metrics["ndcg@10"]
        for name, value in metrics.items():
            logs[f"val_{name}"] = value
        if pairs:
            logs["val_loss"] = loss_sum / pairs
        if self.params.get("verbose", 0):
            shown = " - ".join(f"val_{k}: {v:.4f}" for k, v in metrics.items())
            print(f"  ranking on {len(self.targets)} val cases: {shown}")


def ranking_metrics(
    top: np.ndarray, targets: list[np.ndarray], ks: tuple[int, ...] = (10, 20)
) -> dict[str, float]:
    """Mean Recall@K (hits / #targets) and NDCG@K over cases (for early stopping only)."""
    out: dict[str, float] = {}
    for k in ks:
        recalls, ndcgs = [], []
        discounts = 1.0 / np.log2(np.arange(2, k + 2))
        for row, tgt in zip(top[:, :k], targets, strict=True):
            hits = np.isin(row, tgt)
            recalls.append(hits.sum() / max(len(tgt), 1))
            ideal = discounts[: min(len(tgt), k)].sum()
            ndcgs.append(float((hits * discounts).sum() / ideal) if ideal else 0.0)
        out[f"recall@{k}"] = float(np.mean(recalls))
        out[f"ndcg@{k}"] = float(np.mean(ndcgs))
    return out


class TimeBudget(keras.callbacks.Callback):
    """Stops training after the epoch that crosses a wall-clock budget."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.start = 0.0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if time.perf_counter() - self.start > self.seconds:
            print(f"  time budget of {self.seconds:.0f}s reached after epoch {epoch + 1}")
            self.model.stop_training = True


def _learning_rate(cfg: TrainConfig, total_steps: int) -> float | keras.optimizers.schedules.LearningRateSchedule:
    if cfg.lr_schedule == "constant":
        return cfg.learning_rate
    if cfg.lr_schedule != "cosine":
        raise ValueError(f"TrainConfig.lr_schedule: unknown schedule {cfg.lr_schedule!r} (constant, cosine)")
    warmup = max(0, min(cfg.warmup_steps, total_steps - 1))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=cfg.learning_rate if not warmup else 0.0,
        decay_steps=max(1, total_steps - warmup),
        warmup_target=cfg.learning_rate if warmup else None,
        warmup_steps=warmup,
    )


class WeightAverage(keras.callbacks.Callback):
    """Exponential moving average of the trainable weights, shown to validation.

    After every optimiser step ``avg = m * avg + (1 - m) * w``. At the end of an
    epoch the averaged weights replace the raw ones, so the ranking metrics, early
    stopping and its best-weight copy all see the average; the next epoch starts
    again from the raw weights. When training ends the model holds the average of
    the last epoch (or early stopping's best copy, itself an average).
    """

    def __init__(self, momentum: float) -> None:
        super().__init__()
        self.momentum = momentum
        self.average: list[tf.Variable] = []
        self.raw: list[np.ndarray] | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        # Zero start, divided by 1 - m^t when read (Adam's bias correction): the random
        # initial weights would otherwise still weigh m^t in the average.
        self.average = [
            tf.Variable(tf.zeros_like(v), trainable=False) for v in self.model.trainable_variables
        ]
        self.steps = 0

    @tf.function
    def _update(self) -> None:
        m = self.momentum
        for avg, var in zip(self.average, self.model.trainable_variables, strict=True):
            avg.assign(m * avg + (1.0 - m) * tf.convert_to_tensor(var))

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._update()
        self.steps += 1

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.raw is not None:
            for var, value in zip(self.model.trainable_variables, self.raw, strict=True):
                var.assign(value)
            self.raw = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.raw = [np.asarray(v) for v in self.model.trainable_variables]
        scale = 1.0 / (1.0 - self.momentum ** max(self.steps, 1))
        for var, avg in zip(self.model.trainable_variables, self.average, strict=True):
            var.assign(avg * scale)


def _item_features(items: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    def codes(col: str) -> np.ndarray:
        if col not in items.columns:
            return np.zeros(len(items), dtype=np.int32)
        values, _ = pd.factorize(items[col].astype(str), sort=True)
        return values.astype(np.int32)

    return codes("category"), codes("department"), codes("price_band")


def _zone_match(data: PreparedData, spec: FeatureSpec) -> ZoneMatch | None:
    """The zone boost, if the data has a department context field and item departments."""
    names = [f.name for f in spec.context_fields]
    if "department" not in names or "department" not in data.items.columns:
        return None
    field = spec.context_fields[names.index("department")]
    item_zone = np.array([field.index(d) for d in data.items["department"].astype(str)])
    return ZoneMatch(item_zone.astype(np.int32), names.index("department"))


def _input_pipeline(examples: TrainingExamples, order: np.ndarray, cfg: TrainConfig) -> tf.data.Dataset:
    """Batches of ``((history, context), target, weight)`` in ``order``, then shuffled
    with ``cfg.seed``.

    Elements carry a history *row*; each batch gathers its histories from the
    per-basket table (:class:`TrainingExamples`). The shuffle's order depends only on
    the seed and the element count, so the batches are the ones a dataset of whole
    history rows gave.
    """
    histories = tf.constant(examples.histories)

    def gather(inputs: tuple[tf.Tensor, tf.Tensor], target: tf.Tensor, weight: tf.Tensor) -> Any:
        rows, context = inputs
        return (tf.gather(histories, rows), context), target, weight

    return (
        tf.data.Dataset.from_tensor_slices(
            ((examples.history_row[order], examples.context[order]), examples.target[order],
             examples.weight[order])
        )
        .shuffle(min(len(examples), 50_000), seed=cfg.seed)
        .batch(cfg.batch_size)
        .map(gather)
        .prefetch(2)
    )


def train_model(data: PreparedData, cfg: TrainConfig | None = None) -> TrainedModel:
    """Train the recommender on ``data.train``, early-stopping on ``data.val_cases``."""
    cfg = cfg or TrainConfig()
    start = time.perf_counter()
    keras.utils.set_random_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    spec = build_spec(data, cfg.history_length)
    examples = build_training_examples(data, spec, cfg, rng)
    target = examples.target
    num_items = data.num_items

    category, department, band = _item_features(data.items)
    query_tower = QueryTower(
        num_items=num_items,
        history_length=cfg.history_length,
        vocab_sizes=[len(f.vocab) for f in spec.context_fields],
        history_dim=cfg.history_dim,
        context_dim=cfg.context_dim,
        hidden=cfg.hidden,
        dim=cfg.dim,
        decay=cfg.recency_decay,
        dropout=cfg.dropout,
    )
    item_tower = ItemTower(category, department, band, cfg.dim, use_ids=cfg.item_ids)
    repeat = RepeatSignal(num_items, cfg.history_length, cfg.recency_decay)
    scorer = CatalogueScorer(num_items)
    zone = _zone_match(data, spec)
    freq = np.bincount(target, minlength=num_items).astype(np.float32)
    model = ShopperModel(
        query_tower, item_tower, repeat, scorer, zone,
        target_share=freq / freq.sum(), num_negatives=cfg.num_negatives,
        own_loss_weight=cfg.own_loss_weight, own_loss_temperature=cfg.own_loss_temperature,
    )
    model((examples.history_of(slice(2)), examples.context[:2]))  # build all weights
    # Start the bias at (recency-weighted) log-popularity: the softmax then only
    # has to learn what makes a shopper differ from the average one.
    heat = np.log(np.bincount(target, weights=examples.weight, minlength=num_items) + 1.0)
    scorer.bias.assign((heat - heat.mean()).astype(np.float32))

    train_ds = _input_pipeline(examples, rng.permutation(len(target)), cfg)
    steps_per_epoch = -(-len(target) // cfg.batch_size)
    epochs = epoch_budget(cfg, steps_per_epoch)
    model.compile(
        optimizer=keras.optimizers.Adam(_learning_rate(cfg, epochs * steps_per_epoch)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    callbacks: list[keras.callbacks.Callback] = []
    if cfg.ema_momentum > 0:
        # First in the list: every later callback (validation ranking, early stopping and
        # its best-weight copy) sees the averaged weights at the end of an epoch.
        callbacks.append(WeightAverage(cfg.ema_momentum))
    if cfg.time_budget_s is not None:
        callbacks.append(TimeBudget(cfg.time_budget_s))
    # Early stopping watches the headline slice: every shopper once, as a device
    # sees them (masked anonymous copies of known shoppers are left out).
    val_cases = [c for c in data.val_cases if not c.segment.get("masked", False)]
    if val_cases:
        v_hist, v_ctx = encode_cases(spec, val_cases)
        # Targets outside the catalogue can never be hit but still count (as -1).
        v_targets = [
            np.concatenate([np.asarray(c.targets, dtype=np.int64), -np.ones(c.num_unseen_targets, np.int64)])
            for c in val_cases
        ]
        v_exclude = None
        if cfg.exclude_history:
            owned = [np.unique(np.asarray(c.history, dtype=np.int64)) for c in val_cases]
            v_exclude = [h[(h >= 0) & (h < num_items)] for h in owned]
        callbacks.insert(1 if cfg.ema_momentum > 0 else 0,
                         RankingMetrics(v_hist, v_ctx, v_targets, exclude=v_exclude))
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_objective",
                mode="max",
                patience=cfg.patience,
                restore_best_weights=True,
                verbose=1,
            )
        )
    fit = model.fit(
        train_ds,
        epochs=epochs,
        callbacks=callbacks,
        shuffle=False,  # the dataset is shuffled above, with a fixed seed
        verbose=cfg.verbose,
    )
    history = {k: [float(x) for x in v] for k, v in fit.history.items()}
    best_epoch = len(history.get("loss", []))
    if "val_objective" in history:
        best_epoch = int(np.argmax(history["val_objective"])) + 1

    pick = rng.choice(len(target), size=min(cfg.representative_size, len(target)), replace=False)
    representative = [(examples.history_of(slice(i, i + 1)), examples.context[i : i + 1].copy()) for i in pick]
    return TrainedModel(
        config=cfg,
        spec=spec,
        model=model,
        query_tower=query_tower,
        item_tower=item_tower,
        repeat=repeat,
        scorer=scorer,
        zone=zone,
        representative=representative,
        history=history,
        seconds=time.perf_counter() - start,
        best_epoch=best_epoch,
    )
