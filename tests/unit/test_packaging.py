"""The installable app's metadata: desktop entry, AppStream, MIME types, icons, Flatpak manifest.

The freedesktop validators (desktop-file-validate, appstreamcli, update-mime-database) run when
installed (apt install desktop-file-utils appstream shared-mime-info) and are skipped, saying so,
when not; the structural checks below them run everywhere.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from configparser import ConfigParser
from pathlib import Path
from typing import Any

import pytest

from bibliofile import __version__

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "io.github.bibliofile.Bibliofile"
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
MIME = LINUX / f"{APP_ID}.xml"
FLATPAK = ROOT / "packaging" / "flatpak" / f"{APP_ID}.yml"
FLATPAK_REQS = ROOT / "packaging" / "flatpak" / "requirements.txt"
ICONS = ROOT / "resources" / "icons"
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
MIME_TYPES = {"text/x-bibtex": "*.bib", "application/x-research-info-systems": "*.ris"}
NS_MIME = "{http://www.freedesktop.org/standards/shared-mime-info}"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian/Ubuntu: apt install desktop-file-utils appstream shared-mime-info)")
    return path


def _desktop_entry() -> dict[str, str]:
    cp = ConfigParser(interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read(DESKTOP, encoding="utf-8")
    return dict(cp["Desktop Entry"])


# ---- validators ------------------------------------------------------------------------------


def test_desktop_entry_passes_desktop_file_validate() -> None:
    proc = subprocess.run([_tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Hints (e.g. two main categories, as Office;Education; is meant) are fine; nothing worse.
    assert not re.search(r": (error|warning):", proc.stdout), proc.stdout


def test_metainfo_passes_appstreamcli_validate() -> None:
    proc = subprocess.run(
        [_tool("appstreamcli"), "validate", "--no-net", str(METAINFO)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not re.search(r"^[EW]: ", proc.stdout, re.M), proc.stdout


def test_mime_types_register_with_update_mime_database(tmp_path: Path) -> None:
    tool = _tool("update-mime-database")
    (tmp_path / "mime" / "packages").mkdir(parents=True)
    shutil.copy(MIME, tmp_path / "mime" / "packages" / MIME.name)
    proc = subprocess.run([tool, str(tmp_path / "mime")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    globs = (tmp_path / "mime" / "globs2").read_text(encoding="utf-8")
    for mime, glob in MIME_TYPES.items():
        assert f":{mime}:{glob}" in globs


# ---- structure -------------------------------------------------------------------------------


def test_desktop_entry_opens_bib_and_ris_files_with_our_icon() -> None:
    entry = _desktop_entry()
    assert entry["Name"] == "Bibliofile"
    assert entry["Icon"] == APP_ID
    assert entry["Exec"].split() == ["bibliofile", "%F"]  # files arrive as argv (cli.split_open_files)
    assert set(filter(None, entry["MimeType"].split(";"))) == set(MIME_TYPES)
    assert entry["StartupWMClass"] == "bibliofile"


def test_mime_xml_declares_both_types() -> None:
    root = ET.parse(MIME).getroot()
    found = {m.get("type"): [g.get("pattern") for g in m.iter(f"{NS_MIME}glob")] for m in root.iter(f"{NS_MIME}mime-type")}
    assert found == {mime: [glob] for mime, glob in MIME_TYPES.items()}


def test_metainfo_names_this_app_and_version() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("project_license") == "GPL-3.0-or-later"
    releases = [r.get("version") for r in root.iter("release")]
    assert releases and releases[0] == __version__, "add a <release> for the new version"
    assert {m.text for m in root.iter("mediatype")} == set(MIME_TYPES)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def test_hicolor_icons_exist_in_every_size() -> None:
    svg = ICONS / f"{APP_ID}.svg"
    assert ET.parse(svg).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    for size in HICOLOR_SIZES:
        assert _png_size(ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png") == (size, size)


def test_gitignore_keeps_build_output_out() -> None:
    lines = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "build/" in lines and "dist/" in lines


# ---- Flatpak ---------------------------------------------------------------------------------


def parse_yaml_subset(text: str) -> Any:
    """Block-style YAML as Flatpak manifests use it: mappings, lists, plain or quoted scalars.

    PyYAML is not a Bibliofile dependency; when it happens to be installed the test below holds
    this reader equal to it.
    """
    lines = [
        (len(raw) - len(raw.lstrip(" ")), raw.strip())
        for raw in text.splitlines()
        if raw.strip() and not raw.lstrip().startswith("#")
    ]
    pos = 0

    def scalar(value: str) -> str:
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            return value[1:-1]
        return value

    def mapping(indent: int) -> dict[str, Any]:
        nonlocal pos
        out: dict[str, Any] = {}
        while pos < len(lines) and lines[pos][0] == indent and not lines[pos][1].startswith("- "):
            key, sep, rest = lines[pos][1].partition(":")
            assert sep, f"not a 'key: value' line: {lines[pos][1]!r}"
            pos += 1
            if rest.strip():
                out[key.strip()] = scalar(rest)
            elif pos < len(lines) and (
                lines[pos][0] > indent or (lines[pos][0] == indent and lines[pos][1].startswith("- "))
            ):
                out[key.strip()] = block(lines[pos][0])
            else:
                out[key.strip()] = None
        return out

    def block(indent: int) -> Any:
        nonlocal pos
        if not lines[pos][1].startswith("- "):
            return mapping(indent)
        items: list[Any] = []
        while pos < len(lines) and lines[pos][0] == indent and lines[pos][1].startswith("- "):
            item = lines[pos][1][2:].strip()
            if re.match(r"[\w.-]+:( |$)", item):
                lines[pos] = (indent + 2, item)  # "- key: v" opens a mapping two columns in
                items.append(mapping(indent + 2))
            else:
                items.append(scalar(item))
                pos += 1
        return items

    result = block(lines[0][0])
    assert pos == len(lines), f"cannot read line {lines[pos][1]!r}"
    return result


def _manifest() -> dict[str, Any]:
    text = FLATPAK.read_text(encoding="utf-8")
    parsed = parse_yaml_subset(text)
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        return parsed  # type: ignore[no-any-return]
    assert yaml.safe_load(text) == parsed
    return parsed  # type: ignore[no-any-return]


def test_flatpak_manifest_parses_and_names_app_and_modules() -> None:
    m = _manifest()
    assert m["id"] == APP_ID
    assert m["command"] == "bibliofile"
    assert m["runtime"] == "org.freedesktop.Platform" and m["sdk"] == "org.freedesktop.Sdk"
    names = [mod if isinstance(mod, str) else mod["name"] for mod in m["modules"]]
    assert names == ["python3-requirements.json", "citeproc-js", "bibliofile"]
    assert {"--socket=wayland", "--socket=fallback-x11", "--share=ipc"} <= set(m["finish-args"])


def test_flatpak_citeproc_is_the_pinned_npm_package() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]["node_modules/citeproc"]
    mod = next(x for x in _manifest()["modules"] if isinstance(x, dict) and x["name"] == "citeproc-js")
    (source,) = mod["sources"]
    assert source["url"] == f"https://registry.npmjs.org/citeproc/-/citeproc-{lock['version']}.tgz"
    algo, b64 = lock["integrity"].split("-", 1)
    import base64

    assert source[algo] == base64.b64decode(b64).hex()


def test_flatpak_installs_files_that_exist() -> None:
    mod = next(x for x in _manifest()["modules"] if isinstance(x, dict) and x["name"] == "bibliofile")
    installed = 0
    for cmd in mod["build-commands"]:
        for src in re.findall(r"install -Dm644 (\S+) ", cmd):
            for size in HICOLOR_SIZES:
                path = ROOT / src.replace("${s}", str(size))
                assert path.is_file(), src
            installed += 1
    assert installed >= 6
    joined = "\n".join(mod["build-commands"])
    for needed in (DESKTOP, METAINFO, MIME):
        assert str(needed.relative_to(ROOT)) in joined


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_flatpak_requirements_are_the_runtime_closure_at_the_locked_pins() -> None:
    """Every package Bibliofile needs at run time, at requirements.lock's version, and no other."""
    from packaging.requirements import Requirement

    pins = {
        _norm(n): v
        for n, v in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (ROOT / "requirements.lock").read_text(), re.M)
    }
    wanted = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", FLATPAK_REQS.read_text(), re.M))
    closure: set[str] = set()
    stack = [Requirement(r).name for r in importlib.metadata.requires("bibliofile") or [] if "extra ==" not in r]
    while stack:
        name = stack.pop()
        if _norm(name) in closure:
            continue
        closure.add(_norm(name))
        for r in importlib.metadata.requires(name) or []:
            req = Requirement(r)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                stack.append(req.name)
    assert {_norm(n) for n in wanted} == closure
    for name, version in wanted.items():
        assert pins[_norm(name)] == version, name


