"""Cloud ingest of device feedback: MQTT shared subscription -> de-duplicated warehouse.

See :mod:`cloud_trainer.ingest.service` and :mod:`cloud_trainer.ingest.warehouse`,
and ``docs/feedback.md`` for the whole loop.
"""

from cloud_trainer.ingest.service import IngestService, feedback_filter, open_warehouse
from cloud_trainer.ingest.warehouse import Gap, SQLiteWarehouse, StoreResult, Warehouse

__all__ = ["Gap", "IngestService", "SQLiteWarehouse", "StoreResult", "Warehouse", "feedback_filter",
           "open_warehouse"]
