"""Talking to the web (issue 18): the only package that imports an HTTP client.

``http`` holds the client and its manners; what the answers mean is parsed by pure readers in
``formats/`` and orchestrated by ``services.lookup``.
"""
