"""Whole-shopper sampling of exports larger than the line budget (``--max-lines``,
cloud_trainer.data.sampling), and the chunked line reader that keeps a large file's
read from holding it twice more."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cloud_trainer.data import DataError, load_dataset, sampling
from cloud_trainer.data.filetext import text_lines
from cloud_trainer.data.ingest import IngestReport
from cloud_trainer.data.sampling import (
    FLOOR_LINES,
    ShopperSample,
    lines_that_fit,
    sample_for,
    shopper_key,
)
from cloud_trainer.data.schema import GENERIC_INTERACTIONS, is_anonymous_basket
from cloud_trainer.data.table import read_table


def write_export(path: Path, shoppers: int = 200, lines_each: int = 10) -> pd.DataFrame:
    """Shopper s buys item (s + k) % 50 in basket s*100 + k//3, one line an hour."""
    start = pd.Timestamp("2024-01-01")
    rows = [(f"u{s}", f"i{(s + k) % 50}", f"b{s * 100 + k // 3}", start + pd.Timedelta(hours=s * lines_each + k))
            for s in range(shoppers) for k in range(lines_each)]
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "session_id", "timestamp"])
    frame.to_csv(path, index=False)
    return frame


def test_text_lines_splits_exactly_as_one_stringio_over_the_whole_text() -> None:
    """Chunks cut just after a \\n: \\r\\n, a lone \\r, a quoted field over two lines and a
    last line without an end come out as the whole-text StringIO gives them."""
    text = 'a,b\r\n"x\ny",1\r\nold\rmac\n' * 50 + "1,2,3\n" * 40 + "no end"
    expected = list(io.StringIO(text, newline=""))
    for chunk in (1, 3, 7, 64, 1 << 22):
        assert list(text_lines(text, chunk=chunk)) == expected
    assert list(text_lines("")) == []


def test_an_export_over_the_budget_is_read_as_whole_shoppers(tmp_path: Path) -> None:
    """2,000 lines with a budget of 600: about 30 % of the shoppers, each with every one
    of their lines; the same sample every run; a note, the report's ``sample`` and a
    fingerprint of its own say so; budget 0 reads all."""
    path = tmp_path / "big.csv"
    written = write_export(path)
    raw = load_dataset("csv", interactions=path, max_lines=600)
    kept = raw.interactions
    per_shopper = kept.groupby("user_id").size()
    assert set(per_shopper) == {10}  # whole shoppers: every kept one has all 10 lines
    assert 0.15 < len(per_shopper) / 200 < 0.45
    sample = raw.report.to_json()["sample"]
    assert sample["max_lines"] == 600 and sample["fraction"] == pytest.approx(600 / 2001, abs=1e-6)
    assert (sample["rows_seen"], sample["rows_kept"]) == (2000, len(kept))
    stats = raw.report.files[str(path)]
    assert (stats.rows_read, stats.rows_kept, stats.rows_sampled_out) == (2000, len(kept), 2000 - len(kept))
    assert any("read a sample of whole shoppers" in n and "--max-lines 0" in n for n in raw.report.notes)
    assert (f"{path}: 2000 rows read, {len(kept)} kept, 0 skipped, {2000 - len(kept)} of shoppers outside "
            "the sample") in raw.report.summary()

    again = load_dataset("csv", interactions=path, max_lines=600)
    assert again.interactions["user_id"].tolist() == kept["user_id"].tolist()
    assert again.fingerprint == raw.fingerprint
    # A smaller budget keeps a subset of the larger one's shoppers.
    smaller = load_dataset("csv", interactions=path, max_lines=300)
    assert set(smaller.interactions["user_id"]) < set(kept["user_id"])

    whole = load_dataset("csv", interactions=path, max_lines=0)
    assert len(whole.interactions) == len(written) and "sample" not in whole.report.to_json()
    assert whole.fingerprint != raw.fingerprint  # a sample is another data set than the file
    under = load_dataset("csv", interactions=path, max_lines=5000)
    assert under.fingerprint == whole.fingerprint and under.report.sample is None


