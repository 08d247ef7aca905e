"""Which legacy code page a file that is not UTF-8 was saved in.

Excel's plain "CSV" (and most tills' exports on Windows) writes the system's "ANSI" code
page: Windows-1252 in Western Europe and the Americas, but Windows-1250 in Poland or
Czechia, Windows-1251 where Cyrillic is written, GBK in mainland China, Shift-JIS in
Japan, Big5 in Taiwan, CP949 in Korea. Read as Windows-1252, a Chinese item name
becomes ``ά´ï³éֽ`` and ``ilość`` becomes ``iloœæ`` (a header word no longer matches), and
the note said "read as Windows-1252", which was false.

The guess is made on the bytes: the reader (:func:`.table.read_table`) asks only for a
file that is not UTF-8 (a file mostly UTF-8 with a stray Windows byte keeps its UTF-8
and reads that byte as Windows-1252).

* In the double-byte and Cyrillic code pages the bytes >= 0x80 come in runs (every
  character of a Chinese name is two such bytes; a Russian word is all of them); in a
  Western or Central European text they stand alone between ASCII letters (``Crème``).
* A run-heavy file is read by the first code page that decodes its first MB strictly and
  gives mostly its own script: Shift-JIS when full-width kana are a tenth of the
  characters (Japanese writes them; a Chinese file read as Shift-JIS has almost none),
  CP949 when nearly all are Hangul, else GBK or Windows-1251 by the larger share of Han
  or Cyrillic letters. Russian text is no GBK: its odd-length words leave a lone byte
  before a space, which GBK refuses.
* Big5 (Taiwan, Hong Kong) is told by its second bytes: about a third of its characters
  have one below ``0xA1`` (its second bytes run ``40-7E`` and ``A1-FE``), while GBK's and
  CP949's common characters (GB2312's 6,763, KS X 1001's 2,350 syllables) have none, only
  their rarer extensions do. Han text that reads strictly as Big5 with a fifth or more
  such characters is Big5; it is weighed before Korean, as CP949's extension reads those
  pairs as Hangul, and GB18030 reads any pair. Its ASCII second bytes break the runs of
  high bytes, so runs are also counted by two-byte characters.
* Hebrew (Windows-1255), Arabic (1256) and Greek (1253) read as letters of Cyrillic too,
  and Cyrillic as theirs: where Windows-1251 reads the text, each of these is scored by
  how much its reading looks like its own script's text (:func:`_letter_score`: its most
  frequent letters, words in a case a writer uses) and the best is taken. Thai
  (Windows-874) likewise against GBK, which reads it as Han. On made-up lists of 1-3
  product names and 3-30 lines the guess is poor either way (14 of 300 such GBK files
  are now taken for Thai; 218 of them were read as GBK, now 204); on 50-300 lines it was
  right for 300 of 300 GBK, 282 Big5 and 295 Thai (scratch ``cjk.py``).
* Otherwise Windows-1250 is chosen over Windows-1252 when bytes that are letters only
  in it (``ł ą ż Ł Ą Ż ľ Ľ ť Ť Ź``; in Windows-1252 ``³ ¹ ¿ £ ¥ ¯ ¾ ¼`` or nothing) stand
  inside words, as Polish and Slovak write them on nearly every line (``ilość``'s ``ś``
  and ``ć`` are letters in both, ``œ æ``). Czech without them stays Windows-1252.
  Windows-1254 (Turkish) likewise, by ``ğ ş Ğ Ş`` inside words.
"""

from __future__ import annotations

import re

