"""Catalogue pages: browsing for every logged-in user, administration for the FSC secretariat."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from catalogue.blueprint import bp
from catalogue import importer, services
from catalogue import supplier_change as change
from catalogue.forms import (
    CategoryForm, ConfirmForm, ImportForm, PriceForm, ProductAreaForm, ProductForm, SearchForm, SuccessorForm, VariantForm,
)
from catalogue.models import Product, Variant
from stomi_app.forms import apply_errors_or_summary
from stomi_app import transaction
from stomi_app.auth.roles import role_required
from stomi_app.extensions import db, login_manager
from stomi_app.paging import page_numbers
from stomi_app.models import Role
from stomi_app.userinput import whole_number

admin_only = role_required(Role.FSC_ADMIN)


@bp.before_request
def _logged_in_only():
    # Every catalogue page needs a login; the admin pages check the role on top.
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _locale() -> str:
    return str(get_locale() or "da")


def _category_choices(first_label: str) -> list[tuple]:
    locale = _locale()
    return [SelectChoice("", first_label)] + [SelectChoice(str(c.id), c.name(locale)) for c in services.categories()]


def _search_page(*, admin: bool):
    form = SearchForm(request.args)
    form.category.choices = _category_choices(_("All categories"))
    form.validate()
    # A field with an error is left out of the query: the rest of the search still works.
    def clean(field):
        return None if field.errors else field.data

    query = services.CatalogueQuery(
        text=clean(form.q) or "",
        category_id=clean(form.category),
        system=clean(form.system) or None,
        convex={"flat": False, "convex": True}.get(clean(form.surface) or ""),
        cut_mm=clean(form.cut_mm),
        order=clean(form.order) or "name",
        include_inactive=admin,
    )
    page_number = whole_number(request.args.get("page"), low=1) or 1
    page = services.search(query, page=page_number)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("catalogue/browse.html", form=form, page=page, admin=admin, page_args=args,
                           page_numbers=page_numbers(page.page, page.pages), locale=_locale()), 200 if not form.errors else 422


@bp.route("/")
def browse():
    return _search_page(admin=False)


@bp.route("/produkt/<int:product_id>")
def product(product_id: int):
    found = services.product_with_variants(product_id)
    if found is None:
        abort(404)
    product, variants = found
    today = date.today()
    prices = services.prices_in_force([v.id for v in variants], today)
    return render_template("catalogue/product.html", product=product, variants=variants, prices=prices, today=today,
                           locale=_locale())


# ---------------------------------------------------------------- administration

@bp.route("/admin/")
@admin_only
def admin():
    return _search_page(admin=True)


def _save(form, action, message: str, target):
    """Run one service call: a broken rule puts its messages next to the fields (None is returned, the page is
    re-shown as 422), success redirects to `target(result)` (the request commits)."""
    try:
        result = action()
    except services.CatalogueError as exc:
        # The page re-shown reads the catalogue: without the refused half (a price period closed before the clash).
        transaction.discard()
        apply_errors_or_summary(form, exc.errors)
        return None
    flash(message, "success")
    return redirect(target(result))


def _product_values(form: ProductForm) -> dict:
    return {k: form[k].data for k in ("category_id", "manufacturer", "name", "system", "hmi_number", "description_da", "description_en")}


@bp.route("/admin/produkt/ny", methods=["GET", "POST"])
@admin_only
def product_new():
    form = ProductForm()
    form.category_id.choices = _category_choices(_("Choose a category"))
    if form.validate_on_submit():
        done = _save(form, lambda: services.create_product(**_product_values(form)), _("The product was created. Now add its variants."),
                     lambda product: url_for("catalogue.product_edit", product_id=product.id))
        if done:
            return done
    return render_template("catalogue/admin/product_form.html", form=form, product=None), 422 if form.errors else 200


def _product_or_404(product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None:
        abort(404)
    return product


def _variant_or_404(variant_id: int) -> Variant:
    variant = db.session.get(Variant, variant_id)
    if variant is None:
        abort(404)
    return variant


@bp.route("/admin/produkt/<int:product_id>", methods=["GET", "POST"])
@admin_only
def product_edit(product_id: int):
    product = _product_or_404(product_id)
    form = ProductForm(obj=product if request.method == "GET" else None)
    form.category_id.choices = _category_choices(_("Choose a category"))
    if form.validate_on_submit():
        done = _save(form, lambda: services.update_product(product, **_product_values(form)), _("The product was saved."),
                     lambda saved: url_for("catalogue.product_edit", product_id=saved.id))
        if done:
            return done
    found = services.product_with_variants(product.id, include_inactive=True)
    variants = found[1] if found else []
    prices = services.prices_in_force([v.id for v in variants], date.today())
    return render_template("catalogue/admin/product_form.html", form=form, product=product, variants=variants,
                           prices=prices, confirm=ConfirmForm()), 422 if form.errors else 200


@bp.route("/admin/produkt/<int:product_id>/udgaaet", methods=["POST"])
@admin_only
def product_discontinue(product_id: int):
    product = _product_or_404(product_id)
    if ConfirmForm().validate_on_submit():
        services.discontinue_product(product, date.today())
        flash(_("The product and all its variants are discontinued."), "success")
    return redirect(url_for("catalogue.product_edit", product_id=product.id))


def _variant_values(form: VariantForm) -> dict:
    return {k: form[k].data for k in services.VARIANT_FIELDS}


@bp.route("/admin/produkt/<int:product_id>/variant/ny", methods=["GET", "POST"])
@admin_only
def variant_new(product_id: int):
    product = _product_or_404(product_id)
    form = VariantForm()
    if form.validate_on_submit():
        done = _save(form, lambda: services.create_variant(product, **_variant_values(form)),
                     _("The variant was created. Now add its contract price."),
                     lambda variant: url_for("catalogue.variant_edit", variant_id=variant.id))
        if done:
            return done
    return render_template("catalogue/admin/variant_form.html", form=form, product=product, variant=None), 422 if form.errors else 200


@bp.route("/admin/variant/<int:variant_id>", methods=["GET", "POST"])
@admin_only
def variant_edit(variant_id: int):
    variant = _variant_or_404(variant_id)
    form = VariantForm(obj=variant if request.method == "GET" else None)
    if form.validate_on_submit():
        done = _save(form, lambda: services.update_variant(variant, **_variant_values(form)), _("The variant was saved."),
                     lambda saved: url_for("catalogue.variant_edit", variant_id=saved.id))
        if done:
            return done
    return _variant_page(variant, form=form, price_form=PriceForm(formdata=None))


def _variant_page(variant: Variant, *, form: VariantForm, price_form: PriceForm):
    status = 422 if (form.errors or price_form.errors) else 200
    return render_template("catalogue/admin/variant_form.html", form=form, product=variant.product, variant=variant,
                           price_form=price_form, confirm=ConfirmForm(), today=date.today()), status


@bp.route("/admin/variant/<int:variant_id>/pris", methods=["POST"])
@admin_only
def price_add(variant_id: int):
    variant = _variant_or_404(variant_id)
    price_form = PriceForm()
    if price_form.validate_on_submit():
        done = _save(price_form, lambda: services.add_contract_price(
            variant, valid_from=price_form.valid_from.data, valid_to=price_form.valid_to.data,
            contract_reference=price_form.contract_reference.data, price_oere=price_form.price.oere,
            vat_rate_pct=price_form.vat_rate_pct.data, close_open_price=price_form.close_open_price.data,
        ), _("The contract price was added."), lambda price: url_for("catalogue.variant_edit", variant_id=variant.id))
        if done:
            return done
    return _variant_page(variant, form=VariantForm(obj=variant), price_form=price_form)


@bp.route("/admin/variant/<int:variant_id>/udgaaet", methods=["POST"])
@admin_only
def variant_discontinue(variant_id: int):
    variant = _variant_or_404(variant_id)
    if ConfirmForm().validate_on_submit():
        services.discontinue_variant(variant, date.today())
        flash(_("The variant is discontinued. Map it to its successor if a supplier change replaces it."), "success")
    return redirect(url_for("catalogue.variant_edit", variant_id=variant.id))


@bp.route("/admin/variant/<int:variant_id>/genaktiver", methods=["POST"])
@admin_only
def variant_reactivate(variant_id: int):
    variant = _variant_or_404(variant_id)
    if ConfirmForm().validate_on_submit():
        services.reactivate_variant(variant)
        flash(_("The variant is active again."), "success")
    return redirect(url_for("catalogue.variant_edit", variant_id=variant.id))


@bp.route("/admin/import", methods=["GET", "POST"])
@admin_only
def import_csv():
    form = ImportForm()
    report = refused = None
    if form.validate_on_submit():
        data = form.file.data.read(importer.MAX_BYTES + 1)
        try:
            report = importer.import_price_list(data, close_open_prices=form.close_open_prices.data)
        except importer.ImportRefused as exc:
            refused = exc.message
            form.file.errors = list(form.file.errors) + [exc.message]
        else:
            if report.ok:
                flash(_("The price list was imported: %(rows)s rows.", rows=report.rows), "success")
    status = 422 if (form.errors or refused or (report and not report.ok)) else 200
    return render_template("catalogue/admin/import.html", form=form, report=report, refused=refused,
                           required=importer.REQUIRED_COLUMNS, optional=importer.OPTIONAL_COLUMNS), status


@bp.route("/admin/eksport.csv")
@admin_only
def export_csv():
    text = importer.export_catalogue(date.today())
    filename = f"katalog-{date.today().isoformat()}.csv"
    # UTF-8 with BOM: Danish Excel then shows æ, ø and å correctly.
    return Response("\ufeff" + text, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/admin/leverandoerskift", methods=["GET", "POST"])
@admin_only
def supplier_change():
    form = SuccessorForm()
    if form.validate_on_submit():
        try:
            result = change.map_successors_by_article_numbers(
                form.old_article_number.data, form.new_article_numbers.data, by=current_user, on=date.today())
        except services.CatalogueError as exc:
            apply_errors_or_summary(form, exc.errors)
        else:
            # The message needs the result, so this one view does not go through _save.
            flash(_("The mapping was saved. %(count)s review tasks were created for the nurses.", count=result.tasks_created), "success")
            return redirect(url_for("catalogue.supplier_change"))
    return render_template("catalogue/admin/supplier_change.html", form=form, mappings=change.recent_mappings(),
                           open_reviews=change.open_review_count()), 422 if form.errors else 200


@bp.route("/admin/omraader", methods=["GET", "POST"])
@admin_only
def areas():
    """Product areas and their categories; a new area or category is data, usable at once by the price-list import."""
    area_form = ProductAreaForm(prefix="area")
    category_form = CategoryForm(prefix="category")
    locale = _locale()
    category_form.product_area_id.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(str(a.id), a.name(locale)) for a in services.product_areas()]
    which = request.form.get("which")
    if which == "area" and area_form.validate_on_submit():
        done = _save(area_form, lambda: services.create_product_area(
            code=area_form.code.data, name_da=area_form.name_da.data, name_en=area_form.name_en.data),
            _("The product area is created. Add its categories below."), lambda _area: url_for(".areas"))
        if done is not None:
            return done
    elif which == "category" and category_form.validate_on_submit():
        done = _save(category_form, lambda: services.create_category(
            product_area_id=category_form.product_area_id.data, code=category_form.code.data,
            name_da=category_form.name_da.data, name_en=category_form.name_en.data,
            sort_order=category_form.sort_order.data),
            _("The category is created: price lists can name it by its code now."), lambda _c: url_for(".areas"))
        if done is not None:
            return done
    elif request.method == "POST" and which not in ("area", "category"):
        abort(400)
    status = 422 if (area_form.errors or category_form.errors) else 200
    return render_template("catalogue/admin/areas.html", area_form=area_form, category_form=category_form,
                           areas=services.product_areas(), locale=locale), status
