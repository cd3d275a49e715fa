"""run_gui: a library that cannot be opened gets a plain message and exit code 1, untouched."""

from __future__ import annotations

import sys

from bibliofile.gui import app as gui_app
from bibliofile.gui import messages


def test_unopenable_library_is_refused_untouched(tmp_path, monkeypatch, qapp) -> None:
    bad = tmp_path / "notes.sqlite"
    bad.write_bytes(b"this is not a database, just some notes\n" * 10)
    before = bad.read_bytes()
    shown: list[str] = []
    monkeypatch.setattr(messages, "warn", lambda _p, _t, text: shown.append(text))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    assert gui_app.run_gui(bad, explicit=True) == 1
    assert len(shown) == 1 and shown[0]
    assert bad.read_bytes() == before
    assert qapp.applicationName() == "Bibliofile" and qapp.organizationName() == "Bibliofile"
