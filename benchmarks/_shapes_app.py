"""The Django side of benchmarks.shapes: authors, their books and the books' publishers, and
every way the benchmark serves the list of them.

Imported only after `django.setup()` (it defines models), by `benchmarks.shapes.configure()`.
The data: `authors` authors (1,000 in the benchmark, 100 in bench-check) with
`BOOKS_PER_AUTHOR` books each, every book published by one of `PUBLISHERS` publishers, in an
in-memory SQLite database. Every endpoint answers the same list, two levels deep (author ->
books -> publisher), which `expected()` builds from the same generators that seeded the
rows, so a row that drops, reorders or misreads anything is caught before it is measured:

- `plain/authors/`: a plain Django view, `prefetch_related("books__publisher")`, dicts
  built by hand, `JsonResponse` (the floor);
- `drf/authors/`: a DRF `ListAPIView` with nested `ModelSerializer`s and the same
  `prefetch_related`; `drf/authors-n1/`: the same view without it (N+1 queries);
- `ninja/authors/`: a django-ninja operation with `response=list[AuthorOut]`, nested
  `Schema`s read from the ORM objects, the same `prefetch_related`;
- Mizan `/call/`: `authors_dicts` (the plain view's dicts through a server function) here,
  and `authors_shapes` (a `list[AuthorShape]` from `AuthorShape.query()`) in
  `benchmarks._shapes_mizan`, registered when `mizan.shapes` is importable.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, path

from benchmarks import _django_project as project
from mizan import client

BOOKS_PER_AUTHOR = 4
PUBLISHERS = 20
LOREM = ("lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "tempor")
COUNTRIES = ("AR", "DE", "FR", "GB", "IN", "JP", "NG", "US")
URLS: dict[str, str] = {
    "plain": "/plain/authors/",
    "drf": "/drf/authors/",
    "drf_n1": "/drf/authors-n1/",
    "ninja": "/ninja/authors/",
    "mizan": "/api/mizan/call/",
}
# Every row's query: prefetch the books, and through them their publishers (three queries).
PREFETCH = "books__publisher"


class Publisher(models.Model):
    name = models.CharField(max_length=80)
    country = models.CharField(max_length=2)

    class Meta:
        app_label = "benchmarks"
        ordering = ("id",)


class Author(models.Model):
    name = models.CharField(max_length=80)
    email = models.CharField(max_length=120)
    born = models.IntegerField()
    bio = models.TextField()  # in no answer: a column the Shape's projection leaves out

    class Meta:
        app_label = "benchmarks"
        ordering = ("id",)


class Book(models.Model):
    title = models.CharField(max_length=120)
    year = models.IntegerField()
    pages = models.IntegerField()
    summary = models.TextField()  # in no answer, as `Author.bio`
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="books")

    class Meta:
        app_label = "benchmarks"
        ordering = ("id",)


# --- the data ------------------------------------------------------------------------------


def _publishers() -> list[tuple[int, str, str]]:
    return [(p, f"Publisher {p}", COUNTRIES[p % len(COUNTRIES)]) for p in range(1, PUBLISHERS + 1)]


def _authors(count: int) -> list[tuple[int, str, str, int]]:
    return [(a, f"Author {a}", f"author{a}@example.org", 1900 + a * 7 % 100) for a in range(1, count + 1)]


def _text(kind: str, number: int) -> str:
    """A few hundred characters of prose for the columns no endpoint answers."""
    return f"{kind} {number}: " + " ".join(LOREM[(number + i) % len(LOREM)] for i in range(40))


def _books(authors: int) -> list[tuple[int, str, int, int, int, int]]:
    """(id, title, year, pages, author id, publisher id): books of an author have
    consecutive ids, so id order within an author is the order they were written in."""
    rows = []
    for a in range(1, authors + 1):
        for j in range(BOOKS_PER_AUTHOR):
            book = (a - 1) * BOOKS_PER_AUTHOR + j + 1
            rows.append(
                (book, f"Book {j + 1} of author {a}", 1950 + (a * 7 + j) % 70, 100 + (a * 13 + j * 29) % 700, a)
            )
    return [(*row, (row[0] * 7) % PUBLISHERS + 1) for row in rows]


def create_rows(authors: int) -> tuple[int, int, int]:
    """Create the three tables in the (in-memory) default database and fill them with one
    `executemany` each (bulk_create would cost more than a request, under callgrind); the
    row counts."""
    from django.db import connection

    with connection.schema_editor() as editor:
        for model in (Publisher, Author, Book):
            editor.create_model(model)
    inserts = (
        (Publisher, ("id", "name", "country"), _publishers()),
        (Author, ("id", "name", "email", "born", "bio"), [(*a, _text("bio", a[0])) for a in _authors(authors)]),
        (
            Book,
            ("id", "title", "year", "pages", "author_id", "publisher_id", "summary"),
            [(*b, _text("summary", b[0])) for b in _books(authors)],
        ),
    )
    with connection.cursor() as cursor:
        for model, columns, rows in inserts:
            table = connection.ops.quote_name(model._meta.db_table)
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    return Publisher.objects.count(), Author.objects.count(), Book.objects.count()


def expected(authors: int) -> list[dict[str, Any]]:
    """What every endpoint answers, decoded: built from the generators, not the database."""
    publishers = {p: {"id": p, "name": name, "country": country} for p, name, country in _publishers()}
    books: dict[int, list[dict[str, Any]]] = {}
    for book, title, year, pages, author, publisher in _books(authors):
        entry = {"id": book, "title": title, "year": year, "pages": pages, "publisher": publishers[publisher]}
        books.setdefault(author, []).append(entry)
    return [
        {"id": a, "name": name, "email": email, "born": born, "books": books[a]}
        for a, name, email, born in _authors(authors)
    ]


# --- the hand-written endpoints --------------------------------------------------------------


def author_dicts() -> list[dict[str, Any]]:
    """The list built by hand from model instances, as a view without a serializer would."""
    return [
        {
            "id": author.id,
            "name": author.name,
            "email": author.email,
            "born": author.born,
            "books": [
                {
                    "id": book.id,
                    "title": book.title,
                    "year": book.year,
                    "pages": book.pages,
                    "publisher": {
                        "id": book.publisher.id,
                        "name": book.publisher.name,
                        "country": book.publisher.country,
                    },
                }
                for book in author.books.all()
            ],
        }
        for author in Author.objects.prefetch_related(PREFETCH)
    ]


def plain_authors(request: HttpRequest) -> HttpResponse:
    return JsonResponse(author_dicts(), safe=False)


@client
def authors_dicts(request: HttpRequest) -> list[dict[str, Any]]:
    """The plain view's dicts through Mizan: its transport without a Shape."""
    return author_dicts()


