#!/usr/bin/env python
"""Render README.md from nbs/index.ipynb without quarto (which cannot be installed here).

Cells marked `#| hide` are dropped, nbdev directive lines (`#| ...`) are removed from code cells, and the rest is
converted with nbconvert's MarkdownExporter. `--check` fails (exit 1, with a diff) when README.md differs from what
index.ipynb renders to; `make test` runs it so the two cannot drift apart.
"""
import argparse, difflib, re, sys
from pathlib import Path
import nbformat
from nbconvert import MarkdownExporter

ROOT = Path(__file__).resolve().parent.parent
DIRECTIVE = re.compile(r'^\s*#\s*\|')

def render(nb_path: Path) -> str:
    nb = nbformat.read(nb_path, as_version=4)
    keep = []
    for cell in nb.cells:
        lines = cell.source.splitlines()
        directives = [l for l in lines if DIRECTIVE.match(l)]
        if any(re.search(r'\bhide\b', d) for d in directives): continue
        if cell.cell_type == 'code': cell.source = '\n'.join(l for l in lines if not DIRECTIVE.match(l)).strip('\n')
        keep.append(cell)
    nb.cells = keep
    body, _ = MarkdownExporter().from_notebook_node(nb)
    body = re.sub(r'\n{3,}', '\n\n', body).strip() + '\n'
    return "<!-- Generated from nbs/index.ipynb by .ci/render_readme.py (make readme); edit the notebook, not this file. -->\n\n" + body

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--check', action='store_true', help='fail if README.md is not what index.ipynb renders to')
    args = ap.parse_args()
    text, readme = render(ROOT/'nbs'/'index.ipynb'), ROOT/'README.md'
    if args.check:
        old = readme.read_text() if readme.exists() else ''
        if old != text:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True), 'README.md', 'rendered index.ipynb'))
            print("README.md does not match nbs/index.ipynb: run `make readme` and commit both.")
            sys.exit(1)
        print("README.md matches nbs/index.ipynb")
    else:
        readme.write_text(text)
        print(f"wrote {readme}")

if __name__ == '__main__': main()
