"""The catalogue's rules: prices in force, validated products and variants, discontinuation, neutral search."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from flask_babel import format_date, gettext as _
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload
from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumValidationError

from catalogue.models import Category, ContractPrice, Product, ProductArea, ProductSystem, Variant
from stomi_app.errors import DomainError
from stomi_app.extensions import db
from stomi_app.paging import Page  # the one page of a long list, for the catalogue too
from stomi_app.text import clean_text

# A stoma's diameter and the cutting ranges of real baseplates lie within these bounds.
CUT_MIN_LIMIT_MM = 5
CUT_MAX_LIMIT_MM = 100
PER_PAGE = 25
VAT_RATE_PCT = 25
SYSTEMS = tuple(s.value for s in ProductSystem)


class CatalogueError(DomainError):
    """A catalogue rule was broken; `errors` maps a field name (or "") to a message for the user."""

    def __init__(self, message: str, field_name: str = ""):
        super().__init__({field_name: message})
        self.message = message


class CatalogueValidationError(CatalogueError):
    """Several fields at once."""

    def __init__(self, errors: dict[str, str]):
        DomainError.__init__(self, dict(errors))
        self.message = str(self)


class NoPriceInForce(CatalogueError):
    pass


class OverlappingPrice(CatalogueError):
    pass


# ---------------------------------------------------------------- prices

def _variant_id(variant_or_id: Variant | int) -> int:
    return variant_or_id.id if isinstance(variant_or_id, Variant) else int(variant_or_id)


def price_in_force_on(on):
    """The condition for a contract price in force on `on` (a date, or a bound parameter for a statement built once)."""
    return and_(ContractPrice.valid_from <= on, or_(ContractPrice.valid_to.is_(None), ContractPrice.valid_to >= on))


def price_in_force(variant_or_id: Variant | int, on: date) -> ContractPrice:
    """The contract price of a variant on a day (both ends inclusive); orders copy what this returns."""
    variant_id = _variant_id(variant_or_id)
    price = db.session.scalar(
        select(ContractPrice).where(ContractPrice.variant_id == variant_id, price_in_force_on(on))
        .order_by(ContractPrice.valid_from.desc()).limit(1)
    )
    if price is None:
        raise NoPriceInForce(_("The product has no contract price on %(day)s.", day=format_date(on, "short")))
    return price


def prices_in_force(variant_ids: Iterable[int], on: date) -> dict[int, ContractPrice]:
    """Prices in force for many variants in one query (for lists); variants without a price are left out."""
    ids = list(set(variant_ids))
    if not ids:
        return {}
    rows = db.session.scalars(
        select(ContractPrice).where(ContractPrice.variant_id.in_(ids), price_in_force_on(on))
    )
    return {p.variant_id: p for p in rows}


def overlapping_price(variant_id: int, valid_from: date, valid_to: date | None, *, exclude_id: int | None = None) -> ContractPrice | None:
    """An existing price of the variant whose period shares at least one day with [valid_from, valid_to]."""
    conditions = [
        ContractPrice.variant_id == variant_id,
        or_(ContractPrice.valid_to.is_(None), ContractPrice.valid_to >= valid_from),
    ]
    if valid_to is not None:
        conditions.append(ContractPrice.valid_from <= valid_to)
    if exclude_id is not None:
        conditions.append(ContractPrice.id != exclude_id)
    return db.session.scalar(select(ContractPrice).where(*conditions).order_by(ContractPrice.valid_from).limit(1))


def check_price_values(*, valid_from: date | None, valid_to: date | None, price_oere: int | None,
                       contract_reference: str | None, vat_rate_pct: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if valid_from is None:
        errors["valid_from"] = _("Enter the first day of the price period.")
    elif valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = _("The last day cannot be before the first day.")
    if price_oere is None:
        errors["price"] = _("Enter the price excluding VAT.")
    elif price_oere < 0:
        errors["price"] = _("The price cannot be negative.")
    if not (contract_reference or "").strip():
        errors["contract_reference"] = _("Enter the supplier contract reference.")
    if vat_rate_pct is None or not 0 <= vat_rate_pct <= 100:
        errors["vat_rate_pct"] = _("The VAT rate must be between 0 and 100 %.")
    return errors


def add_contract_price(variant: Variant, *, valid_from: date, valid_to: date | None, contract_reference: str,
                       price_oere: int, vat_rate_pct: int = VAT_RATE_PCT, close_open_price: bool = False) -> ContractPrice:
    """Add a price period; refuses one that shares a day with another period of the same variant.

    With `close_open_price`, an open-ended earlier period is ended the day before the new one starts
    (the usual case when a new contract period begins)."""
    errors = check_price_values(valid_from=valid_from, valid_to=valid_to, price_oere=price_oere,
                                contract_reference=contract_reference, vat_rate_pct=vat_rate_pct)
    if errors:
        raise CatalogueValidationError(errors)
    if close_open_price:
        open_price = db.session.scalar(select(ContractPrice).where(
            ContractPrice.variant_id == variant.id, ContractPrice.valid_to.is_(None), ContractPrice.valid_from < valid_from))
        if open_price is not None:
            open_price.valid_to = date.fromordinal(valid_from.toordinal() - 1)
            db.session.flush()
    clash = overlapping_price(variant.id, valid_from, valid_to)
    if clash is not None:
        raise OverlappingPrice(overlap_message(clash), "valid_from")
    price = ContractPrice(variant=variant, valid_from=valid_from, valid_to=valid_to,
                          contract_reference=clean_text(contract_reference).strip(), price_oere=price_oere, vat_rate_pct=vat_rate_pct)
    db.session.add(price)
    db.session.flush()
    return price


def overlap_message(clash: ContractPrice) -> str:
    if clash.valid_to is None:
        return _("The period overlaps the price valid from %(start)s with no end date (contract %(ref)s).",
                 start=format_date(clash.valid_from, "short"), ref=clash.contract_reference)
    return _("The period overlaps the price valid %(start)s to %(end)s (contract %(ref)s).",
             start=format_date(clash.valid_from, "short"), end=format_date(clash.valid_to, "short"), ref=clash.contract_reference)


# ---------------------------------------------------------------- products and variants

def normalise_gtin(value: str | None) -> str | None:
    """The GTIN-13 as 13 digits, or None when it is not a valid GTIN-13 (length and check digit)."""
    digits = clean_text(value).strip().replace(" ", "").replace("-", "")
    if len(digits) != 13:
        return None
    try:
        return ean.validate(digits)
    except StdnumValidationError:
        return None


def check_product_values(*, category_id: int | None, manufacturer: str | None, name: str | None,
                         system: str | None, hmi_number: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if category_id is None or db.session.get(Category, category_id) is None:
        errors["category_id"] = _("Choose a category.")
    if not (manufacturer or "").strip():
        errors["manufacturer"] = _("Enter the manufacturer.")
    if not (name or "").strip():
        errors["name"] = _("Enter the product name.")
    if system not in (None, "", *SYSTEMS):
        errors["system"] = _("Choose one-piece, two-piece or neither.")
    if hmi_number and not (hmi_number.strip().isascii() and hmi_number.strip().isdigit()):
        errors["hmi_number"] = _("The HMI number consists of digits only.")
    return errors


def _product_values(values: dict) -> dict:
    return {
        "category_id": values.get("category_id"),
        "manufacturer": clean_text(values.get("manufacturer")).strip(),
        "name": clean_text(values.get("name")).strip(),
        "description_da": clean_text(values.get("description_da")).strip(),
        "description_en": clean_text(values.get("description_en")).strip(),
        "hmi_number": clean_text(values.get("hmi_number")).strip() or None,
        "system": values.get("system") or None,
    }


def create_product(**values) -> Product:
    clean = _product_values(values)
    errors = check_product_values(category_id=clean["category_id"], manufacturer=clean["manufacturer"], name=clean["name"],
                                  system=clean["system"], hmi_number=clean["hmi_number"])
    if errors:
        raise CatalogueValidationError(errors)
    product = Product(**clean, active=True)
    db.session.add(product)
    db.session.flush()
    return product


def update_product(product: Product, **values) -> Product:
    clean = _product_values(values)
    errors = check_product_values(category_id=clean["category_id"], manufacturer=clean["manufacturer"], name=clean["name"],
                                  system=clean["system"], hmi_number=clean["hmi_number"])
    if errors:
        raise CatalogueValidationError(errors)
    for key, value in clean.items():
        setattr(product, key, value)
    db.session.flush()
    return product


def check_variant_values(*, article_number: str | None, gtin: str | None, pack_size: int | None, unit: str | None,
                         precut_mm: int | None, cut_min_mm: int | None, cut_max_mm: int | None,
                         coupling_mm: int | None) -> dict[str, str]:
    """The rules of a variant that need no database: GTIN-13, pack size, one size or a sound cutting range."""
    errors: dict[str, str] = {}
    if not (article_number or "").strip():
        errors["article_number"] = _("Enter the supplier's article number.")
    if normalise_gtin(gtin) is None:
        errors["gtin"] = _("The GTIN must be 13 digits with a valid check digit.")
    if pack_size is None or pack_size <= 0:
        errors["pack_size"] = _("The pack size must be a whole number greater than 0.")
    if not (unit or "").strip():
        errors["unit"] = _("Enter the unit of issue, e.g. box.")
    if (cut_min_mm is None) != (cut_max_mm is None):
        field_name = "cut_max_mm" if cut_max_mm is None else "cut_min_mm"
        errors[field_name] = _("A cutting range needs both a smallest and a largest size.")
    elif cut_min_mm is not None:
        if not (CUT_MIN_LIMIT_MM <= cut_min_mm <= CUT_MAX_LIMIT_MM and CUT_MIN_LIMIT_MM <= cut_max_mm <= CUT_MAX_LIMIT_MM):
            errors["cut_min_mm"] = _("The cutting range must lie within %(low)s–%(high)s mm.",
                                     low=CUT_MIN_LIMIT_MM, high=CUT_MAX_LIMIT_MM)
        elif cut_min_mm >= cut_max_mm:
            errors["cut_max_mm"] = _("The largest cutting size must be greater than the smallest.")
        if precut_mm is not None:
            errors["precut_mm"] = _("A variant is either pre-cut or cut-to-fit, not both.")
    if precut_mm is not None and "precut_mm" not in errors and not CUT_MIN_LIMIT_MM <= precut_mm <= CUT_MAX_LIMIT_MM:
        errors["precut_mm"] = _("The pre-cut size must lie within %(low)s–%(high)s mm.", low=CUT_MIN_LIMIT_MM, high=CUT_MAX_LIMIT_MM)
    if coupling_mm is not None and not 10 <= coupling_mm <= 120:
        errors["coupling_mm"] = _("The coupling size must lie within 10–120 mm.")
    return errors


VARIANT_FIELDS = ("article_number", "gtin", "pack_size", "unit", "precut_mm", "cut_min_mm", "cut_max_mm", "convex", "coupling_mm")


def _variant_values(values: dict) -> dict:
    clean = {key: values.get(key) for key in VARIANT_FIELDS}
    clean["article_number"] = clean_text(clean["article_number"]).strip()
    clean["unit"] = clean_text(clean["unit"]).strip()
    clean["gtin"] = clean_text(clean["gtin"]).strip()
    clean["convex"] = bool(clean["convex"])
    return clean


def _check_variant(clean: dict, *, exclude_id: int | None) -> None:
    errors = check_variant_values(**{k: v for k, v in clean.items() if k != "convex"})
    if "gtin" not in errors:
        clean["gtin"] = normalise_gtin(clean["gtin"])
        same_gtin = select(Variant.id).where(Variant.gtin == clean["gtin"])
        if exclude_id is not None:
            same_gtin = same_gtin.where(Variant.id != exclude_id)
        if db.session.scalar(same_gtin) is not None:
            errors["gtin"] = _("Another variant already has this GTIN.")
    if "article_number" not in errors:
        same_article = select(Variant.id).where(Variant.article_number == clean["article_number"])
        if exclude_id is not None:
            same_article = same_article.where(Variant.id != exclude_id)
        if db.session.scalar(same_article) is not None:
            errors["article_number"] = _("Another variant already has this article number.")
    if errors:
        raise CatalogueValidationError(errors)


def create_variant(product: Product, **values) -> Variant:
    clean = _variant_values(values)
    _check_variant(clean, exclude_id=None)
    variant = Variant(product=product, active=True, **clean)
    db.session.add(variant)
    db.session.flush()
    return variant


def update_variant(variant: Variant, **values) -> Variant:
    clean = _variant_values(values)
    _check_variant(clean, exclude_id=variant.id)
    for key, value in clean.items():
        setattr(variant, key, value)
    db.session.flush()
    return variant


def discontinue_variant(variant: Variant, on: date) -> Variant:
    """Take a variant out of the assortment; grants and orders keep referring to it."""
    if variant.active:
        variant.active = False
        variant.discontinued_at = on
        db.session.flush()
    return variant


def reactivate_variant(variant: Variant) -> Variant:
    variant.active = True
    variant.discontinued_at = None
    if not variant.product.active:
        variant.product.active = True
    db.session.flush()
    return variant


def discontinue_product(product: Product, on: date) -> Product:
    product.active = False
    for variant in product.variants:
        discontinue_variant(variant, on)
    db.session.flush()
    return product


# ---------------------------------------------------------------- browsing

@dataclass
class CatalogueQuery:
    """What a person searched for; every field is optional."""

    text: str = ""
    category_id: int | None = None
    system: str | None = None  # one_piece / two_piece
    convex: bool | None = None  # True convex, False flat
    cut_mm: int | None = None  # the variant can be cut to (or is pre-cut at) this size
    order: str = "name"  # name / category: neutral orders only, never by supplier
    include_inactive: bool = False


@dataclass
class ProductHit:
    product: Product
    variants: list[Variant] = field(default_factory=list)  # the variants matching the query


def _variant_conditions(query: CatalogueQuery) -> list:
    conditions = []
    text = clean_text(query.text).strip()
    if text:
        digits = text.replace(" ", "").replace("-", "")
        matches = [
            Product.name.icontains(text, autoescape=True),
            Variant.article_number.icontains(text, autoescape=True),
            Product.hmi_number == text,
        ]
        if digits.isascii() and digits.isdigit():
            # A full GTIN (often read by a scanner) is an exact match; a fragment of one may be typed.
            matches.append(Variant.gtin.contains(digits, autoescape=True))
        conditions.append(or_(*matches))
    if query.category_id:
        conditions.append(Product.category_id == query.category_id)
    if query.system in SYSTEMS:
        conditions.append(Product.system == query.system)
    if query.convex is not None:
        conditions.append(Variant.convex.is_(query.convex))
    if query.cut_mm is not None:
        conditions.append(or_(
            and_(Variant.cut_min_mm <= query.cut_mm, Variant.cut_max_mm >= query.cut_mm),
            Variant.precut_mm == query.cut_mm,
        ))
    if not query.include_inactive:
        conditions.extend([Variant.active.is_(True), Product.active.is_(True)])
    return conditions


def _matching_variants(query: CatalogueQuery) -> Select:
    return select(Variant.id, Variant.product_id).join(Product, Variant.product_id == Product.id).where(*_variant_conditions(query))


def search(query: CatalogueQuery, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """Products with at least one matching variant, in a neutral order, one page at a time.

    Four queries whatever the page size: the count, the page of products, their categories, their matching variants."""
    matching = _matching_variants(query).subquery()
    product_ids = select(matching.c.product_id).distinct()
    total = db.session.scalar(select(func.count()).select_from(product_ids.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    ordering = [func.lower(Product.name), Product.id]
    if query.order == "category":
        ordering = [Category.sort_order, Category.id, *ordering]
    products = list(db.session.scalars(
        select(Product).join(Category, Product.category_id == Category.id)
        .where(Product.id.in_(product_ids))
        .options(selectinload(Product.category))
        .order_by(*ordering).limit(per_page).offset((page - 1) * per_page)
    ))
    hits = {p.id: ProductHit(p) for p in products}
    if hits:
        variants = db.session.scalars(
            select(Variant).where(Variant.id.in_(select(matching.c.id)), Variant.product_id.in_(list(hits)))
            .order_by(Variant.cut_min_mm, Variant.precut_mm, Variant.pack_size, Variant.article_number)
        )
        for variant in variants:
            hits[variant.product_id].variants.append(variant)
    return Page(items=[hits[p.id] for p in products], page=page, per_page=per_page, total=total)


def product_with_variants(product_id: int, *, include_inactive: bool = False) -> tuple[Product, list[Variant]] | None:
    product = db.session.scalar(
        select(Product).where(Product.id == product_id).options(selectinload(Product.category).selectinload(Category.product_area))
    )
    if product is None or (not include_inactive and not product.active):
        return None
    stmt = select(Variant).where(Variant.product_id == product_id)
    if not include_inactive:
        stmt = stmt.where(Variant.active.is_(True))
    variants = list(db.session.scalars(stmt.order_by(Variant.cut_min_mm, Variant.precut_mm, Variant.coupling_mm,
                                                     Variant.pack_size, Variant.article_number)))
    return product, variants


def categories() -> list[Category]:
    """Every category, grouped by product area, in the agreed order."""
    return list(db.session.scalars(
        select(Category).join(ProductArea, Category.product_area_id == ProductArea.id)
        .options(selectinload(Category.product_area))
        .order_by(ProductArea.id, Category.sort_order, Category.id)
    ))


def variant_by_article_number(article_number: str) -> Variant | None:
    """The variant with this article number, however it was typed: "bbm-00034" finds BBM-00034 (article numbers are
    unique regardless of case in the catalogue's import, so at most one matches)."""
    typed = clean_text(article_number).strip()
    return db.session.scalar(select(Variant).where(Variant.article_number == typed)) or db.session.scalar(
        select(Variant).where(func.lower(Variant.article_number) == typed.lower()).limit(1))


# --- product areas and categories: data, so a new area (urology, continence, diabetes) needs no code ---------------

_CODE_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")


def _check_code(code: str, *, longest: int, model) -> str:
    code = (code or "").strip().lower()
    if not (2 <= len(code) <= longest) or not set(code) <= _CODE_CHARS:
        raise CatalogueValidationError({"code": _(
            "A code has 2 to %(max)s characters: a–z, 0–9, _ and -, e.g. urology_catheters.", max=longest)})
    if db.session.scalar(select(model.id).where(model.code == code)):
        raise CatalogueValidationError({"code": _("The code %(code)s is taken.", code=code)})
    return code


def _check_names(name_da: str, name_en: str) -> tuple[str, str]:
    errors = {}
    name_da, name_en = (name_da or "").strip(), (name_en or "").strip()
    if not name_da:
        errors["name_da"] = _("Enter the Danish name.")
    if not name_en:
        errors["name_en"] = _("Enter the English name.")
    if errors:
        raise CatalogueValidationError(errors)
    return name_da, name_en


def create_product_area(*, code: str, name_da: str, name_en: str) -> ProductArea:
    name_da, name_en = _check_names(name_da, name_en)
    area = ProductArea(code=_check_code(code, longest=40, model=ProductArea), name_da=name_da, name_en=name_en)
    db.session.add(area)
    db.session.flush()
    return area


def create_category(*, product_area_id: int | None, code: str, name_da: str, name_en: str, sort_order: int | None) -> Category:
    """A category of an area; its code is what a price list's `category_code` column names."""
    area = db.session.get(ProductArea, product_area_id) if product_area_id else None
    if area is None:
        raise CatalogueValidationError({"product_area_id": _("Choose the product area.")})
    name_da, name_en = _check_names(name_da, name_en)
    code = _check_code(code, longest=60, model=Category)
    if sort_order is None:
        sort_order = (db.session.scalar(select(func.max(Category.sort_order)).where(Category.product_area_id == area.id)) or 0) + 10
    category = Category(product_area_id=area.id, code=code, name_da=name_da, name_en=name_en, sort_order=sort_order)
    db.session.add(category)
    db.session.flush()
    return category


def product_areas() -> list[ProductArea]:
    return list(db.session.scalars(select(ProductArea).order_by(ProductArea.id)))
