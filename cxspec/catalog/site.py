"""Write the catalog to a folder: the HTML site at its top, Markdown under markdown/, the data
as catalog.json. Files are written only when their content changed, and pages of metrics that
no longer exist are removed, so the folder always matches the specs."""

from __future__ import annotations

import json
from pathlib import Path

from cxspec.catalog import html, markdown
from cxspec.safe_write import through_link, write_file

MARKDOWN_FOLDER = "markdown"


def catalog_files(catalog: dict) -> dict[str, str]:
    files = dict(html.render_pages(catalog))
    files.update({f"{MARKDOWN_FOLDER}/{name}": text for name, text in markdown.render_pages(catalog).items()})
    files["catalog.json"] = json.dumps(catalog, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return files


def write_catalog(catalog: dict, out: Path) -> list[Path]:
    files = catalog_files(catalog)
    out.mkdir(parents=True, exist_ok=True)
    # metric pages written by an earlier run for metrics that are gone
    for folder, suffix in (("metrics", ".html"), (f"{MARKDOWN_FOLDER}/metrics", ".md")):
        if through_link(out, folder):
            continue  # a link to elsewhere: nothing there is ours to remove (write_file refuses it)
        for stale in sorted((out / folder).glob(f"*{suffix}")):
            if f"{folder}/{stale.name}" not in files:
                stale.unlink()
    written = []
    for name in sorted(files):
        path = out / name
        data = files[name].encode("utf-8")
        if path.is_symlink() or not path.is_file() or path.read_bytes() != data:
            write_file(out, name, data)
        written.append(path)
    return written
