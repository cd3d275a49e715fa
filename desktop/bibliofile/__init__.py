"""Bibliofile: a desktop reference manager that keeps BibTeX files faithful."""

__version__ = "0.1.0"
