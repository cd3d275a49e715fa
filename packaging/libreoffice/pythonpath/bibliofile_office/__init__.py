"""Bibliofile's LibreOffice Writer extension, the parts that are plain Python.

``marks`` (mark names, citeproc-js HTML as formatted runs, the command line's answer) and
``app_link`` (the running app's token endpoint, else ``bibliofile cite --clusters``) import
nothing of LibreOffice, so our own test suite reads them with the app's Python; ``writer`` is
the UNO side (marks in a Writer document), run inside LibreOffice or over its socket.
"""