SAMPLE = 1 << 20
"""Bytes the guess is made on (the file's first MB)."""
IN_WORD_SHARE = 0.05
"""Windows-1250's (or 1254's) own letters inside words, as a share of the bytes >= 0x80,
for that reading: Polish writes ``ł ą ż`` on most lines; a stray ``³`` is not enough."""
RUN_SHARE = 0.7
"""Bytes >= 0x80 in runs of two or more, as a share of them all, for a double-byte or
Cyrillic reading to be weighed (a French text's accents stand alone: ``Crème``)."""
LATIN_RUN_SHARE = 0.3
"""Runs of two that sit inside a Latin word, as a share of the runs, above which the
text is Latin (Portuguese ``ção``) whatever GBK makes of it."""
KANA_SHARE = 0.1
"""Full-width kana among the characters for Shift-JIS (Japanese writes them)."""
HANGUL_SHARE = 0.95
"""Hangul among the characters for CP949 (a Chinese text read as CP949 has far fewer)."""
SCRIPT_SHARE = 0.8
"""Han or Cyrillic among the characters for GBK, Big5 or Windows-1251."""
BIG5_LOW_TRAIL_SHARE = 0.2
"""Two-byte characters whose second byte is below ``0xA1``, as a share of them all, above
which Han text that both code pages decode is Big5 (measured: 37 % in Traditional
Chinese product names as Big5, 0 % in Simplified ones as GBK)."""
MIN_RUN_BYTES = 20
"""Bytes >= 0x80 a file needs before a double-byte or Cyrillic reading is weighed: a
Polish header's one ``ść`` (two bytes in a run) decodes as a Hangul syllable too."""

NAMES = {
    "cp932": "Shift-JIS (Japanese Windows)",
    "gb18030": "GBK / GB18030 (Chinese Windows)",
    "cp950": "Big5 (Traditional Chinese Windows)",
    "cp949": "CP949 / EUC-KR (Korean Windows)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "cp1250": "Windows-1250 (Central European)",
    "cp1254": "Windows-1254 (Turkish)",
    "cp1255": "Windows-1255 (Hebrew)",
    "cp1256": "Windows-1256 (Arabic)",
    "cp1253": "Windows-1253 (Greek)",
    "cp874": "Windows-874 (Thai)",
}

LETTERS = {
    "cp1251": "оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъёіїєґ",
    "cp1255": "יוהלרמתאבנשעכדקחפסגצטזןםךףץ",
    "cp1256": "الیيمونرتبعهدسفكقحجةشصىخطثزضذغظءأإآئؤ",
    "cp1253": "αοιετσνηυρπκμλωάέίόύήώδγχφθβξζψςϊϋΐΰ",
    "cp874": "านรอกเมงยวสีทลัดิบคตจปขพูใชะแหโึไซถผฝศญฐษฑฒณธฎฏฌฆฤฦ",
    "cp932": "ｰﾝﾞｲｳｼｸﾄﾙﾘｽﾗﾁｺｶﾊﾌﾏﾀｷﾚｯﾟﾑﾆｵｹｻｱﾒﾂﾎﾍﾐﾓﾔﾕﾖﾜｦｴｿｾﾃﾅﾇﾈﾉﾋﾛｧｨｩｪｫｬｭｮ",
}
"""The letters of the single-byte code pages' scripts, most frequent first (Russian's for
Cyrillic; Shift-JIS's half-width katakana, its one-byte letters, by their use in product
names). Every one of these code pages turns any high byte into a letter of its own
script, so the script alone cannot tell Hebrew from Cyrillic; the share of the twelve
most frequent letters among them can: a text read in its own code page gives 0.54-0.85
of them, read in another 0.06-0.58 (scratch samples of product lists in each)."""
COMMON_LETTERS = 12
KATAKANA_TEXT = 0.25
""":func:`_letter_score` as half-width katakana at which a Shift-JIS text without
full-width kana is Japanese (where it is also twice its score as Cyrillic)."""
KANJI_LOW_LEAD_SHARE = 0.5
"""Pairs leading below ``0xA1`` (:func:`_low_lead_share`) above which a Han text that
Shift-JIS decodes is Japanese kanji, not GBK (99 % against 0 %)."""
LIKELY_TEXT = 0.4
""":func:`_letter_score` at which Thai wins over GBK, which reads any pair of high bytes as
Han: lists of 50-300 Thai product names score 0.32-0.63 as Thai, Chinese ones read as Thai
at most 0.36 (where they decode at all: Windows-874 leaves nine high bytes undefined)."""

