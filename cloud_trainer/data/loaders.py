"""The data sets ``train`` and ``check-data`` read (``--dataset``), each by its adapter
into the generic schema (:mod:`.schema`):

* ``completejourney`` -- 84.51 / dunnhumby "The Complete Journey" (:mod:`.completejourney`).
* ``rees46`` -- REES46 e-commerce events, a folder of monthly files (:mod:`.rees46`).
* ``csv`` -- the generic schema, for any retailer's own export (:mod:`.generic`).

Each adapter validates rows with :func:`.table.read_table`, so every rejected
row is reported with file, line, column and reason, and the load goes on.
"""

from __future__ import annotations

from pathlib import Path

from cloud_trainer.data.completejourney import load_completejourney
from cloud_trainer.data.generic import load_generic
from cloud_trainer.data.ingest import RawDataset
from cloud_trainer.data.rees46 import load_rees46
from cloud_trainer.data.sampling import sample_for
from cloud_trainer.data.schema import DataError, parse_timezone

DATASETS = ("completejourney", "rees46", "csv")


def load_dataset(
    dataset: str,
    *,
    data_dir: Path | str | None = None,
    interactions: Path | str | None = None,
    items: Path | str | None = None,
    users: Path | str | None = None,
    event_codes: dict[str, str] | None = None,
    max_lines: int | None = None,
    timezone: str | None = None,
) -> RawDataset:
    """Load one supported dataset into the generic schema.

    ``completejourney`` and ``rees46`` read ``data_dir``; ``csv`` reads the
    ``interactions`` file plus optional ``items`` and ``users`` files, and
    ``event_codes`` (:func:`~cloud_trainer.data.schema.parse_event_codes`) says what
    a coded event column's values mean.
    ``timezone`` (``csv``): an IANA zone whose wall clock times written as instants (Unix
    time, ``Z``, ``UTC``) are read in (:attr:`.schema.Column.timezone`).
    ``max_lines``: an interactions (event) export with more lines is read as a sample of
    whole shoppers that size (:mod:`.sampling`); None = what this machine's memory
    holds, 0 = every line. Complete Journey, a fixed 2.6 M lines, is always read whole.
    Raises :class:`.schema.DataError` (one line) for a bad path, a missing required
    column or a file without a single usable row.
    """
    if event_codes and dataset != "csv":
        raise DataError(f"--event-codes is for --dataset csv; {dataset} has its own event names")
    if timezone and dataset != "csv":
        raise DataError(f"--timezone is for --dataset csv; {dataset} is read in its own source's zone")
    if dataset == "completejourney":
        return load_completejourney(_need_dir(data_dir, dataset))
    sample = sample_for(max_lines)
    if dataset == "rees46":
        return load_rees46(_need_dir(data_dir, dataset), sample)
    if dataset == "csv":
        if interactions is None:
            raise DataError("--dataset csv needs --interactions FILE")
        return load_generic(
            Path(interactions),
            Path(items) if items is not None else None,
            Path(users) if users is not None else None,
            event_codes,
            sample,
            timezone=parse_timezone(timezone) if timezone else None,
        )
    raise DataError(f"unknown dataset {dataset!r} (choose from {', '.join(DATASETS)})")


def _need_dir(data_dir: Path | str | None, dataset: str) -> Path:
    if data_dir is None:
        raise DataError(f"--dataset {dataset} needs --data-dir DIR")
    path = Path(data_dir)
    if not path.is_dir():
        raise DataError(f"{path}: " + ("a file, not a directory (--data-dir takes the folder of the export's files)"
                                       if path.is_file() else "no such directory"))
    return path
