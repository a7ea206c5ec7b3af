"""Executed notebooks: run the numbered notebooks and save them with their outputs, and check that every saved output
is there and not stale.

    python .ci/notebooks.py run [NB ...]   execute the stale notebooks (or the ones named) and save their outputs
    python .ci/notebooks.py check          fail when a notebook has no saved outputs or stale ones

Staleness is decided by a hash of a notebook's inputs, stored in its metadata (`trashseg.inputs_sha1`) when it is
executed: the source of its own code cells, and the exported modules of every lower-numbered notebook (a notebook
imports only from those). Editing a notebook's code, or the code of a notebook below it, makes its outputs stale; prose
does not. The data are not part of the hash: after a change of the default data, run `make notebooks ALL=1`.
"""
import base64, hashlib, io, json, os, re, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS, PKG, KEY = ROOT/'nbs', ROOT/'trashseg_nb', 'trashseg'

def numbered()->list: return sorted(NBS.glob('[0-9][0-9]_*.ipynb'))
def number(p:Path)->int: return int(p.name[:2])

def module_of(p:Path):
    for c in json.loads(p.read_text())['cells']:
        m = re.match(r'#\|\s*default_exp\s+(\S+)', ''.join(c['source']))
        if c['cell_type'] == 'code' and m: return m.group(1)

def inputs_hash(p:Path)->str:
    "SHA-1 of the notebook's code cells and of the modules exported by every lower-numbered notebook."
    h = hashlib.sha1()
    for c in json.loads(p.read_text())['cells']:
        if c['cell_type'] == 'code': h.update(''.join(c['source']).encode() + b'\0')
    for q in numbered():
        mod = module_of(q) if number(q) < number(p) else None
        if mod: h.update(mod.encode() + (PKG/f'{mod}.py').read_bytes())
    return h.hexdigest()

def problems_of(p:Path)->list:
    nb = json.loads(p.read_text())
    saved = nb.get('metadata', {}).get(KEY, {}).get('inputs_sha1')
    if not saved or not any(c.get('outputs') for c in nb['cells'] if c['cell_type'] == 'code'):
        return [f"{p.name}: no saved outputs"]
    if saved != inputs_hash(p):
        return [f"{p.name}: stale outputs (its code, or a module of a lower-numbered notebook, changed since it was executed)"]
    return []

def _smallest_image(b64:str)->tuple[str, str]:
    "(mime type, data) of the smallest of: the PNG, the PNG with 256 colours (plots), a JPEG at quality 80 (photos)."
    from PIL import Image
    im = Image.open(io.BytesIO(base64.b64decode(b64))).convert('RGB')
    options = [('image/png', b64)]
    for fmt, kw in (('PNG', {'optimize': True}), ('JPEG', {'quality': 80, 'optimize': True})):
        buf = io.BytesIO(); (im.quantize(256) if fmt == 'PNG' else im).save(buf, format=fmt, **kw)
        options.append((f'image/{fmt.lower()}', base64.b64encode(buf.getvalue()).decode()))
    png = min(options[:2], key=lambda o: len(o[1]))
    return options[2] if len(options[2][1]) < len(png[1]) / 2 else png   # JPEG only where it saves half: photos, not plots

def execute(p:Path):
    "Run every cell of `p` in a fresh shell (as nbdev_test does) and save the notebook with its outputs and input hash."
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    nb = read_nb(p)
    shell = CaptureShell(mpl_format='png')
    t0 = time.time()
    with working_directory(p.parent): shell.run_all(nb, exc_stop=True)
    noisy = []
    for c in nb.cells:
        if c.cell_type != 'code': continue
        c.execution_count = None
        for o in c.get('outputs', []):
            if o.get('name') == 'stderr': noisy.append(o.get('text', '')[:200])
            if 'Traceback (most recent call last)' in ''.join(o.get('text', '')):   # e.g. an error shown by a display hook
                raise RuntimeError(f"{p.name}: a cell shows a traceback: {''.join(c.source)[:80]!r}")
            data = o.get('data', {})
            if 'text/markdown' in data: data.pop('text/plain', None)   # show_doc: the markdown is what is read
            if 'image/png' in data:
                mime, small = _smallest_image(data.pop('image/png')); data[mime] = small
    nb.metadata[KEY] = {'inputs_sha1': inputs_hash(p)}
    write_nb(nb, p)
    print(f"executed {p.name} in {time.time() - t0:.0f} s" + (f"; stderr in {len(noisy)} output(s): {noisy[0]!r}" if noisy else ''), flush=True)

if __name__ == '__main__':
    cmd, args = (sys.argv[1] if len(sys.argv) > 1 else 'check'), sys.argv[2:]
    if cmd == 'check':
        problems = [q for p in numbered() for q in problems_of(p)]
        if problems:
            print("notebooks without current outputs (run `make notebooks`):\n  " + '\n  '.join(problems)); sys.exit(1)
        print(f"notebook outputs: all {len(numbered())} numbered notebooks executed and current")
    elif cmd == 'run':
        os.environ.setdefault('TRASHSEG_REQUIRE_DATA', '1')   # saved outputs are the results on the real data
        todo = [Path(a).resolve() for a in args if a != '--all'] or [p for p in numbered() if '--all' in args or problems_of(p)]
        for p in todo: execute(p)
        if not todo: print("notebook outputs: nothing stale")
    else: sys.exit(__doc__)
