"""Input data: the generic retail schema, its validator and the dataset adapters."""

from cloud_trainer.data.ingest import IngestReport, RawDataset, RowError
from cloud_trainer.data.loaders import DATASETS, load_dataset
from cloud_trainer.data.schema import EVENT_TYPES, DataError

__all__ = [
    "DATASETS",
    "EVENT_TYPES",
    "DataError",
    "IngestReport",
    "RawDataset",
    "RowError",
    "load_dataset",
]
