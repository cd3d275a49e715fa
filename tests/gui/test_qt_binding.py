"""Guard the Qt binding we pin: PySide6 6.12 on Python 3.11 drops a reference to True on every
signal emit and aborts the interpreter after a few thousand (ADR 0004). Run in a subprocess so a
regression fails this test instead of killing the whole suite."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from PySide6.QtCore import QCoreApplication, QObject, Signal
class O(QObject):
    s = Signal(int)
app = QCoreApplication([])
o = O()
o.s.connect(lambda x: None)
before = sys.getrefcount(True)
for i in range(5000):
    o.s.emit(i)
    o.s.disconnect() if False else None
print(sys.getrefcount(True) - before)
"""


def test_signal_emit_keeps_reference_counts() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"the Qt binding corrupts reference counts: {proc.stderr[-500:]}"
    assert abs(int(proc.stdout.strip())) < 100
