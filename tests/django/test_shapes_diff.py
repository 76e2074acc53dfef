"""`Shape.diff` and `Shape.apply` (SHAPE-4) on a real database: matching by primary key, and
the edge cases docs/shapes.md decides (unknown keys, another parent's key, duplicates,
rows deleted meanwhile, read-only fields), with all-or-nothing writes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from mizan.core.errors import ValidationError
from mizan.shapes import Shape, ShapeDiff, StaleRowError
from mizan.shapes.diff import STALE_PK, TAKEN_PK
from tests.django.project.library.models import Author, Book, Tag
from tests.django.project.library.shapes import BookEdit, TagEdit

pytestmark = [
    pytest.mark.capability("django-readers Shapes", "django"),
    pytest.mark.django_db,
    pytest.mark.usefixtures("forget_new_shapes"),
]


@pytest.fixture
def shelf() -> dict[str, Any]:
    """Two authors; ann has three books, bob one."""
    ann, bob = Author.objects.create(name="ann"), Author.objects.create(name="bob")
    books = {title: Book.objects.create(author=ann, title=title, pages=100) for title in ("a", "b", "c")}
    books["bob's"] = Book.objects.create(author=bob, title="bob's", pages=5)
    return {"ann": ann, "bob": bob, **books}


def titles(author: Author) -> list[tuple[str, int]]:
    return sorted(author.books.values_list("title", "pages"))


def edit(book: Book, **changes: Any) -> dict[str, Any]:
    return {"id": book.pk, "title": book.title, "pages": book.pages, **changes}


def test_shape4_added_modified_deleted_by_primary_key(shelf: dict[str, Any]) -> None:
    ann = shelf["ann"]
    incoming = [edit(shelf["a"]), edit(shelf["b"], pages=101), {"title": "new"}]
    added, modified, deleted = BookEdit.diff(ann.books.all(), incoming)
    assert [item.title for item in added] == ["new"]
    assert [(item.id, item.pages) for item in modified] == [(shelf["b"].pk, 101)]
    assert [(row.id, row.title) for row in deleted] == [(shelf["c"].pk, "c")]
    assert titles(ann) == [("a", 100), ("b", 100), ("c", 100)]  # diff writes nothing


def test_shape4_diff_costs_a_fixed_number_of_queries(shelf: dict[str, Any]) -> None:
    """Reading the current rows is the Shape's projection: one query per level."""
    ann = shelf["ann"]
    with CaptureQueriesContext(connection) as few:
        BookEdit.diff(ann.books.all(), [edit(shelf["a"])])
    Book.objects.bulk_create(Book(author=ann, title=f"more {i}") for i in range(200))
    with CaptureQueriesContext(connection) as many:
        BookEdit.diff(ann.books.all(), [edit(shelf["a"])])
    assert len(few.captured_queries) == len(many.captured_queries) == 2  # books (author joined), tags


def test_shape4_read_only_fields_do_not_make_a_row_modified(shelf: dict[str, Any]) -> None:
    """A path through a relation (`writer`) and a nested Shape (`tags`) are projections
    only: changing them is not a modification, and apply never writes them."""
    ann = shelf["ann"]
    incoming = [edit(shelf[t], writer="someone else", tags=[{"code": "x", "label": "X"}]) for t in "abc"]
    assert BookEdit.diff(ann.books.all(), incoming) == ShapeDiff([], [], [])
    BookEdit.apply(ann.books.all(), incoming)
    assert Author.objects.get(pk=ann.pk).name == "ann" and not Tag.objects.exists()


def test_shape4_apply_writes_everything_in_one_transaction(shelf: dict[str, Any]) -> None:
    ann = shelf["ann"]
    incoming = [edit(shelf["a"], title="A!"), edit(shelf["b"]), {"title": "d", "pages": 7}]
    result = BookEdit.apply(ann.books.all(), incoming, create_defaults={"author": ann})
    assert titles(ann) == [("A!", 100), ("b", 100), ("d", 7)]
    (created,) = result.added
    assert created.id == Book.objects.get(title="d").pk
    assert [item.title for item in result.modified] == ["A!"]
    assert [row.title for row in result.deleted] == ["c"]
    assert titles(shelf["bob"]) == [("bob's", 5)]