def test_a_json_lines_export_over_the_budget_is_sampled_like_its_csv(tmp_path: Path) -> None:
    """JSON lines become CSV text a record at a time, so a JSON export is sampled by
    whole shoppers as its CSV would be (it was refused past 1/13 of the free memory),
    and the kept rows still name their JSON lines."""
    frame = write_export(tmp_path / "big.csv")
    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps({**row, "timestamp": str(row["timestamp"])}) + "\n"
                            for row in frame.to_dict("records")))
    as_json = load_dataset("csv", interactions=path, max_lines=600)
    as_csv = load_dataset("csv", interactions=tmp_path / "big.csv", max_lines=600)
    assert as_json.interactions["user_id"].tolist() == as_csv.interactions["user_id"].tolist()
    assert 0.15 < as_json.interactions["user_id"].nunique() / 200 < 0.45
    assert as_json.report.to_json()["sample"]["rows_seen"] == 2000
    # Row for row the file's own lines: shopper u{s}'s k-th purchase is line s * 10 + k + 1.
    kept = read_table(path, GENERIC_INTERACTIONS, IngestReport(), sample=ShopperSample(600))
    users = kept["user_id"].str[1:].astype(int)
    assert len(kept) == len(as_json.interactions)
    assert (kept["_line"] == users * 10 + kept.groupby("user_id").cumcount() + 1).all()


def test_anonymous_baskets_and_basket_shoppers_are_sampled_by_basket(tmp_path: Path) -> None:
    """A line without a shopper goes with its basket, so a sampled basket is whole; a
    file with no shopper column at all is sampled by basket too."""
    rows = ["user_id,item_id,session_id,timestamp"]
    for b in range(300):
        user = "" if b % 2 else f"u{b % 40}"
        rows += [f"{user},i{(b + k) % 30},t{b},2024-01-{1 + b % 28:02d}T{k:02d}:00" for k in range(4)]
    path = tmp_path / "till.csv"
    path.write_text("\n".join(rows) + "\n")
    raw = load_dataset("csv", interactions=path, max_lines=400)
    kept = raw.interactions
    assert set(kept.groupby("session_id").size()) == {4}
    anonymous = is_anonymous_basket(kept["user_id"])
    assert 0 < anonymous.sum() < len(kept)
    # Named shoppers whole: shopper u{n} has every basket b (odd b anonymous) with b % 40 == n.
    for user, baskets in kept[~anonymous].groupby("user_id")["session_id"]:
        assert set(baskets) == {f"t{b}" for b in range(0, 300, 2) if f"u{b % 40}" == user}
    no_user = tmp_path / "baskets.csv"
    no_user.write_text("\n".join(",".join(r.split(",")[1:]) for r in rows) + "\n")
    baskets = load_dataset("csv", interactions=no_user, max_lines=400)
    assert set(baskets.interactions.groupby("session_id").size()) == {4}
    assert 60 < baskets.interactions["session_id"].nunique() < 240


def test_missing_value_shoppers_and_written_out_whole_numbers_are_sampled_as_read(tmp_path: Path) -> None:
    """Diginetica writes ``NA`` for no shopper: those lines are anonymous baskets, each
    sampled by its basket (not one shopper 'NA' kept or dropped whole). ``12.0`` and
    ``12.00`` are shopper 12 when read, so they are one shopper in the sample too."""
    rows = ["sessionId;userId;itemId;eventdate"]
    for b in range(1000):
        user = "NA" if b % 5 else str(b % 50)
        rows += [f"{b};{user};{(b + k) % 90};2016-05-{1 + b % 28:02d}" for k in range(4)]
    path = tmp_path / "train-item-views.csv"
    path.write_text("\n".join(rows) + "\n")
    raw = load_dataset("csv", interactions=path, max_lines=1200)
    anonymous = is_anonymous_basket(raw.interactions["user_id"])
    assert 0.15 < anonymous.sum() / 3200 < 0.5  # about 30 % of the 800 anonymous baskets
    assert set(raw.interactions[anonymous].groupby("session_id").size()) == {4}

    spelled = tmp_path / "spelled.csv"
    spelled.write_text("user_id,item_id,timestamp\n" + "".join(
        f"{u}{suffix},i{k},2024-01-{1 + k:02d}T10:00\n"
        for u in range(200) for k, suffix in enumerate([".0", ".00"] * 3)))
    read = load_dataset("csv", interactions=spelled, max_lines=400).interactions
    assert set(read.groupby("user_id").size()) == {6}