# --- DRF and django-ninja --------------------------------------------------------------------


def _drf_urls() -> list[URLPattern | URLResolver]:
    """Nested ModelSerializers on a ListAPIView (DRF's defaults: no pagination, JSON first)."""
    from rest_framework import generics, serializers

    class PublisherSerializer(serializers.ModelSerializer):
        class Meta:
            model = Publisher
            fields = ("id", "name", "country")

    class BookSerializer(serializers.ModelSerializer):
        publisher = PublisherSerializer(read_only=True)

        class Meta:
            model = Book
            fields = ("id", "title", "year", "pages", "publisher")

    class AuthorSerializer(serializers.ModelSerializer):
        books = BookSerializer(many=True, read_only=True)

        class Meta:
            model = Author
            fields = ("id", "name", "email", "born", "books")

    class Authors(generics.ListAPIView):
        queryset = Author.objects.prefetch_related(PREFETCH)
        serializer_class = AuthorSerializer

    class AuthorsNPlusOne(Authors):
        queryset = Author.objects.all()

    return [path("drf/authors/", Authors.as_view()), path("drf/authors-n1/", AuthorsNPlusOne.as_view())]


def _ninja_urls() -> list[URLPattern | URLResolver]:
    """`response=list[AuthorOut]`: ninja validates its Schemas from the ORM objects."""
    from ninja import NinjaAPI, Schema

    class PublisherOut(Schema):
        id: int
        name: str
        country: str

    class BookOut(Schema):
        id: int
        title: str
        year: int
        pages: int
        publisher: PublisherOut

    class AuthorOut(Schema):
        id: int
        name: str
        email: str
        born: int
        books: list[BookOut]

    # The classes are locals: resolve their string annotations (PEP 563) where they are seen.
    BookOut.model_rebuild(_types_namespace={"PublisherOut": PublisherOut})
    AuthorOut.model_rebuild(_types_namespace={"BookOut": BookOut})
    api = NinjaAPI(urls_namespace="shapes-ninja", docs_url=None)

    def authors(request: HttpRequest) -> Any:
        return Author.objects.prefetch_related(PREFETCH)

    authors.__annotations__ = {"request": HttpRequest, "return": Any}
    api.get("/authors/", response=list[AuthorOut])(authors)
    return [path("ninja/", api.urls)]


# --- the URLs ---------------------------------------------------------------------------------


def __getattr__(name: str) -> Any:
    """`urlpatterns`, built when Django first reads it (DRF and ninja read the settings)."""
    if name == "urlpatterns":
        from mizan.urls import mount

        patterns: list[URLPattern | URLResolver] = [
            path("plain/authors/", plain_authors),
            mount("api/mizan/"),
        ]
        if project.HAS_DRF:
            patterns += _drf_urls()
        if project.HAS_NINJA:
            patterns += _ninja_urls()
        globals()["urlpatterns"] = patterns
        return patterns
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
