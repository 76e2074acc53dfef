"""Models the Shapes tests project (mizan.shapes): every kind of relation a Shape can nest,
forward and reverse foreign keys, one-to-one, many-to-many, and a natural primary key."""

from __future__ import annotations

from django.db import models


class Publisher(models.Model):
    name = models.CharField(max_length=100)


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    born = models.IntegerField(null=True, blank=True)


class Profile(models.Model):
    author = models.OneToOneField(Author, on_delete=models.CASCADE, related_name="profile")
    bio = models.TextField(blank=True)


class Tag(models.Model):
    code = models.SlugField(primary_key=True)
    label = models.CharField(max_length=50)


class Book(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    publisher = models.ForeignKey(Publisher, null=True, blank=True, on_delete=models.SET_NULL, related_name="books")
    title = models.CharField(max_length=200)
    pages = models.PositiveIntegerField(default=0)
    tags = models.ManyToManyField(Tag, blank=True, related_name="books")


class Review(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="reviews")
    stars = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True)