_RUNS = re.compile(rb"[\x80-\xff]{2,}")
_LATIN_RUNS = re.compile(rb"(?<=[A-Za-z])[\x80-\xff]{2}(?=[a-z])")
"""Two high bytes inside a Latin word: Portuguese's ``ção`` (``Promoção``), which GBK would
read as one Han character between Latin letters; a Chinese text's runs are longer and
stand between spaces, separators or digits."""
_HIGH = re.compile(rb"[\x80-\xff]")
_DOUBLE = re.compile(rb"[\x81-\xfe][\x40-\xfe]")
"""A two-byte character of GBK, Big5 or CP949, read left to right, so a run's pairs stay
aligned."""
_DOUBLE_RUNS = re.compile(rb"(?:[\x81-\xfe][\x40-\xfe]){2,}")
_KANA = re.compile(r"[\u3040-\u30ff]")
"""Full-width kana only: single bytes 0xA1-0xDF are half-width katakana in Shift-JIS, so
any text read as Shift-JIS has them."""
_HALF_KATAKANA = re.compile(r"[\uff66-\uff9f]")
"""Half-width katakana and their voicing marks (``ｷﾞｭｳﾆｭｳ``)."""
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\u3000-\u303f\uff00-\uff65]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u3130-\u318f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_CENTRAL_IN_WORD = re.compile(rb"(?<=[A-Za-z])[\xa5\xb9\xb3\xa3\xbf\xaf\xbc\xbe\x8d\x8f\x9d](?=[A-Za-z])")
"""A byte that is a letter in Windows-1250 only (see the module's docstring) between two
ASCII letters: inside a Latin word (``Masło``, and in capitals ``PIŁKARSKIE``: a Polish
shop's upper-case names had been read as Big5; real24-aj), which a double-byte text's
bytes are not, nor Windows-1252's ``m³`` or Spanish's ``¿Qué``. (Not after an accented
capital's byte: UTF-8's ``ó`` is such a pair, and a file mostly Windows-1252 with some
UTF-8 lines had been read as Windows-1250; session aj's review.)"""
_TURKISH_IN_WORD = re.compile(rb"(?<=[A-Za-z])[\xf0\xfe\xd0\xde]|[\xf0\xfe\xd0\xde](?=[A-Za-z])")
"""``ğ ş Ğ Ş`` (Windows-1254) beside an ASCII letter: in Windows-1252 ``ð þ Ð Þ``, which
only Icelandic writes; Turkish writes them on most lines (``Müşteri``, ``Yoğurt``), and
before capitals in an upper-case header (a carpet shop's ``ŞUBE;...;SATIŞ``: read as
Windows-1252, ``ÞUBE``, its 58 ``İ`` uncounted; real108-aq)."""
_DOTLESS_IN_WORD = re.compile(rb"(?<=[A-Za-z])[\xfd\xdd]|[\xfd\xdd](?=[a-z])")
"""``ı İ`` (Windows-1254) beside an ASCII letter; Windows-1252's ``ý Ý`` (Icelandic, Czech)."""
_ICELANDIC_VOWELS = re.compile(rb"[\xe1\xe9\xed\xf3\xfa\xe6\xc1\xc9\xcd\xd3\xda\xc6]")
"""``á é í ó ú æ`` and their capitals: Icelandic (and Czech, Spanish) letters Turkish has not."""
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORDS = re.compile(r"[^\x00-\x7f]{2,}")
"""Runs of high characters: a script's words (their case tells a plausible reading)."""

_SCRIPTS = (("cp949", _HANGUL), ("gb18030", _HAN), ("cp950", _HAN), ("cp1251", _CYRILLIC))


