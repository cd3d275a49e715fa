"""Where a user's library and logs live: platformdirs' user data dir, unless --library says else."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path, user_log_path

APP = "Bibliofile"


def default_library_path() -> Path:
    """The default library; BIBLIOFILE_LIBRARY overrides it (handy for tests and portable use)."""
    env = os.environ.get("BIBLIOFILE_LIBRARY")
    if env:
        return Path(env)
    return user_data_path(APP, appauthor=False) / "library.sqlite"


def log_path() -> Path:
    return user_log_path(APP, appauthor=False) / "bibliofile.log"


def resources_dir() -> Path:
    """resources/ beside desktop/ in a source tree; inside the bundle for a packaged app."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent / "resources"
        if (cand / "sample-library.bib").exists():
            return cand
    return here.parents[3] / "resources"


def sample_library_file() -> Path:
    return resources_dir() / "sample-library.bib"
