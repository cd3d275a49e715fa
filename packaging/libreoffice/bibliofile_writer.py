"""Bibliofile's toolbar in LibreOffice Writer: a protocol handler for ``org.bibliofile.writer:``.

Addons.xcu puts four buttons (and a Bibliofile menu) on Writer's window, each a URL of this
protocol; ProtocolHandler.xcu routes the protocol here. The work is in
``pythonpath/bibliofile_office`` (LibreOffice puts an extension's ``pythonpath`` folder on
``sys.path``): ``writer`` edits the document, ``app_link`` asks the running Bibliofile.

- AddCitation: the app's quick citation picker (Bibliofile comes forward; type, Enter), then the
  citation is inserted at the cursor, or replaces the one the cursor stands in, and the
  document is refreshed. The pick waits on a thread, so Writer stays responsive meanwhile.
- AddBibliography: a bibliography section at the cursor (when the document has none), refreshed.
- Refresh: every citation and the bibliography rendered again, in document order
  (``Refresh?style=ieee&locale=en-GB`` from a macro restyles too).
- Preferences: the document's style and language, then a refresh.

What happened is said in an info bar above the document (a message box where there is none).
"""

from __future__ import annotations

import json
import os
import threading
import traceback
import urllib.parse
from typing import Any

import uno
import unohelper
from com.sun.star.frame import XDispatch, XDispatchProvider
from com.sun.star.lang import XInitialization, XServiceInfo

from bibliofile_office import app_link, writer

IMPLEMENTATION = "org.bibliofile.writer.ProtocolHandler"
PROTOCOL = "org.bibliofile.writer:"
INFOBAR = "bibliofile"