# ---- per-user install of the PyInstaller build on Linux --------------------------------------


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_install_user_script_installs_and_removes_the_app(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "bibliofile").write_text("#!/bin/sh\necho 'Bibliofile test build'\n")
    (bundle / "bibliofile").chmod(0o755)
    prefix = tmp_path / "prefix"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PREFIX": str(prefix), "BUNDLE": str(bundle)}
    script = ROOT / "packaging" / "linux" / "install-user.sh"
    proc = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    share = prefix / "share"
    desktop = share / "applications" / DESKTOP.name
    entry = desktop.read_text(encoding="utf-8")
    assert f"Exec={prefix}/opt/bibliofile/bibliofile %F" in entry.splitlines()
    ran = subprocess.run([str(prefix / "bin" / "bibliofile")], capture_output=True, text=True)
    assert ran.stdout.strip() == "Bibliofile test build"
    for size in HICOLOR_SIZES:
        assert (share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert (share / "metainfo" / METAINFO.name).is_file() and (share / "mime" / "packages" / MIME.name).is_file()
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
        assert check.returncode == 0 and not re.search(r": (error|warning):", check.stdout), check.stdout
    if shutil.which("update-desktop-database"):  # the file manager's "open with" table
        cache = (share / "applications" / "mimeinfo.cache").read_text(encoding="utf-8")
        for mime in MIME_TYPES:
            assert f"{mime}={DESKTOP.name};" in cache

    gone = subprocess.run(["sh", str(script), "--uninstall"], env=env, capture_output=True, text=True)
    assert gone.returncode == 0, gone.stderr
    assert not desktop.exists() and not (prefix / "opt" / "bibliofile").exists()
    assert not (prefix / "bin" / "bibliofile").exists()


def test_install_user_script_refuses_without_a_build(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PREFIX": str(tmp_path / "p"), "BUNDLE": str(tmp_path / "none")}
    proc = subprocess.run(["sh", str(ROOT / "packaging" / "linux" / "install-user.sh")], env=env, capture_output=True, text=True)
    assert proc.returncode == 1 and "make package" in proc.stderr
    assert not (tmp_path / "p").exists()
