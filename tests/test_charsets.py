"""Which code page a file that is not UTF-8 was saved in (cloud_trainer.data.charsets)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloud_trainer.data.charsets import legacy_codec
from cloud_trainer.data.ingest import IngestReport
from cloud_trainer.data.names import header_key
from cloud_trainer.data.schema import GENERIC_INTERACTIONS
from cloud_trainer.data.table import read_table

LINES = {
    "french": ("client;produit\n" + "c1;Crème brûlée à la façon du chef\nc2;Pâté de campagne\n" * 5, "cp1252"),
    "german": ("Kunde;Artikel;Stückpreis\n" + "k;Käse Größe 200g;1\n" * 8, "cp1252"),
    "spanish": ("Nº pedido;producto\n" + "1;¿Qué? niño pequeño\n" * 8, "cp1252"),
    "polish": ("klient;produkt;data;ilość;cena\n" + "K1;Masło łąka żółw;01.09.2023;1;2\n" * 8, "cp1250"),
    "russian": ("клиент;товар;дата\n" + "К1;Молоко свежее;2023\n" * 8, "cp1251"),
    "chinese": ("用户ID,商品ID,行为类型,时间\n" + "1,农夫山泉矿泉水500ml,浏览,2023-01-01\n" * 8, "gbk"),
    "traditional": ("顧客編號,商品編號,日期,數量\n" + "1,統一鮮奶 麵包 雞蛋,2023-01-01,1\n" * 8, "big5"),
    "hebrew": ("לקוח,מוצר,תאריך\n" + "1,חלב טרי 3% שטראוס,2024-01-01\n2,לחם אחיד פרוס,2024-01-02\n" * 6, "cp1255"),
    "arabic": ("العميل,المنتج,التاريخ\n" + "1,حليب طازج المراعي,2024-01-01\n2,خبز عربي كبير,2024-01-02\n" * 6,
               "cp1256"),
    "greek": ("πελάτης,προϊόν,ημερομηνία\n" + "1,Γάλα φρέσκο ΔΕΛΤΑ,2024-01-01\n2,Ψωμί τοστ,2024-01-02\n" * 8,
              "cp1253"),
    "thai": ("ลูกค้า,สินค้า,วันที่\n" + "1,นมสด ตราหมี,2024-01-01\n2,ขนมปังแผ่น,2024-01-02\n" * 6, "cp874"),
    "russian_caps": ("КЛИЕНТ;ТОВАР;ДАТА\n" + "К1;МОЛОКО СВЕЖЕЕ 3,2%;2023\nК2;ХЛЕБ БОРОДИНСКИЙ;2023\n" * 8, "cp1251"),
    "bulgarian": ("клиент;продукт;дата\n" + "К1;Прясно мляко;2023\nК2;Бял хляб;2023\n" * 8, "cp1251"),
    "japanese": ("顧客ID,商品コード,購入日\n" + "C1,おにぎり 鮭,2023/01/01\n" * 8, "cp932"),
    "korean": ("고객,상품,날짜\n" + "1,서울우유 신선한 우유,2023-01-01\n" * 8, "cp949"),
    # Japanese without full-width kana: kanji names, or half-width katakana only
    "japanese_kanji": ("顧客ID,商品コード,購入日\n" + "C1,特選牛肉 国産豚肉,2023/01/01\nC2,牛乳 豆腐,2023/01/02\n" * 5,
                       "cp932"),
    "japanese_halfwidth": ("ｺｷｬｸ,ｼｮｳﾋﾝ,ﾋﾂﾞｹ\n" + "C1,ｷﾞｭｳﾆｭｳ,2023/01/01\nC2,ｼｮｸﾊﾟﾝ ﾄｳﾌ,2023/01/02\n" * 5,
                           "cp932"),
}
EXPECTED = {"french": None, "german": None, "spanish": None, "polish": "cp1250", "russian": "cp1251",
            "chinese": "gb18030", "traditional": "cp950", "hebrew": "cp1255", "arabic": "cp1256", "greek": "cp1253",
            "thai": "cp874", "russian_caps": "cp1251", "bulgarian": "cp1251", "japanese": "cp932", "korean": "cp949",
            "japanese_kanji": "cp932", "japanese_halfwidth": "cp932"}


@pytest.mark.parametrize("language", list(LINES))
def test_each_locales_excel_csv_is_told_by_its_bytes(language: str) -> None:
    """Western files stay Windows-1252 (None); the others get their own code page."""
    text, codec = LINES[language]
    assert legacy_codec(text.encode(codec)) == EXPECTED[language]


def test_a_few_central_european_bytes_are_not_taken_for_korean() -> None:
    """One 'ść' in a header is two bytes in a run, which CP949 reads as a syllable: too
    little to weigh a double-byte reading on."""
    assert legacy_codec("klient;produkt;ilość\nK1;P2;1\n".encode("cp1250")) is None


def test_a_chinese_windows_export_reads_as_gbk_with_its_header_words(tmp_path: Path) -> None:
    """Tianchi-style columns and action words, saved as GBK by Excel on Chinese Windows."""
    rows = "".join(f"U{u},SP{i},{('浏览', '购买', '加购', '收藏')[(u + i) % 4]},2023/09/0{1 + i} 09:15:51\n"
                   for u in range(3) for i in range(4))
    path = tmp_path / "user_behavior.csv"
    path.write_bytes(("用户ID,商品ID,行为类型,时间\n" + rows).encode("gbk"))
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id", "event_type"]].values.tolist()[:2] == [["U0", "SP0", "view"],
                                                                              ["U0", "SP1", "purchase"]]
    assert any("read as GBK / GB18030 (Chinese Windows) (e.g. '用户ID,商品ID,行为类型,时间')" in n
               for n in report.notes)


def test_ta_fengs_own_big5_file_reads_with_its_traditional_header_words(tmp_path: Path) -> None:
    """Ta-Feng as its owner published it: Big5, semicolons, Traditional Chinese headers,
    the line's total as 銷售價格 (SALES_PRICE). Big5's ASCII second bytes (資 is B8 EA, 顧
    is C5 55) break its runs, and CP949 reads its pairs as Hangul: it was read as GBK,
    CP949 or Windows-1251 by the bytes, its columns unread."""
    from cloud_trainer.data import load_dataset

    rows = "".join(f"2000-11-0{1 + i % 9} 00:00:00;0{u:07d} ;{'ABCDEFGHIJ'[u % 10]} ;E ;{100205 + i % 3};"
                   f"47{i:011d};{1 + i % 2};{20 + i};{30 + 2 * i}\n" for u in range(4) for i in range(6))
    path = tmp_path / "D11"
    path.write_bytes(("交易日期;顧客ID;年齡;居住區域;商品分類;商品ID;數量;資產;銷售價格\n" + rows).encode("big5"))
    raw = load_dataset("csv", interactions=path)
    first = raw.interactions.iloc[0]
    assert (first["user_id"], first["item_id"], first["quantity"], first["price"]) == (
        "00000000", "4700000000000", 1.0, 30.0)
    assert str(first["timestamp"]) == "2000-11-01 00:00:00"
    assert raw.items.set_index("item_id").loc["4700000000001", "category"] == "100206"
    assert any("read as Big5 (Traditional Chinese Windows)" in note for note in raw.report.notes)


def test_a_japanese_till_in_kanji_reads_as_shift_jis_not_gbk(tmp_path: Path) -> None:
    """Shift-JIS kanji decode as GBK's rare characters too; without full-width kana the
    file was read as GBK: its header words unread, every name garbled."""
    names = ("特選牛肉", "国産豚肉", "牛乳", "豆腐", "納豆", "精米", "醤油", "緑茶")
    rows = "".join(f"C{k % 6},{names[k % 8]},2024/03/{1 + k % 28:02d},1\n" for k in range(60))
    path = tmp_path / "uriage.csv"
    path.write_bytes(("顧客ID,商品コード,購入日,数量\n" + rows).encode("cp932"))
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert frame[["user_id", "item_id"]].values.tolist()[:2] == [["C0", "特選牛肉"], ["C1", "国産豚肉"]]
    assert any("read as Shift-JIS (Japanese Windows)" in note for note in report.notes)


def test_header_keys_fold_latin_accents_but_keep_kana_voicing() -> None:
    assert [header_key(h) for h in ("Stückpreis", "ilość", "商品コード", "用户ＩＤ")] == [
        "stuckpreis", "ilosc", "商品コード", "用户id"]


TILLS = {  # receipt, date, customer, product, quantity, unit price: as each language's till heads them
    "hebrew": ("מספר קבלה,תאריך,מספר לקוח,קוד מוצר,כמות,מחיר ליחידה", "cp1255"),
    "arabic": ("رقم الفاتورة,التاريخ,رقم العميل,كود المنتج,الكمية,سعر الوحدة", "cp1256"),
    "greek": ("ΑΡΙΘΜΟΣ ΑΠΟΔΕΙΞΗΣ,ΗΜΕΡΟΜΗΝΙΑ,ΚΩΔΙΚΟΣ ΠΕΛΑΤΗ,ΚΩΔΙΚΟΣ ΠΡΟΪΟΝΤΟΣ,ΠΟΣΟΤΗΤΑ,ΤΙΜΗ", "cp1253"),
    "thai": ("เลขที่ใบเสร็จ,วันที่,รหัสลูกค้า,รหัสสินค้า,จำนวน,ราคาต่อหน่วย", "cp874"),
}


@pytest.mark.parametrize("language", list(TILLS))
def test_hebrew_arabic_greek_and_thai_tills_read_with_their_header_words(tmp_path: Path, language: str) -> None:
    """Their code pages were told apart in session (z), but no header word of theirs was
    known: a Hebrew till decoded right and was still refused for missing columns."""
    header, codec = TILLS[language]
    rows = "".join(f"R{k // 2},2024-03-{1 + k % 28:02d} 10:{k % 60:02d},C{k % 5},P{k % 7},{1 + k % 3},{2 + k % 4}.50\n"
                   for k in range(40))
    path = tmp_path / "till.csv"
    path.write_bytes((header + "\n" + rows).encode(codec))
    report = IngestReport()
    frame = read_table(path, GENERIC_INTERACTIONS, report)
    assert len(frame) == 40 and not report.errors
    assert frame[["session_id", "user_id", "item_id", "quantity", "price"]].iloc[1].tolist() == [
        "R0", "C1", "P1", 2.0, 3.5]
    assert str(frame["timestamp"].iloc[1]) == "2024-03-02 10:01:00"