def test_a_sample_reads_the_profiles_of_its_shoppers_and_says_when_it_kept_nothing(tmp_path: Path) -> None:
    """A users file for a third of the shoppers (as loyalty opt-ins are) still covers a
    third of the sampled ones, without a hint that ids are spelled differently; a budget
    so small that no shopper is kept says so."""
    path = tmp_path / "big.csv"
    write_export(path, shoppers=300)
    users = tmp_path / "users.csv"
    users.write_text("user_id,age\n" + "".join(f"u{s},{20 + s % 50}\n" for s in range(0, 300, 3)))
    raw = load_dataset("csv", interactions=path, users=users, max_lines=1200)
    note = next(n for n in raw.report.notes if n.startswith(f"{users}: describes"))
    assert "compared as text" not in note and set(raw.users["user_id"]) <= set(raw.interactions["user_id"])
    share = len(raw.users) / raw.interactions["user_id"].nunique()
    assert 0.2 < share < 0.5
    with pytest.raises(DataError, match=r"the sample kept no line .* give a larger --max-lines"):
        load_dataset("csv", interactions=path, max_lines=1)


def test_a_file_with_only_carriage_returns_is_counted_and_sampled(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    write_export(tmp_path / "unix.csv")
    path.write_bytes((tmp_path / "unix.csv").read_bytes().replace(b"\n", b"\r"))
    raw = load_dataset("csv", interactions=path, max_lines=600)
    assert raw.report.sample is not None and set(raw.interactions.groupby("user_id").size()) == {10}


def test_rees46_months_keep_the_same_shoppers(tmp_path: Path) -> None:
    """Several month files: the first decides one fraction for all, so a shopper kept in
    October is kept in November."""
    header = "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session"
    for month, day in (("Oct", "2019-10"), ("Nov", "2019-11")):
        lines = [header] + [f"{day}-{1 + u % 28:02d} 0{k}:00:00 UTC,purchase,{100 + k},1,a.b,x,1.5,{u},s{u}"
                            for u in range(150) for k in range(4)]
        (tmp_path / f"2019-{month}.csv").write_text("\n".join(lines) + "\n")
    raw = load_dataset("rees46", data_dir=tmp_path, max_lines=500)
    months = raw.interactions.groupby("user_id")["timestamp"].agg(lambda t: t.dt.month.nunique())
    assert set(months) == {2} and 20 < len(months) < 120
    assert raw.report.sample is not None and raw.report.sample.lines_in_file == 2 * 601
    notes = [n for n in raw.report.notes if "a sample of whole shoppers" in n]
    assert len(notes) == 1 and notes[0].startswith(f"{tmp_path / '2019-Nov.csv'}, {tmp_path / '2019-Oct.csv'}: "
                                                   "1,202 lines, over the budget of 500")


def test_shopper_key_and_default_budget() -> None:
    """The default budget is the free memory at the measured cost of a line that wide,
    rounded down to a million lines so that two runs read the same sample."""
    assert shopper_key(" 12.0 ", "b1") == shopper_key("12", None) == "12"
    assert shopper_key("", " b1 ") != shopper_key("b1", None)  # a basket is not shopper 'b1'
    assert lines_that_fit(10 * 10**9, 33) == 4_000_000  # 4.44 M at 1.8 KB a grocery line
    assert lines_that_fit(int(10.2 * 10**9), 33) == 4_000_000
    assert lines_that_fit(10 * 10**9, 140) == 3_000_000  # 3.4 M at 2.35 KB a REES46 line
    assert lines_that_fit(10**6, 33) == FLOOR_LINES
    sample = ShopperSample(None, memory=10 * 10**9)
    assert sample.decide_counts(8_000_001, 8_000_001 * 140) == pytest.approx(3 / 8, rel=1e-6)
    assert sample.max_lines == 3_000_000 and "KB a line of 140 characters" in sample.why
    unpinned = sample_for(None)
    assert unpinned.max_lines == 0 if unpinned.memory is None else unpinned.max_lines is None
    everything = ShopperSample(0)
    assert everything.decide("a\n" * 10) == 1.0 and not everything.active
    assert everything.lines_in_file == 0  # no budget: nothing counted


def test_max_lines_on_the_command_line(tmp_path: Path) -> None:
    """``check-data --max-lines`` reads as train would and says what it kept; a bad value
    is a one-line usage error."""
    path = tmp_path / "big.csv"
    write_export(path, shoppers=60)
    proc = subprocess.run([sys.executable, "-m", "cloud_trainer.cli", "check-data", "--dataset", "csv",
                           "--interactions", str(path), "--max-lines", "300"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["sample"]["max_lines"] == 300 and result["rows_kept"] == result["sample"]["rows_kept"]
    assert result["rows_kept"] % 10 == 0 and 100 < result["rows_kept"] < 500
    bad = subprocess.run([sys.executable, "-m", "cloud_trainer.cli", "check-data", "--dataset", "csv",
                          "--interactions", str(path), "--max-lines", "lots"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--max-lines: a whole number of lines, not 'lots'" in bad.stderr


def test_a_file_that_cannot_be_read_in_the_free_memory_is_a_clear_error(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A file is read whole (its bytes, then its text) before a sample leaves rows out:
    when twice its size is more than the free memory, the error says so and what to do,
    instead of the kernel killing the run; for a compressed file, its unpacked size."""
    import bz2
    import gzip

    path = tmp_path / "big.csv"
    write_export(path, shoppers=20)
    size = path.stat().st_size
    monkeypatch.setattr(sampling, "available_memory", lambda: int(1.5 * size))
    with pytest.raises(DataError, match=rf"^{path}: reading it takes about .* GB \(the file's bytes and their "
                                        r"text\) and this machine has .* GB free: give a part of it"):
        load_dataset("csv", interactions=path, max_lines=0)
    monkeypatch.setattr(sampling, "available_memory", lambda: int(0.9 * size))
    packed = tmp_path / "big.csv.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert 2 * packed.stat().st_size < 0.9 * size  # the packed file passes the first check
    # gzip says its unpacked size in its last bytes: stopped before unpacking.
    with pytest.raises(DataError, match=r"the unpacked bytes and their text"):
        load_dataset("csv", interactions=packed, max_lines=0)
    bz = tmp_path / "big.csv.bz2"  # bzip2 does not: stopped before the text is made
    bz.write_bytes(bz2.compress(path.read_bytes()))
    with pytest.raises(DataError, match=r"the unpacked bytes' text"):
        load_dataset("csv", interactions=bz, max_lines=0)
    monkeypatch.setattr(sampling, "available_memory", lambda: 3 * size)
    assert len(load_dataset("csv", interactions=path, max_lines=0).interactions) == 200
    # JSON becomes CSV text before the sample (3 bytes of memory a byte, measured): said before.
    lines = tmp_path / "big.json"
    lines.write_text(pd.read_csv(path).to_json(orient="records", lines=True))
    monkeypatch.setattr(sampling, "available_memory", lambda: 2 * lines.stat().st_size)
    with pytest.raises(DataError, match=r"big.json: reading it takes about .* \(JSON becomes a table's text"):
        load_dataset("csv", interactions=lines, max_lines=0)
    monkeypatch.setattr(sampling, "available_memory", lambda: 4 * lines.stat().st_size)
    assert len(load_dataset("csv", interactions=lines, max_lines=0).interactions) == 200
