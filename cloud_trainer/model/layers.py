"""Small composable Keras layers for the in-store recommender.

The model is a two-tower retrieval model in the TensorFlow-Recommenders
spirit, specialised for grocery shopping:

* the **query tower** turns "who is this shopper and where/when are they"
  (recent items + context) into one vector;
* the **item tower** turns every catalogue item (id, category, department,
  price band) into a vector of the same size;
* a **catalogue scorer** takes the dot product of the query with every item,
  adds a per-item bias (which learns popularity, the best guess for an
  anonymous shopper) and a learned **repeat-purchase signal** (grocery
  shoppers buy the same milk every week).

Every layer works on whole batches during training and on a batch of one in
the exported TFLite graph; the item tower has no per-query input at all, so at
export it collapses into one constant ``[num_items, dim]`` matrix.

The backend is TensorFlow (this is the cloud trainer), so layers use ``tf``
ops directly where Keras has no portable equivalent (segment sums).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf


def recency_weights(history_length: int, decay: float) -> np.ndarray:
    """Weight of each history slot: the newest (rightmost) item weighs 1.

    Histories are right-aligned, so slot ``j`` is ``history_length - 1 - j``
    purchases old. Exponential decay is the TIFU-KNN idea: what a shopper bought
    last month says more about today than what they bought last year.
    """
    age = np.arange(history_length - 1, -1, -1, dtype=np.float32)
    return (decay**age).astype(np.float32)


class HistoryEncoder(keras.layers.Layer):
    """The shopper's taste: a recency-weighted average of their recent items.

    Looks up an embedding per history slot (the padding index has its own row
    but is masked out), weights slots by recency and averages. An anonymous
    shopper (all padding) gets the zero vector, and the query tower learns what
    to recommend from context alone. Also returns ``log1p(#known items)`` so
    the tower can tell a loyal regular from a first-time visitor.
    """

    def __init__(
        self, num_items: int, dim: int, history_length: int, decay: float, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)
        self.num_items = num_items
        self.dim = dim
        self.history_length = history_length
        self.decay = decay
        self.pad = num_items
        self._recency = recency_weights(history_length, decay)

    def build(self, input_shape: Sequence[int | None]) -> None:
        self.table = self.add_weight(
            shape=(self.num_items + 1, self.dim),
            initializer=keras.initializers.RandomNormal(stddev=0.05),
            name="history_embeddings",
        )

    def call(self, history: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        known = tf.cast(tf.not_equal(history, self.pad), tf.float32)  # [B, H]
        weights = known * tf.constant(self._recency)[None, :]
        emb = tf.gather(self.table, history)  # [B, H, d]
        total = tf.reduce_sum(weights, axis=1, keepdims=True)
        # The newest known item weighs 1, so any real history has total >= 1;
        # flooring at 1 (not at a tiny epsilon) keeps the int8 divisor well away
        # from zero, where the quantized DIV kernel refuses to run.
        pooled = tf.reduce_sum(emb * weights[..., None], axis=1) / tf.maximum(total, 1.0)
        n_known = tf.math.log1p(tf.reduce_sum(known, axis=1, keepdims=True))
        return pooled, n_known


class ContextEncoder(keras.layers.Layer):
    """Where and when the shopper is, and who they are if they opted in.

    One small embedding table per context field (store department/zone, hour,
    weekday, each demographic). Row 0 of every table is "unknown", learned like
    any other value, so a device that knows nothing may always send zeros.
    """

    def __init__(self, vocab_sizes: Sequence[int], dim: int, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.vocab_sizes = list(vocab_sizes)
        self.dim = dim

    def build(self, input_shape: Sequence[int | None]) -> None:
        self.tables = [
            self.add_weight(
                shape=(size, self.dim),
                initializer=keras.initializers.RandomNormal(stddev=0.05),
                name=f"context_{i}",
            )
            for i, size in enumerate(self.vocab_sizes)
        ]

    def call(self, context: tf.Tensor) -> tf.Tensor:
        parts = [tf.gather(table, context[:, i]) for i, table in enumerate(self.tables)]
        return tf.concat(parts, axis=-1)


class QueryTower(keras.layers.Layer):
    """Shopper + situation -> one query vector in the item space.

    Concatenates the history taste vector, the context embeddings and the
    "how much do we know" feature, then a small MLP mixes them so that, say,
    the dairy zone at 8 am for a family shifts the taste vector towards
    breakfast items.
    """

    def __init__(
        self,
        num_items: int,
        history_length: int,
        vocab_sizes: Sequence[int],
        history_dim: int,
        context_dim: int,
        hidden: int,
        dim: int,
        decay: float,
        dropout: float,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.history = HistoryEncoder(num_items, history_dim, history_length, decay)
        self.context = ContextEncoder(vocab_sizes, context_dim)
        self.hidden = keras.layers.Dense(hidden, activation="relu")
        self.dropout = keras.layers.Dropout(dropout)
        self.out = keras.layers.Dense(dim)

    def call(self, history: tf.Tensor, context: tf.Tensor, training: bool = False) -> tf.Tensor:
        pooled, n_known = self.history(history)
        x = tf.concat([pooled, n_known, self.context(context)], axis=-1)
        x = self.dropout(self.hidden(x), training=training)
        return self.out(x)


class ItemTower(keras.layers.Layer):
    """Every catalogue item as a vector: its own id plus what it shares.

    An item's vector is the sum of an id embedding and embeddings of its
    category, department and price band. Rare items (most of a grocery
    catalogue) borrow strength from their category; popular ones refine it
    with their id. The layer takes no input: it returns the whole
    ``[num_items, dim]`` catalogue matrix, which the exporter freezes.
    """

    def __init__(
        self,
        category: np.ndarray,
        department: np.ndarray,
        price_band: np.ndarray,
        dim: int,
        use_ids: bool = True,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.use_ids = use_ids
        self.num_items = len(category)
        self.dim = dim
        self._features = [
            np.asarray(category, dtype=np.int32),
            np.asarray(department, dtype=np.int32),
            np.asarray(price_band, dtype=np.int32),
        ]

    def build(self, input_shape: object = None) -> None:
        init = keras.initializers.RandomNormal(stddev=0.05)
        self.id_table = self.add_weight(
            shape=(self.num_items, self.dim), initializer=init, name="item_id"
        )
        self.shared_tables = [
            self.add_weight(shape=(int(f.max()) + 1, self.dim), initializer=init, name=name)
            for f, name in zip(self._features, ("category", "department", "price_band"), strict=True)
        ]

    def call(self, inputs: object = None) -> tf.Tensor:
        matrix = self.id_table if self.use_ids else tf.zeros_like(self.id_table)
        for table, feature in zip(self.shared_tables, self._features, strict=True):
            matrix = matrix + tf.gather(table, tf.constant(feature))
        return matrix


class RepeatSignal(keras.layers.Layer):
    """The repeat-purchase signal: how much and how lately the shopper bought each item.

    For every item in the history it computes four features: bought before at
    all, ``log1p(count)``, a recency-weighted count and the item's share of the
    shopper's history (3 of 10 purchases says more than 3 of 200). They are
    scored with global weights plus a per-item weight on "bought before", which
    lets the model learn that milk and bananas are re-bought every week while a
    toaster is not. This is what personal top-frequency and TIFU-KNN do by hand.

    "Bought before" is worth several logits: an obscure item a shopper bought
    once is far likelier for them than its popularity says. Adam moves a weight
    by about the learning rate per step, so the global weights are scaled by
    :attr:`SCALE` (a larger effective step) and start at a sizeable boost.

    Two equivalent forms: :meth:`sparse` (training) returns one score per
    history slot, to be scattered into the logits, so a big batch never
    materialises a dense ``[B, num_items]`` count matrix; :meth:`dense` (export,
    batch of one) scatters those scores into ``[B, num_items]`` with one
    SCATTER_ND, a plain TFLite builtin.
    """

    SCALE = 4.0
    INITIAL = (1.0, 0.1, 0.1, 0.1)
    """Initial global weights (times SCALE): bought-before, log-count, recency, share."""

    def __init__(
        self, num_items: int, history_length: int, decay: float, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)
        self.num_items = num_items
        self.history_length = history_length
        self.decay = decay
        self.pad = num_items
        self._recency = recency_weights(history_length, decay)

    def build(self, input_shape: object = None) -> None:
        self.global_weights = self.add_weight(
            shape=(4,),
            initializer=keras.initializers.Constant(np.array(self.INITIAL, dtype=np.float32)),
            name="repeat_global",
        )
        self.item_weights = self.add_weight(
            shape=(self.num_items,), initializer="zeros", name="repeat_item"
        )

    def sparse(self, history: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """``(indices [B*H, 2], scores [B*H])``: one entry per distinct history item.

        A repeated item is scored once, at its most recent slot; padding and
        earlier duplicates score 0 at a harmless in-range index.
        """
        indices, scores, _ = self.slots(history)
        return indices, scores

    def slots(self, history: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """:meth:`sparse` plus ``keep [B, H]`` (bool): the slot is an item's most recent
        copy (padding is not). Training's own-item loss reuses it.

        Each (row, item) pair is one segment (``tf.unique`` of ``row * (N + 1) + item``),
        and a slot's count, recency-weighted count and "no later copy" come from segment
        sums and a segment max over the ``B * H`` slots. The earlier form compared every
        slot with every other (``[B, H, H]``: 10M elements per 1,024-row batch, several
        passes) and was 66 of a training step's 118 ms on Complete Journey
        (docs/performance-log.md, "(2026-12-04 (q))"). Counts and "no later copy" are
        the same exactly; a recency sum over three or more copies may differ in its
        last bit, because the terms are added in another order.
        """
        length = self.history_length
        shape = tf.shape(history)
        known = tf.not_equal(history, self.pad)
        rows = tf.broadcast_to(tf.range(shape[0])[:, None], shape)
        key = tf.cast(rows, tf.int64) * (self.num_items + 1) + tf.cast(history, tf.int64)
        _, segment = tf.unique(tf.reshape(key, [-1]), out_idx=tf.int32)
        n_segments = tf.reduce_max(segment) + 1
        position = tf.reshape(tf.broadcast_to(tf.range(length)[None, :], shape), [-1])
        recency = tf.reshape(tf.broadcast_to(tf.constant(self._recency)[None, :], shape), [-1])

        def per_slot(per_segment: tf.Tensor) -> tf.Tensor:
            return tf.reshape(tf.gather(per_segment, segment), shape)

        count = per_slot(tf.math.unsorted_segment_sum(tf.ones_like(recency), segment, n_segments))
        weighted = per_slot(tf.math.unsorted_segment_sum(recency, segment, n_segments))
        newest = per_slot(tf.math.unsorted_segment_max(position, segment, n_segments))
        last = tf.equal(tf.reshape(position, shape), newest)
        keep = tf.cast(known & last, tf.float32)
        item = tf.where(known, history, tf.zeros_like(history))
        share = count / tf.maximum(tf.reduce_sum(tf.cast(known, tf.float32), 1, keepdims=True), 1.0)
        scores = keep * self._combine(count, weighted, share, tf.gather(self.item_weights, item))
        indices = tf.stack([tf.reshape(rows, [-1]), tf.reshape(item, [-1])], axis=1)
        return indices, tf.reshape(scores, [-1]), known & last

    def dense(self, history: tf.Tensor) -> tf.Tensor:
        """Repeat scores ``[B, num_items]`` (zero for items not in the history).

        The per-slot scores of :meth:`sparse` scattered into the catalogue with
        one SCATTER_ND (duplicates carry 0, so summing is exact): O(H²) work,
        where a one-hot sum was O(H × num_items) and cost 2-6 ms per inference
        on a device with an 18k-item catalogue.
        """
        indices, scores = self.sparse(history)
        batch = history.shape[0] if history.shape[0] is not None else tf.shape(history)[0]
        return tf.scatter_nd(indices, scores, [batch, self.num_items])

    def export_dense(self, history: tf.Tensor) -> tf.Tensor:
        """:meth:`dense` for a batch of one in fewer ops: the serving graph's repeat
        signal before the 2026-12-02 (c) export (``cloud_trainer.export._repeat_scores``
        replaced it); ``tests/test_model_export.py`` builds that older graph with it to
        show the shipped file is at least as close to float.

        Same values up to float rounding. Instead of finding each item's most
        recent slot (an ``[H, H]`` AND and an ANY on top of the equality matrix)
        every copy of an item carries ``score / count``, and SCATTER_ND sums the
        copies back to ``score``. Batch of one: ``[H, H]``, not ``[B, H, H]``.
        """
        length = self.history_length
        h = tf.reshape(history, [length])
        column, row = tf.reshape(h, [length, 1]), tf.reshape(h, [1, length])
        known = tf.not_equal(h, self.pad)
        known_f = tf.cast(known, tf.float32)
        same = tf.cast(tf.equal(column, row), tf.float32)  # [H, H]
        count = tf.reduce_sum(same, axis=1)
        weighted = tf.reduce_sum(same * tf.constant(self._recency)[None, :], axis=1)
        item = tf.where(known, h, tf.zeros_like(h))
        share = count / tf.maximum(tf.reduce_sum(known_f), 1.0)
        scores = self._combine(count, weighted, share, tf.gather(self.item_weights, item))
        per_copy = scores * known_f / count  # count >= 1: a slot always equals itself
        indices = tf.stack([tf.zeros_like(item), item], axis=1)
        return tf.scatter_nd(indices, per_copy, [1, self.num_items])

    def _combine(
        self, count: tf.Tensor, weighted: tf.Tensor, share: tf.Tensor, item_weight: tf.Tensor
    ) -> tf.Tensor:
        g = self.global_weights * self.SCALE
        bought = tf.minimum(count, 1.0)
        return (
            (g[0] + item_weight) * bought
            + g[1] * tf.math.log1p(count)
            + g[2] * weighted
            + g[3] * share
        )

    def call(
        self, history: tf.Tensor, sparse: bool = False
    ) -> tf.Tensor | tuple[tf.Tensor, tf.Tensor]:
        return self.sparse(history) if sparse else self.dense(history)


class ZoneMatch(keras.layers.Layer):
    """Items of the department the shopper stands in get a boost.

    A screen in the dairy aisle should lead with dairy. The query tower can
    learn this from the department context embedding, but a dot product has to
    grow large to lift a whole department over the popular staples, which a few
    epochs of Adam do not get to. An explicit "item is in this zone" feature
    with a scaled weight does. Unknown department (index 0) matches nothing,
    so the entrance screen and the evaluation cases are unaffected.
    """

    SCALE = 4.0

    def __init__(self, item_zone: np.ndarray, field_index: int, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.item_zone = np.asarray(item_zone, dtype=np.int32)
        """Per item: its department's index in the context vocabulary (0 = none)."""
        self.field_index = field_index

    def build(self, input_shape: object = None) -> None:
        self.boost = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(0.5), name="zone_weight"
        )

    def call(self, context: tf.Tensor, candidates: tf.Tensor | None = None) -> tf.Tensor:
        """``[B, num_items]`` (or ``[B, #candidates]``) zone boosts."""
        zone = context[:, self.field_index]
        items = tf.constant(self.item_zone)
        if candidates is not None:
            items = tf.gather(items, candidates)
        match = tf.equal(zone[:, None], items[None, :]) & tf.not_equal(zone, 0)[:, None]
        return tf.cast(match, tf.float32) * (self.boost * self.SCALE)

    def export_boost(self, context: tf.Tensor) -> tf.Tensor:
        """:meth:`call` for a batch of one in the fewest passes over the catalogue (export only).

        Same values: the "unknown department (0) matches nothing" test is done on
        the one context value (0 becomes -1, which no item has) instead of per
        item, and the boost is selected rather than cast and multiplied.
        (TFLite's EQUAL takes no plain int8, so the indices stay int32.)
        """
        zone = context[:, self.field_index]
        zone = tf.where(tf.equal(zone, 0), tf.constant(-1, zone.dtype), zone)
        match = tf.equal(zone[:, None], tf.constant(self.item_zone)[None, :])
        boost = self.boost * self.SCALE
        return tf.where(match, boost, tf.zeros_like(boost))


class CatalogueScorer(keras.layers.Layer):
    """Scores the whole catalogue: ``query . item + bias`` (the repeat signal is added on top).

    With ~20k items a full softmax over the catalogue is cheap, so training uses
    the exact objective instead of sampled negatives, and the item bias learns
    popularity directly.
    """

    def __init__(self, num_items: int, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.num_items = num_items

    def build(self, input_shape: object = None) -> None:
        self.bias = self.add_weight(shape=(self.num_items,), initializer="zeros", name="item_bias")

    def call(self, query: tf.Tensor, items: tf.Tensor) -> tf.Tensor:
        """Dot product with every item plus its bias: ``[B, num_items]`` logits."""
        return tf.matmul(query, items, transpose_b=True) + self.bias[None, :]
