"""Write one API reference page per module of the ``sim`` package, at build time.

Run by the mkdocs-gen-files plugin: the pages and their navigation (``reference/SUMMARY.md``, read
by mkdocs-literate-nav) exist only in the build, so a module added to the package appears in the
reference without anyone editing the site. The layers come in the package's own order: the model
core first, then interventions, running, studies and teaching.
"""

from pathlib import Path

import mkdocs_gen_files

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["core", "interventions", "running", "studies", "teaching"]


def order(parts: tuple[str, ...]) -> tuple:
    """Sort key: the package first, then each layer (package page first), then the command line."""
    layer = parts[1] if len(parts) > 1 else ""
    rank = LAYERS.index(layer) if layer in LAYERS else (-1 if len(parts) == 1 else len(LAYERS))
    return (rank, len(parts) > 2, parts)


nav = mkdocs_gen_files.Nav()
modules = []
for path in sorted((ROOT / "sim").rglob("*.py")):
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    elif parts[-1].startswith("_"):
        continue
    modules.append(parts)

for parts in sorted(modules, key=order):
    package = (ROOT / Path(*parts) / "__init__.py").exists()
    page = Path(*parts, "index.md") if package else Path(*parts).with_suffix(".md")
    nav[parts] = page.as_posix()
    with mkdocs_gen_files.open(Path("reference", page), "w") as f:
        f.write(f"::: {'.'.join(parts)}\n")
        if len(parts) == 1:
            f.write("    options:\n      show_submodules: false\n")

with mkdocs_gen_files.open("reference/SUMMARY.md", "w") as f:
    f.writelines(nav.build_literate_nav())