def legacy_codec(raw: bytes) -> str | None:
    """The code page ``raw`` (not UTF-8) was most likely saved in, when it is not
    Windows-1252; None for Windows-1252 (or when nothing else fits)."""
    sample = raw[:SAMPLE]
    high = len(_HIGH.findall(sample))
    if not high:
        return None
    in_words = len(_CENTRAL_IN_WORD.findall(sample))
    if in_words >= 2 and in_words >= IN_WORD_SHARE * high and _strict(sample, "cp1250", partial=True) is not None:
        return "cp1250"
    runs = _RUNS.findall(sample)
    in_runs = sum(len(m) for m in runs)
    latin_runs = len(_LATIN_RUNS.findall(sample))
    # (or a short header's few words, where every high byte is in runs of two characters
    # or more: a Chinese course's '订单号,SKU编码' over numbers, 14 bytes, had been read as
    # Windows-1252, '¶©µ¥ºÅ'; real178-au. Western text writes no four high bytes together)
    short_words = high >= 8 and in_runs == high and max(len(m) for m in runs) >= 4
    if ((high >= MIN_RUN_BYTES or short_words)
            and (in_runs >= RUN_SHARE * high or _pair_run_share(sample) >= RUN_SHARE)
            and latin_runs < LATIN_RUN_SHARE * max(len(runs), 1)):
        codec = _by_script(sample)
        if codec is not None:
            return codec
    turkish = len(_TURKISH_IN_WORD.findall(sample))
    # (one 'ş' in 'Müşteri' is enough: 'þ' is Icelandic); with it, the dotless 'ı' and 'İ'
    # count, Turkish's most frequent letters ('Alıcı', 'Sipariş Tarihi' beside 4 'ş'
    # among 951 high bytes: a Trendyol export was read as Windows-1252, 'Alýcý')
    # (three 'ş'/'ğ' at least before 'ı' counts, and only in text without Icelandic's
    # á é í ó ú æ, which Turkish does not write: 'Þorri' and 'Kýrmjólk' had become 'Şorri'
    # and 'Kırmjólk', a review of session (ac))
    dotless = len(_DOTLESS_IN_WORD.findall(sample)) if turkish >= 3 else 0
    if (turkish >= 1 and turkish + dotless >= IN_WORD_SHARE * high
            and 4 * len(_ICELANDIC_VOWELS.findall(sample)) < turkish + dotless):
        return "cp1254"
    return None


def _by_script(sample: bytes) -> str | None:
    """The double-byte or Cyrillic code page that reads ``sample`` strictly into its own
    script (the module's docstring), or None."""
    shares = {}
    japanese = False
    for codec, script in (("cp932", _KANA), *_SCRIPTS):
        head = _strict(sample, codec, partial=True)
        if head is None:
            continue
        others = len(_NON_ASCII.findall(head)) or 1
        if codec == "cp932":
            if len(_KANA.findall(head)) >= KANA_SHARE * others:
                return codec
            japanese = _japanese_without_kana(sample, head, others)
            continue
        shares[codec] = len(script.findall(head)) / others
    # (Japanese without full-width kana, unless the bytes read as Hangul throughout: a
    # Korean customers file's short header, '고객ID,성별,고객지역', had been read as
    # half-width katakana, 'ｰ擎ｴID'; real251-ax)
    if japanese and _standard_hangul_share(sample) < HANGUL_SHARE:
        return "cp932"
    # Big5 by its second bytes before Korean: CP949 reads Big5's pairs as Hangul too
    # (its extension takes second bytes 41-5A, 61-7A), and GB18030 reads any pair.
    if shares.get("cp950", 0.0) >= SCRIPT_SHARE and _low_second_byte_share(sample) >= BIG5_LOW_TRAIL_SHARE:
        return "cp950"
    # Korean next: its Hangul decodes as Han in GBK and Big5 too, but a Chinese text read
    # as CP949 gives Hanja or symbols for the characters past the Hangul block.
    if shares.get("cp949", 0.0) >= HANGUL_SHARE or (
            "cp949" in shares and _standard_hangul_share(sample) >= HANGUL_SHARE and _common_hangul(sample)):
        return "cp949"  # (the second: Hangul beside KS X 1001's symbols, '단가(￦)'; review 85)
    shares.pop("cp950", None)  # GBK's common characters are Big5's pairs too: GBK it is
    best = max(shares, key=lambda c: shares[c], default=None)
    if best == "cp1251" and shares[best] >= SCRIPT_SHARE:
        # A single-byte script reads any high byte as its letters: the likeliest text wins
        # (Hebrew, Arabic and Greek were read as Cyrillic).
        scores = {codec: _letter_score(sample, codec) for codec in LETTERS if codec != "cp932"}
        return max(scores, key=lambda c: scores[c])
    if (best in (None, "gb18030") or shares[best] < SCRIPT_SHARE) and _letter_score(sample, "cp874") >= LIKELY_TEXT:
        return "cp874"  # (Thai was read as Chinese, or not at all)
    return best if best is not None and shares[best] >= SCRIPT_SHARE else None