class Toolbar(unohelper.Base, XInitialization, XDispatchProvider, XDispatch, XServiceInfo):
    """One handler per frame (LibreOffice passes the frame to ``initialize``)."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.frame: Any = None

    # XInitialization
    def initialize(self, args: Any) -> None:
        if args:
            self.frame = args[0]

    # XDispatchProvider
    def queryDispatch(self, url: Any, target: str, flags: int) -> Any:
        return self if url.Protocol == PROTOCOL else None

    def queryDispatches(self, requests: Any) -> Any:
        return tuple(self.queryDispatch(r.FeatureURL, r.FrameName, r.SearchFlags) for r in requests)

    # XDispatch
    def dispatch(self, url: Any, args: Any) -> None:
        doc = self.frame.getController().getModel() if self.frame is not None else None
        if doc is None or not doc.supportsService("com.sun.star.text.TextDocument"):
            return
        command, options = _command(url.Complete)
        try:
            if command == "AddCitation":
                self.add_citation(doc)
            elif command == "AddBibliography":
                writer.insert_bibliography(doc)
                self.refresh(doc)
            elif command == "Refresh":
                self.refresh(doc, options.get("style") or None, options.get("locale") or None)
            elif command == "Preferences":
                self.preferences(doc)
        except (app_link.AppNotRunning, app_link.LinkError) as exc:
            self.say(str(exc), error=True)
        except Exception as exc:  # a bug: say it rather than fail silently in the toolbar
            self.say("Bibliofile: %s\n%s" % (exc, traceback.format_exc(limit=4)), error=True)

    def addStatusListener(self, listener: Any, url: Any) -> None:
        pass

    def removeStatusListener(self, listener: Any, url: Any) -> None:
        pass

    # XServiceInfo
    def getImplementationName(self) -> str:
        return IMPLEMENTATION

    def supportsService(self, name: str) -> bool:
        return name == "com.sun.star.frame.ProtocolHandler"

    def getSupportedServiceNames(self) -> Any:
        return ("com.sun.star.frame.ProtocolHandler",)

    # ---- commands ------------------------------------------------------------------------------
    def refresh(self, doc: Any, style: Any = None, locale: Any = None) -> None:
        report = writer.refresh(doc, style, locale)
        self.say(report.message(), error=bool(report.problems))
        report.mark("say")
        _log_timings(report)

    def add_citation(self, doc: Any) -> None:
        app_link.endpoint()  # AppNotRunning at once, before anything waits
        self.say("Pick the references in Bibliofile's citation picker, then press Enter (Escape cancels).")
        place = doc.getCurrentController().getViewCursor().getStart()

        def pick() -> None:
            try:
                cites = app_link.pick()
                if not cites:
                    self.say("No citation was added (the pick was cancelled).")
                    return
                writer.insert_citation(doc, cites, place)
                self.refresh(doc)
            except (app_link.AppNotRunning, app_link.LinkError) as exc:
                self.say(str(exc), error=True)
            except Exception as exc:
                self.say("Bibliofile: %s" % exc, error=True)

        threading.Thread(target=pick, name="bibliofile-pick", daemon=True).start()

    def preferences(self, doc: Any) -> None:
        style, locale = writer.document_settings(doc)
        answer = self.ask_preferences(style, locale or "")
        if answer is None:
            return
        new_style, new_locale = answer
        writer.set_preferences(doc, new_style or style, new_locale or None)
        self.refresh(doc, new_style or style, new_locale or None)

    # ---- saying things -------------------------------------------------------------------------
    def say(self, text: str, error: bool = False) -> None:
        """An info bar above the document; a message box when the frame cannot show one."""
        controller = self.frame.getController() if self.frame is not None else None
        try:
            kind = uno.getConstantByName("com.sun.star.frame.InfobarType.%s" % ("WARNING" if error else "INFO"))
            if controller.hasInfobar(INFOBAR):
                controller.updateInfobar(INFOBAR, "Bibliofile", text, kind)
            else:
                controller.appendInfobar(INFOBAR, "Bibliofile", text, kind, (), True)
            return
        except Exception:
            pass
        try:
            window = self.frame.getContainerWindow()
            if not window.isVisible():
                return  # headless: nobody to tell, and a modal box would wait for ever
            toolkit = window.getToolkit()
            box_type = uno.Enum("com.sun.star.awt.MessageBoxType", "WARNINGBOX" if error else "INFOBOX")
            box = toolkit.createMessageBox(window, box_type, 1, "Bibliofile", text)
            box.execute()
        except Exception:
            pass

    def ask_preferences(self, style: str, locale: str) -> Any:
        """A small dialog: style (id, alias or .csl file) and language; (style, locale) or None."""
        smgr = self.ctx.ServiceManager
        model = smgr.createInstanceWithContext("com.sun.star.awt.UnoControlDialogModel", self.ctx)
        model.Width, model.Height, model.Title = 220, 92, "Bibliofile: Document Preferences"

        def add(kind: str, name: str, x: int, y: int, w: int, h: int, **props: Any) -> None:
            control = model.createInstance("com.sun.star.awt.UnoControl%sModel" % kind)
            control.PositionX, control.PositionY, control.Width, control.Height = x, y, w, h
            for k, v in props.items():
                setattr(control, k, v)
            model.insertByName(name, control)

        add("FixedText", "styleLabel", 6, 8, 208, 10, Label="Citation style (apa, ieee, chicago-note-bibliography, a .csl file):")
        add("Edit", "style", 6, 19, 208, 13, Text=style)
        add("FixedText", "localeLabel", 6, 38, 208, 10, Label="Language (en-GB, de-DE…; empty: the style's own):")
        add("Edit", "locale", 6, 49, 208, 13, Text=locale)
        add("Button", "ok", 108, 72, 50, 14, Label="OK", PushButtonType=1, DefaultButton=True)
        add("Button", "cancel", 164, 72, 50, 14, Label="Cancel", PushButtonType=2)
        dialog = smgr.createInstanceWithContext("com.sun.star.awt.UnoControlDialog", self.ctx)
        dialog.setModel(model)
        toolkit = smgr.createInstanceWithContext("com.sun.star.awt.Toolkit", self.ctx)
        dialog.createPeer(toolkit, self.frame.getContainerWindow() if self.frame is not None else None)
        try:
            if dialog.execute() != 1:
                return None
            return dialog.getControl("style").getText().strip(), dialog.getControl("locale").getText().strip()
        finally:
            dialog.dispose()


def _log_timings(report: Any) -> None:
    """With ``$BIBLIOFILE_OFFICE_TIMINGS`` set to a file, one JSON line appended there per
    refresh: what it did and how long each phase took inside LibreOffice (the bench reads it;
    a user can too, to see where a slow refresh spends its time)."""
    path = os.environ.get("BIBLIOFILE_OFFICE_TIMINGS", "").strip()
    if not path:
        return
    line = {"command": "Refresh", "via": report.via, "style": report.style, "refreshed": report.refreshed,
            "rewritten": report.rewritten, "entries": report.entries, "problems": len(report.problems),
            "seconds": report.timings}
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
    except OSError:
        pass


def _command(url: str) -> Any:
    """("Refresh", {"style": "ieee"}) from ``org.bibliofile.writer:Refresh?style=ieee``: a
    macro (or a test) can restyle without the preferences dialog."""
    rest = url[len(PROTOCOL):] if url.startswith(PROTOCOL) else url
    command, _, query = rest.partition("?")
    return command, {k: v[0] for k, v in urllib.parse.parse_qs(query).items() if v}


g_ImplementationHelper = unohelper.ImplementationHelper()
g_ImplementationHelper.addImplementation(Toolbar, IMPLEMENTATION, ("com.sun.star.frame.ProtocolHandler",))
