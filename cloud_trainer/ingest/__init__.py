"""Cloud ingest of device feedback: MQTT shared subscription -> de-duplicated warehouse.

See :mod:`cloud_trainer.ingest.service` and :mod:`cloud_trainer.ingest.warehouse`,
and ``docs/feedback.md`` for the whole loop.
"""

from cloud_trainer.ingest.service import IngestService, feedback_filter
from cloud_trainer.ingest.warehouse import (
    Gap,
    PostgresWarehouse,
    SQLiteWarehouse,
    SQLWarehouse,
    StoreResult,
    Warehouse,
    WarehouseError,
    WarehouseMissing,
    open_warehouse,
)

__all__ = ["Gap", "IngestService", "PostgresWarehouse", "SQLWarehouse", "SQLiteWarehouse", "StoreResult",
           "Warehouse", "WarehouseError", "WarehouseMissing", "feedback_filter", "open_warehouse"]