def test_shape4_apply_runs_model_save_and_its_signals(shelf: dict[str, Any]) -> None:
    saved: list[tuple[str, bool, Any]] = []

    def record(sender: Any, instance: Book, created: bool, update_fields: Any, **kwargs: Any) -> None:
        saved.append((instance.title, created, update_fields and sorted(update_fields)))

    post_save.connect(record, sender=Book)
    try:
        ann = shelf["ann"]
        BookEdit.apply(ann.books.all(), [edit(shelf["a"], pages=1), {"title": "z"}], create_defaults={"author": ann})
    finally:
        post_save.disconnect(record, sender=Book)
    assert saved == [("a", False, ["pages", "title"]), ("z", True, None)]


def test_shape4_a_key_of_another_parent_is_added_and_never_touches_that_row(shelf: dict[str, Any]) -> None:
    """bob's book id sent in ann's list: outside the queryset, so it is added; apply creates
    a new row for ann with a key of its own, and bob's book stays as it was."""
    ann, foreign = shelf["ann"], shelf["bob's"]
    incoming = [edit(shelf["a"]), edit(shelf["b"]), edit(shelf["c"]), edit(foreign, title="stolen")]
    added, modified, deleted = BookEdit.diff(ann.books.all(), incoming)
    assert ([item.id for item in added], modified, deleted) == ([foreign.pk], [], [])
    result = BookEdit.apply(ann.books.all(), incoming, create_defaults={"author": ann})
    assert result.added[0].id not in (None, foreign.pk)
    assert Book.objects.get(pk=foreign.pk).title == "bob's" and Book.objects.get(pk=foreign.pk).author == shelf["bob"]
    assert titles(ann) == [("a", 100), ("b", 100), ("c", 100), ("stolen", 5)]


def test_shape4_create_defaults_win_over_the_input(shelf: dict[str, Any]) -> None:
    """The server owns what it passes as create_defaults: an item cannot re-parent a row."""

    class BookWithAuthor(BookEdit):
        author_id: int

    ann, bob = shelf["ann"], shelf["bob"]
    incoming = [edit(shelf["a"], author_id=bob.pk), {"title": "n", "author_id": bob.pk}]
    result = BookWithAuthor.apply(ann.books.all(), incoming, create_defaults={"author": ann})
    assert titles(ann) == [("a", 100), ("n", 0)] and titles(bob) == [("bob's", 5)]
    assert result.modified == []  # the author was the only change, and the server owns it


def test_shape4_unknown_key_and_a_row_deleted_meanwhile_are_added(shelf: dict[str, Any]) -> None:
    """A client still holding a row someone deleted sends its key: the row is created again
    (with a new key), as any unknown key is."""
    ann, gone = shelf["ann"], shelf["c"]
    stale = edit(gone)
    gone.delete()
    result = BookEdit.apply(
        ann.books.all(),
        [edit(shelf["a"]), edit(shelf["b"]), stale, {"id": 999_999, "title": "x"}],
        create_defaults={"author": ann},
    )
    assert sorted(item.title for item in result.added) == ["c", "x"]
    assert all(item.id != 999_999 for item in result.added)
    assert titles(ann) == [("a", 100), ("b", 100), ("c", 100), ("x", 0)]


def test_shape4_duplicate_keys_are_refused_before_any_write(shelf: dict[str, Any]) -> None:
    ann = shelf["ann"]
    incoming = [edit(shelf["a"], title="first"), edit(shelf["a"], title="second"), {"title": "new"}]
    with pytest.raises(ValidationError) as refused:
        BookEdit.apply(ann.books.all(), incoming, create_defaults={"author": ann})
    assert refused.value.details == {"fields": {"1.id": ["Duplicate primary key"]}}
    assert titles(ann) == [("a", 100), ("b", 100), ("c", 100)]


