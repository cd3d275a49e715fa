"""PDF files read with PDFium (pypdfium2): their metadata and the text of their pages.

PDFium is C++ reading files from anywhere, so it runs in a worker process (``worker.py``) with
a time and a memory limit: a hostile or broken PDF costs a message, never the window or the
laptop's memory (DESIGN, "Outside the process"). Like ``online/`` for HTTP, this is the one
package that imports pypdfium2 (an import-linter contract); it knows nothing of references:
``formats/pdf_metadata.py`` turns what it reads into one, ``services/`` stores it.
"""
