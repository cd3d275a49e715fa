"""The bare baseline for bench_settle: a QMainWindow holding an empty QTableView, nothing else.

It is launched and watched exactly as the app is (same Python, same display, same window
manager), so its figures are what this machine needs to start any Qt window at all.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMainWindow, QTableView


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("bare Qt baseline")
    window.setCentralWidget(QTableView(window))
    window.resize(1280, 800)
    window.show()
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
