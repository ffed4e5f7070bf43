"""CSV import of a supplier's price list (all rows validated first, then all-or-nothing) and CSV export."""
from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, tuple_
from sqlalchemy.orm import selectinload

from catalogue.models import Category, ContractPrice, Product, Variant
from catalogue.services import (
    CatalogueError,
    check_price_values,
    check_product_values,
    check_variant_values,
    normalise_gtin,
    prices_in_force,
)
from stomi_app import safecsv
from stomi_app.money import FILE_LOCALE, AmountError, csv_amount, parse_oere
from stomi_app.extensions import db

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
CHUNK = 500  # keeps IN (...) lists well under every engine's parameter limit

REQUIRED_COLUMNS = [
    "category_code", "manufacturer", "product_name", "article_number", "gtin", "pack_size", "unit",
    "price_dkk", "valid_from", "contract_reference",
]
OPTIONAL_COLUMNS = [
    "valid_to", "vat_rate_pct", "hmi_number", "system", "precut_mm", "cut_min_mm", "cut_max_mm", "convex",
    "coupling_mm", "description_da", "description_en",
]
# The export writes the import's columns (so an exported file can be edited and imported) plus the state.
EXPORT_COLUMNS = [
    "category_code", "manufacturer", "product_name", "system", "hmi_number", "article_number", "gtin", "pack_size",
    "unit", "precut_mm", "cut_min_mm", "cut_max_mm", "convex", "coupling_mm", "price_dkk", "vat_rate_pct",
    "valid_from", "valid_to", "contract_reference", "active", "description_da", "description_en",
]
TEXT_COLUMNS = {"category_code", "manufacturer", "product_name", "article_number", "unit", "contract_reference",
                "hmi_number", "system", "description_da", "description_en"}
# Spreadsheets run a cell starting with one of these as a formula (CSV injection, e.g. =cmd|' /C calc'!A0).
FORMULA_STARTS = safecsv.FORMULA_START  # refused on import: the export would have to neutralise them
TEXT_LIMITS = {"manufacturer": 100, "product_name": 200, "article_number": 40, "unit": 20, "contract_reference": 60,
               "hmi_number": 20, "category_code": 60, "description_da": 4000, "description_en": 4000}
# Which CSV column a service-level field error belongs to.
FIELD_TO_COLUMN = {"name": "product_name", "category_id": "category_code", "price": "price_dkk"}
TRUE_WORDS = {"1", "ja", "yes", "true", "sand", "x", "konveks", "convex"}
FALSE_WORDS = {"", "0", "nej", "no", "false", "falsk", "flad", "flat"}
SYSTEM_WORDS = {"one_piece": "one_piece", "1-dels": "one_piece", "1": "one_piece", "two_piece": "two_piece",
                "2-dels": "two_piece", "2": "two_piece", "": None}


class ImportRefused(CatalogueError):
    """The file as a whole cannot be read (size, encoding, delimiter, columns): no row was looked at."""


@dataclass
class RowError:
    line: int  # the line in the file as a spreadsheet shows it: the header is line 1
    column: str
    value: str
    message: str


@dataclass
class ImportReport:
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0
    products_created: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    prices_added: int = 0
    prices_closed: int = 0
    prices_unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    raw: dict[str, str]
    values: dict = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, self.raw.get(column, ""), message))


# ---------------------------------------------------------------- reading the file

def decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding name: UTF-8 (with or without BOM) or Windows-1252, anything else refused."""
    refuse = _("The file must be saved as UTF-8 or Windows-1252 text (in Excel: \"CSV UTF-8\"). %(detail)s")
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise ImportRefused(refuse % {"detail": _("This file is UTF-32.")})
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        raise ImportRefused(refuse % {"detail": _("This file is UTF-16 or not a text file.")})
    if data.startswith(codecs.BOM_UTF8):
        try:
            text, encoding = data[len(codecs.BOM_UTF8):].decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            raise ImportRefused(refuse % {"detail": _("The file says it is UTF-8 but is not.")}) from None
    else:
        try:
            text, encoding = data.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError:
                raise ImportRefused(refuse % {"detail": _("It contains bytes that are valid in neither encoding.")}) from None
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text):
        raise ImportRefused(refuse % {"detail": _("The file contains control characters, so it is not a text file.")})
    return text, encoding


def detect_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    semicolons, commas = header.count(";"), header.count(",")
    if not semicolons and not commas:
        raise ImportRefused(_("Columns must be separated by semicolons (;) or commas (,). The first line of this file has neither."))
    return ";" if semicolons >= commas else ","


def _normalise_header(name: str) -> str:
    return name.strip().strip('"').strip().lower().replace(" ", "_").replace("-", "_")


def read_rows(data: bytes) -> tuple[list[_Row], ImportReport]:
    if len(data) > MAX_BYTES:
        raise ImportRefused(_("The file is larger than %(mb)s MB. Split the price list into smaller files.", mb=MAX_BYTES // (1024 * 1024)))
    text, encoding = decode(data)
    if not text.strip():
        raise ImportRefused(_("The file is empty."))
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [_normalise_header(h) for h in next(reader)]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise ImportRefused(_("Required columns are missing: %(missing)s. The file must have the columns: %(required)s.",
                                  missing=", ".join(missing), required=", ".join(REQUIRED_COLUMNS)))
        doubled = sorted({h for h in header if h and header.count(h) > 1})
        if doubled:
            raise ImportRefused(_("These columns appear more than once: %(columns)s.", columns=", ".join(doubled)))
        rows: list[_Row] = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportRefused(_("The file has more than %(max)s rows.", max=MAX_ROWS))
            row = _Row(line=reader.line_num, raw={h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)})
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                row.error("", _("The row has %(cells)s cells but the header has %(columns)s. Is a decimal comma in an unquoted cell?",
                                cells=len(cells), columns=len(header)))
            rows.append(row)
    except csv.Error as exc:
        raise ImportRefused(_("The file is not valid CSV near line %(line)s: %(detail)s", line=reader.line_num, detail=str(exc))) from None
    except StopIteration:
        raise ImportRefused(_("The file is empty.")) from None
    if not rows:
        raise ImportRefused(_("The file has a header but no rows."))
    return rows, ImportReport(encoding=encoding, delimiter=delimiter, rows=len(rows))


# ---------------------------------------------------------------- parsing cells

def _text(row: _Row, column: str, *, required: bool = False) -> str | None:
    value = row.raw.get(column, "").strip()
    if not value:
        if required:
            row.error(column, _("This column must be filled in."))
        return None
    if value.startswith(FORMULA_STARTS):
        row.error(column, _("Text may not start with =, +, -, @ or a tab: it would run as a spreadsheet formula."))
        return None
    if len(value) > TEXT_LIMITS.get(column, 200):
        row.error(column, _("The text is longer than %(max)s characters.", max=TEXT_LIMITS.get(column, 200)))
        return None
    return value


def _int(row: _Row, column: str, *, required: bool = False) -> int | None:
    value = row.raw.get(column, "").strip()
    if not value:
        if required:
            row.error(column, _("This column must be filled in."))
        return None
    if not re.fullmatch(r"-?\d{1,9}", value):
        row.error(column, _("Must be a whole number."))
        return None
    return int(value)


def _price(row: _Row, column: str) -> int | None:
    value = row.raw.get(column, "").strip()
    if not value:
        row.error(column, _("This column must be filled in."))
        return None
    try:  # a price list is read in Danish notation whoever uploads it: the export writes it so, the page says so
        return parse_oere(value, locale=FILE_LOCALE)
    except AmountError as exc:
        row.error(column, _("The price cannot be negative.") if exc.reason == "negative" else str(exc.message))
        return None


def _date(row: _Row, column: str, *, required: bool = False) -> date | None:
    value = row.raw.get(column, "").strip()
    if not value:
        if required:
            row.error(column, _("This column must be filled in."))
        return None
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    row.error(column, _("Must be a date, e.g. 2026-01-01 or 01-01-2026."))
    return None


def _bool(row: _Row, column: str) -> bool:
    value = row.raw.get(column, "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value not in FALSE_WORDS:
        row.error(column, _("Must be yes or no (ja/nej)."))
    return False


def _system(row: _Row, column: str) -> str | None:
    value = row.raw.get(column, "").strip().lower()
    if value not in SYSTEM_WORDS:
        row.error(column, _("Must be one_piece, two_piece or empty."))
        return None
    return SYSTEM_WORDS[value]


def _parse(row: _Row, categories: dict[str, Category]) -> None:
    v = row.values
    v["category_code"] = _text(row, "category_code", required=True)
    v["manufacturer"] = _text(row, "manufacturer", required=True)
    v["product_name"] = _text(row, "product_name", required=True)
    v["article_number"] = _text(row, "article_number", required=True)
    v["unit"] = _text(row, "unit", required=True)
    v["contract_reference"] = _text(row, "contract_reference", required=True)
    for column in ("hmi_number", "description_da", "description_en"):
        v[column] = _text(row, column)
    v["system"] = _system(row, "system")
    v["gtin_raw"] = row.raw.get("gtin", "").strip()
    v["gtin"] = normalise_gtin(v["gtin_raw"])
    v["pack_size"] = _int(row, "pack_size", required=True)
    for column in ("precut_mm", "cut_min_mm", "cut_max_mm", "coupling_mm"):
        v[column] = _int(row, column)
    vat = _int(row, "vat_rate_pct")
    v["vat_rate_pct"] = 25 if vat is None and not row.raw.get("vat_rate_pct", "").strip() else vat
    v["convex"] = _bool(row, "convex")
    v["price_oere"] = _price(row, "price_dkk")
    v["valid_from"] = _date(row, "valid_from", required=True)
    v["valid_to"] = _date(row, "valid_to")
    # Every problem of the row at once: the rules below still judge what could be read, and a column that could not
    # be read already has its message (the rules would only repeat it as "missing").
    unreadable = {e.column for e in row.errors}
    category = categories.get(v["category_code"]) if v["category_code"] else None
    if v["category_code"] and category is None:
        row.error("category_code", _("Unknown category code. Known codes: %(codes)s.", codes=", ".join(sorted(categories))))
    v["category"] = category
    rule_errors = {}
    rule_errors.update(check_variant_values(
        article_number=v["article_number"], gtin=v["gtin_raw"], pack_size=v["pack_size"], unit=v["unit"],
        precut_mm=v["precut_mm"], cut_min_mm=v["cut_min_mm"], cut_max_mm=v["cut_max_mm"], coupling_mm=v["coupling_mm"]))
    rule_errors.update(check_price_values(valid_from=v["valid_from"], valid_to=v["valid_to"], price_oere=v["price_oere"],
                                          contract_reference=v["contract_reference"], vat_rate_pct=v["vat_rate_pct"]))
    product_errors = check_product_values(category_id=category.id if category else None, manufacturer=v["manufacturer"],
                                          name=v["product_name"], system=v["system"], hmi_number=v["hmi_number"])
    product_errors.pop("category_id", None)  # reported above with the known codes
    rule_errors.update(product_errors)
    for name, message in rule_errors.items():
        if FIELD_TO_COLUMN.get(name, name) not in unreadable:
            row.error(FIELD_TO_COLUMN.get(name, name), message)


# ---------------------------------------------------------------- checks across rows and against the catalogue

def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _periods_overlap(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return (a_to is None or b_from <= a_to) and (b_to is None or a_from <= b_to)


def _check_against_file(rows: list[_Row]) -> None:
    seen_article: dict[str, int] = {}
    seen_gtin: dict[str, int] = {}
    product_category: dict[tuple[str, str], tuple[str, int]] = {}
    for row in rows:
        v = row.values
        article, gtin = v.get("article_number"), v.get("gtin")
        if article:
            if article in seen_article:
                row.error("article_number", _("The article number also appears in line %(line)s.", line=seen_article[article]))
            else:
                seen_article[article] = row.line
        if gtin:
            if gtin in seen_gtin:
                row.error("gtin", _("The GTIN also appears in line %(line)s.", line=seen_gtin[gtin]))
            else:
                seen_gtin[gtin] = row.line
        key = (v.get("manufacturer"), v.get("product_name"))
        if all(key) and v.get("category_code"):
            first = product_category.setdefault(key, (v["category_code"], row.line))
            if first[0] != v["category_code"]:
                row.error("category_code", _("The same product has category %(code)s in line %(line)s.", code=first[0], line=first[1]))


def _check_against_catalogue(rows: list[_Row], *, close_open_prices: bool) -> tuple[dict, dict]:
    """Conflicts with what is stored; returns the existing variants by article number and products by key."""
    articles = [r.values["article_number"] for r in rows if r.values.get("article_number")]
    gtins = [r.values["gtin"] for r in rows if r.values.get("gtin")]
    keys = list({(r.values["manufacturer"], r.values["product_name"]) for r in rows
                 if r.values.get("manufacturer") and r.values.get("product_name")})
    by_article: dict[str, Variant] = {}
    for chunk in _chunks(articles):
        for variant in db.session.scalars(select(Variant).where(Variant.article_number.in_(chunk))
                                          .options(selectinload(Variant.product), selectinload(Variant.prices))):
            by_article[variant.article_number] = variant
    by_gtin: dict[str, tuple[str, int]] = {}
    for chunk in _chunks(gtins):
        for gtin, article, variant_id in db.session.execute(select(Variant.gtin, Variant.article_number, Variant.id).where(Variant.gtin.in_(chunk))):
            by_gtin[gtin] = (article, variant_id)
    products: dict[tuple[str, str], Product] = {}
    for chunk in _chunks(keys):
        for product in db.session.scalars(select(Product).where(tuple_(Product.manufacturer, Product.name).in_(chunk))
                                          .options(selectinload(Product.category))):
            products[(product.manufacturer, product.name)] = product

    for row in rows:
        v = row.values
        # A row with other problems is still compared with what it could read, so the report has them all at once.
        if not v.get("article_number"):
            continue
        variant = by_article.get(v["article_number"])
        owner = by_gtin.get(v.get("gtin"))
        if owner is not None and owner[0] != v["article_number"]:
            row.error("gtin", _("The GTIN already belongs to article number %(article)s.", article=owner[0]))
        product = products.get((v.get("manufacturer"), v.get("product_name")))
        if product is not None and v.get("category") is not None and product.category_id != v["category"].id:
            row.error("category_code", _("The product is already in the catalogue in category %(code)s.", code=product.category.code))
        if variant is None:
            continue
        if v.get("gtin") and variant.gtin != v["gtin"]:
            row.error("article_number", _("The article number is already in the catalogue with GTIN %(gtin)s.", gtin=variant.gtin))
        if v.get("manufacturer") and v.get("product_name") and \
                (variant.product.manufacturer, variant.product.name) != (v["manufacturer"], v["product_name"]):
            row.error("article_number", _("The article number already belongs to the product %(name)s from %(manufacturer)s.",
                                          name=variant.product.name, manufacturer=variant.product.manufacturer))
        if v.get("valid_from") is None or v.get("price_oere") is None:
            continue  # the period or price could not be read: reported already
        same = [p for p in variant.prices if (p.valid_from, p.valid_to, p.price_oere, p.vat_rate_pct, p.contract_reference) ==
                (v["valid_from"], v["valid_to"], v["price_oere"], v["vat_rate_pct"], v["contract_reference"])]
        if same:
            v["price_unchanged"] = True  # the same file imported again: nothing to add
            continue
        for price in variant.prices:
            if close_open_prices and price.valid_to is None and price.valid_from < v["valid_from"]:
                continue  # will be ended the day before the new period
            if _periods_overlap(price.valid_from, price.valid_to, v["valid_from"], v["valid_to"]):
                end = price.valid_to.isoformat() if price.valid_to else _("no end date")
                row.error("valid_from", _("The period overlaps the stored price %(start)s – %(end)s (contract %(ref)s).",
                                          start=price.valid_from.isoformat(), end=end, ref=price.contract_reference))
                break
    return by_article, products


# ---------------------------------------------------------------- the import

def import_price_list(data: bytes, *, close_open_prices: bool = False) -> ImportReport:
    """Validate every row, then import all of them or none. Nothing is written when the report has errors.

    Raises ImportRefused when the file as a whole cannot be read. Only flushes: the caller commits."""
    rows, report = read_rows(data)
    categories = {c.code: c for c in db.session.scalars(select(Category))}
    for row in rows:
        if not row.errors:
            _parse(row, categories)
    _check_against_file(rows)
    by_article, products = _check_against_catalogue(rows, close_open_prices=close_open_prices)
    report.errors = sorted((e for row in rows for e in row.errors), key=lambda e: e.line)
    if report.errors:
        return report
    with db.session.begin_nested():
        _apply(rows, by_article, products, report, close_open_prices=close_open_prices)
    return report


def _apply(rows: list[_Row], by_article: dict[str, Variant], products: dict, report: ImportReport, *, close_open_prices: bool) -> None:
    for row in rows:
        v = row.values
        key = (v["manufacturer"], v["product_name"])
        product = products.get(key)
        if product is None:
            product = Product(category=v["category"], manufacturer=v["manufacturer"], name=v["product_name"],
                              description_da=v["description_da"] or "", description_en=v["description_en"] or "",
                              hmi_number=v["hmi_number"], system=v["system"], active=True)
            db.session.add(product)
            products[key] = product
            report.products_created += 1
        else:
            # The supplier's list is the source for what it fills in; an empty cell keeps what is stored.
            for attr in ("description_da", "description_en", "hmi_number", "system"):
                if v[attr]:
                    setattr(product, attr, v[attr])
        attrs = {k: v[k] for k in ("pack_size", "unit", "precut_mm", "cut_min_mm", "cut_max_mm", "convex", "coupling_mm")}
        variant = by_article.get(v["article_number"])
        if variant is None:
            variant = Variant(product=product, article_number=v["article_number"], gtin=v["gtin"], active=True, **attrs)
            db.session.add(variant)
            report.variants_created += 1
        else:
            if any(getattr(variant, k) != value for k, value in attrs.items()):
                report.variants_updated += 1
            for k, value in attrs.items():
                setattr(variant, k, value)
            if v.get("price_unchanged"):
                report.prices_unchanged += 1
                continue
            if close_open_prices:
                for price in variant.prices:
                    if price.valid_to is None and price.valid_from < v["valid_from"]:
                        price.valid_to = v["valid_from"] - timedelta(days=1)
                        report.prices_closed += 1
        variant.prices.append(ContractPrice(valid_from=v["valid_from"], valid_to=v["valid_to"], price_oere=v["price_oere"],
                                            vat_rate_pct=v["vat_rate_pct"], contract_reference=v["contract_reference"]))
        report.prices_added += 1
    db.session.flush()


# ---------------------------------------------------------------- the export

def export_catalogue(on: date, *, include_inactive: bool = True) -> str:
    """The catalogue as semicolon-separated CSV (what Danish Excel expects), one row per variant, price in force `on`."""
    stmt = (select(Variant, Product, Category).join(Product, Variant.product_id == Product.id)
            .join(Category, Product.category_id == Category.id)
            .order_by(Category.sort_order, Product.name, Variant.article_number))
    if not include_inactive:
        stmt = stmt.where(Variant.active.is_(True), Product.active.is_(True))
    rows = db.session.execute(stmt).all()
    prices = {}
    ids = [variant.id for variant, _p, _c in rows]
    for chunk in _chunks(ids):
        prices.update(prices_in_force(chunk, on))
    out = io.StringIO()
    writer = safecsv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for variant, product, category in rows:
        price = prices.get(variant.id)
        record = {
            "category_code": category.code, "manufacturer": product.manufacturer, "product_name": product.name,
            "system": product.system or "", "hmi_number": product.hmi_number or "", "article_number": variant.article_number,
            "gtin": variant.gtin, "pack_size": variant.pack_size, "unit": variant.unit, "precut_mm": variant.precut_mm,
            "cut_min_mm": variant.cut_min_mm, "cut_max_mm": variant.cut_max_mm, "convex": "ja" if variant.convex else "nej",
            "coupling_mm": variant.coupling_mm, "price_dkk": csv_amount(price.price_oere if price else None),
            "vat_rate_pct": price.vat_rate_pct if price else "", "valid_from": price.valid_from.isoformat() if price else "",
            "valid_to": price.valid_to.isoformat() if price and price.valid_to else "",
            "contract_reference": price.contract_reference if price else "",
            "active": "ja" if variant.active and product.active else "nej",
            "description_da": product.description_da, "description_en": product.description_en,
        }
        writer.writerow(["" if record[c] is None else str(record[c]) for c in EXPORT_COLUMNS])
    return out.getvalue()