def test_shape4_invalid_items_are_located_by_index(shelf: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as refused:
        BookEdit.diff(shelf["ann"].books.all(), [edit(shelf["a"]), {"pages": "many"}])
    assert refused.value.details == {
        "fields": {
            "1.title": ["Field required"],
            "1.pages": ["Input should be a valid integer, unable to parse string as an integer"],
        }
    }


def test_shape4_a_natural_key_outside_the_queryset_is_refused_and_nothing_is_written() -> None:
    """Natural keys are inserted as given, so one that exists outside the queryset would
    overwrite or collide with a row that is not the caller's: the item is refused, located
    by index, before the deletes and updates that precede it are written."""
    Tag.objects.create(code="kept", label="Kept")
    Tag.objects.create(code="gone", label="Gone")
    Tag.objects.create(code="elsewhere", label="Outside the queryset")
    mine = Tag.objects.filter(code__in=["kept", "gone"])
    incoming = [{"code": "kept", "label": "Changed"}, {"code": "elsewhere", "label": "Overwrite?"}]
    added, modified, deleted = TagEdit.diff(mine, incoming)
    assert ([t.code for t in added], [t.code for t in modified], [t.code for t in deleted]) == (
        ["elsewhere"],
        ["kept"],
        ["gone"],
    )
    with pytest.raises(ValidationError) as refused:
        TagEdit.apply(mine, incoming)
    assert refused.value.details == {"fields": {"1.code": [TAKEN_PK]}}
    assert sorted(Tag.objects.values_list("code", "label")) == [
        ("elsewhere", "Outside the queryset"),
        ("gone", "Gone"),
        ("kept", "Kept"),
    ]
    TagEdit.apply(mine, [{"code": "kept", "label": "Changed"}, {"code": "fresh", "label": "F"}])
    assert sorted(Tag.objects.values_list("code", flat=True)) == ["elsewhere", "fresh", "kept"]


def test_shape4_a_failing_write_rolls_back_the_whole_apply(shelf: dict[str, Any]) -> None:
    """A save that fails after apply deleted and updated rows (here a pre_save handler
    refusing the new row) undoes them all."""

    def refuse(sender: Any, instance: Book, **kwargs: Any) -> None:
        if instance.title == "refused":
            raise IntegrityError("refused by a pre_save handler")

    ann = shelf["ann"]
    pre_save.connect(refuse, sender=Book)
    try:
        with pytest.raises(IntegrityError, match="refused by a pre_save handler"):
            BookEdit.apply(
                ann.books.all(), [edit(shelf["a"], pages=1), {"title": "refused"}], create_defaults={"author": ann}
            )
    finally:
        pre_save.disconnect(refuse, sender=Book)
    assert titles(ann) == [("a", 100), ("b", 100), ("c", 100)]


def test_shape4_a_row_deleted_between_diff_and_update_is_a_stale_row(
    shelf: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """If a row vanishes inside apply (another writer, where rows cannot be locked), apply
    raises StaleRowError and writes nothing."""
    from mizan.shapes import diff as diff_module

    ann = shelf["ann"]
    real = diff_module.compute_diff

    def diff_then_lose_b(*args: Any) -> Any:
        result = real(*args)
        Book.objects.filter(pk=shelf["b"].pk).delete()
        return result

    monkeypatch.setattr(diff_module, "compute_diff", diff_then_lose_b)
    with pytest.raises(StaleRowError) as stale:
        BookEdit.apply(ann.books.all(), [{"title": "new"}, edit(shelf["b"], pages=1)], create_defaults={"author": ann})
    assert isinstance(stale.value, ValidationError)
    assert stale.value.details == {"fields": {"1.id": [STALE_PK]}}
    assert titles(ann) == [("a", 100), ("b", 100), ("c", 100)]


def test_shape4_diff_needs_the_primary_key_and_the_right_model(shelf: dict[str, Any]) -> None:
    class Pages(Shape[Book]):
        pages: int

    with pytest.raises(TypeError, match="projects Book"):
        BookEdit.diff(Author.objects.all(), [])
    with pytest.raises(TypeError, match="does not project the primary key of Book"):
        Pages.diff(Book.objects.all(), [])