_COMMON_SYLLABLES = frozenset(
    "가각간갈감값강개객거건검게격견결경계고곡공과관광교구국군권귀규그근금기김나날남내년노농누는능니다단달담당대더덕"
    "데도독동두드득등디라락란람래량러레려력련령례로록료루류률리림립마만말매면명모목무문물미민바박반발방배백번법변별병"
    "보복본부분불비사산상새생서석선설성세소속손송수순술스습승시식신실심아안알암액야약양어업없에여역연열영예오온완왕외"
    "요용우운원월위유율은을음응의이인일입자작장재저적전점정제조종좌주준중증지직진질차착찬참창처천철청체초총최추출충취"
    "측치칙친카코크타탁태택터토통투트특파판패편평폐포표품프피필하학한할함합항해핵행향허험현협형호혼화확환활회효후휴")
"""Korean's most written syllables (a header's 고객, 상품, 단가, 금액, 구매일): a GB2312 text
read as CP949 gives syllables outside them ('订单号' as '땐데뵀'; review 87)."""


def _common_hangul(sample: bytes) -> bool:
    """Whether half or more of ``sample``'s Hangul, read as CP949, are common syllables."""
    text = _strict(sample, "cp949", partial=True) or ""
    hangul = [c for c in text if "\uac00" <= c <= "\ud7a3"]
    return bool(hangul) and sum(c in _COMMON_SYLLABLES for c in hangul) >= 0.5 * len(hangul)


def _standard_hangul_share(sample: bytes) -> float:
    """The share of a sample's double-byte pairs that are KS X 1001's Hangul syllables (lead
    byte 0xB0-0xC8, second 0xA1-0xFE), which Korean text writes: CP949's extension reads
    Shift-JIS's kanji (0x88-0x9F leads) as Hangul too, and a Japanese header of kanji
    alone, '購入日', had become '뛶볺볷' (review 83)."""
    pairs = standard = 0
    at = 0
    while at < len(sample) - 1:
        if sample[at] >= 0x81:
            # (KS X 1001's symbols, '·' A1A4, '￦' A3DC, count neither way: a Korean header
            # writes them; review 85)
            if not 0xA1 <= sample[at] <= 0xAF:
                pairs += 1
                standard += 0xB0 <= sample[at] <= 0xC8 and 0xA1 <= sample[at + 1] <= 0xFE
            at += 2
        else:
            at += 1
    return standard / pairs if pairs else 0.0


def _japanese_without_kana(sample: bytes, head: str, others: int) -> bool:
    """Japanese written without full-width kana: product names in kanji (``牛乳``,
    ``特選牛肉``), or in half-width katakana only (``ｷﾞｭｳﾆｭｳ``, as older tills print them).

    * Kanji: Shift-JIS's level-1 kanji lead with bytes ``0x88-0x9F``, which in GBK are its
      extension's rare characters (GB2312's 6,763 common ones lead with ``0xB0-0xF7``), so
      a Japanese kanji text read as GBK pairs is mostly pairs leading below ``0xA1``
      (measured: 99 % in a list of kanji grocery names, 0 % in GBK, Big5 and CP949 text);
      it was read as GBK, its names garbled.
    * Half-width katakana are single bytes ``0xA1-0xDF``, which Windows-1251 reads as
      capital Cyrillic: the likelier text by its letters wins (:func:`_letter_score`:
      0.28-0.6 as katakana against at most 0.27 as Cyrillic over 200 made-up tills of
      20-300 lines, 194 of them now read so; Russian in capitals 0.04 against 0.80).
      Such a file was read as Windows-1251 or Windows-1252."""
    if len(_HAN.findall(head)) + len(_HALF_KATAKANA.findall(head)) < SCRIPT_SHARE * others:
        return False
    if _low_lead_share(sample) >= KANJI_LOW_LEAD_SHARE:
        return True
    katakana = _letter_score(sample, "cp932")
    return katakana >= KATAKANA_TEXT and katakana > 2 * _letter_score(sample, "cp1251")


def _low_lead_share(sample: bytes) -> float:
    """Two-byte characters (read as GBK pairs) whose first byte is below ``0xA1``, as a
    share of them all: the GBK extension's rare characters, or Shift-JIS's kanji."""
    pairs = _DOUBLE.findall(sample)
    return sum(pair[0] < 0xA1 for pair in pairs) / max(len(pairs), 1)


def _letter_score(sample: bytes, codec: str) -> float:
    """How much ``sample`` read as ``codec`` looks like that script's text: the share of
    its high characters that are the script's letters, times the share of those that are
    its :data:`COMMON_LETTERS` most frequent ones, times the share of its words written
    in a case a writer uses (``молоко``, ``Молоко``, ``МОЛОКО``; Arabic read as Cyrillic
    gives ``ИнЦ``, Greek ``гЬла``). 0 where the bytes are no such text."""
    text = _strict(sample, codec, partial=True)
    if text is None:
        return 0.0
    words = _WORDS.findall(text)
    cased = sum(w.islower() or w.isupper() or w.istitle() or w.lower() == w.upper() for w in words)
    text = text.lower()
    letters = LETTERS[codec]
    found = [ch for ch in text if ch in letters]
    high = len(_NON_ASCII.findall(text)) or 1
    common = sum(ch in letters[:COMMON_LETTERS] for ch in found) / max(len(found), 1)
    return len(found) / high * common * (cased / max(len(words), 1))


def _low_second_byte_share(sample: bytes) -> float:
    """Two-byte characters whose second byte is below ``0xA1``, as a share of them all
    (about a third in Big5, none in GBK's and CP949's common characters)."""
    pairs = _DOUBLE.findall(sample)
    return sum(pair[1] < 0xA1 for pair in pairs) / max(len(pairs), 1)


def _pair_run_share(sample: bytes) -> float:
    """Bytes of two-byte characters that stand beside another, as a share of all such
    bytes. Big5's ASCII second bytes (``鮮`` is ``C1 61``) break its runs of high bytes, so
    they are counted by characters: Chinese names run two to four characters; a Western
    accent and the letter after it (``è m`` in ``Crème``) mostly stand alone."""
    pairs = len(_DOUBLE.findall(sample))
    in_runs = sum(len(run) for run in _DOUBLE_RUNS.findall(sample))
    return in_runs / max(2 * pairs, 1)


def _strict(raw: bytes, codec: str, *, partial: bool = False) -> str | None:
    """``raw`` decoded, or None where it is not that code page. ``partial``: the sample
    may end inside a character."""
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        if partial and exc.start >= len(raw) - 2:
            return raw[: exc.start].decode(codec, errors="replace")
        return None
