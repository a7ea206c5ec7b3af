#!/usr/bin/env python
"""Hard-vote 5 submissions of 819 images: trashseg_nb's ensemble against a per-pixel Python vote (report 000's style).

Not a test: a benchmark. Run it on an otherwise idle machine:  .venv/bin/python nbs/bench/bench_ensemble.py
It generates 5 submission CSVs of 819 images (the competition's test size) whose maps look like predictions
(blocks of classes with disagreement between models), then times, in this one run:
  - ours: `ensemble_submissions` (streamed, vectorised parse, vote and write), end to end from CSVs to CSV;
  - previous: the same with the vote before this benchmark's profile (one bincount over (class, pixel) cells in int64,
    `isclose` ties and numpy's argmax along the class axis), to show the profile's gain in the same run;
  - baseline: pandas reads the CSVs, each PredictionString is split into ints in Python, and every pixel is voted with
    collections.Counter(...).most_common(1), as report 000's notebook looped over the 65,536 pixels; it writes a CSV.
`--baseline-images N` times the baseline on the first N images only and scales to 819 (the per-pixel loop takes
minutes); by default it runs all 819. Both outputs are compared on the images both produced (equal where no tie).
Results go to outputs/bench/ensemble.json.
"""
import argparse, json, tempfile, time
from collections import Counter
from pathlib import Path
import numpy as np, pandas as pd
from trashseg_nb.core import outputs_root, hardware_info
from trashseg_nb import ensemble
from trashseg_nb.submission import write_submission, read_submission
from trashseg_nb.ensemble import ensemble_submissions

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('--images', type=int, default=819); ap.add_argument('--models', type=int, default=5)
ap.add_argument('--baseline-images', type=int, default=None)
args = ap.parse_args()
rng = np.random.default_rng(0)
names = [f'batch_{i // 250 + 1:02d}/{i:04d}.jpg' for i in range(args.images)]
tmp = Path(tempfile.mkdtemp())
truth = [np.kron(rng.integers(0, 11, (16, 16)), np.ones((16, 16), np.uint8)) for _ in names]   # 16x16-pixel class blocks
files = []
t = time.perf_counter()
for m in range(args.models):
    noisy = ((n, np.where(rng.random((256, 256)) < 0.15, rng.integers(0, 11, (256, 256)), tr)) for n, tr in zip(names, truth))
    files.append(write_submission(noisy, tmp/f'model{m}.csv'))
print(f'generated {args.models} x {args.images} images in {time.perf_counter() - t:.0f} s under {tmp}', flush=True)

t = time.perf_counter()
ensemble_submissions(files, tmp/'ours.csv', progress=False)
ours = time.perf_counter() - t
print(f'ours: {ours:.1f} s for {args.images} images ({1e3 * ours / args.images:.1f} ms per image)', flush=True)

def previous_vote(preds, weights=None, n_classes=11):
    "The vote as it was before the profile: int64 cells, one weighted bincount, isclose ties, a loop over models."
    preds = np.asarray(preds); M, shape = preds.shape[0], preds.shape[1:]
    p = preds.reshape(M, -1).astype(np.int64); P = p.shape[1]
    w = np.ones((M, n_classes)) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.ndim == 1: w = np.repeat(w[:, None], n_classes, 1)
    cells = (p * P + np.arange(P)).ravel()
    scores = np.bincount(cells, weights=np.take_along_axis(w, p, axis=1).ravel(), minlength=n_classes * P).reshape(n_classes, P)
    tied = np.isclose(scores, scores.max(0), rtol=1e-9, atol=1e-12)
    out = np.full(P, -1, dtype=np.int64)
    for m in range(M):
        todo = out < 0
        if not todo.any(): break
        ok = todo & tied[p[m], np.arange(P)]
        out[ok] = p[m][ok]
    return out.reshape(shape).astype(np.uint8)
current_vote, ensemble.vote = ensemble.vote, previous_vote
t = time.perf_counter()
ensemble_submissions(files, tmp/'previous.csv', progress=False)
prev = time.perf_counter() - t
ensemble.vote = current_vote
print(f'previous vote: {prev:.1f} s for {args.images} images', flush=True)
assert open(tmp/'previous.csv').read() == open(tmp/'ours.csv').read(), 'the previous and the current vote must agree'

n_base = min(args.baseline_images or args.images, args.images)
t = time.perf_counter()
subs = [pd.read_csv(f) for f in files]
rows = []
for k in range(n_base):
    preds = [list(map(int, s.loc[k, 'PredictionString'].split())) for s in subs]
    voted = []
    for px in range(256 * 256):
        voted.append(Counter(p[px] for p in preds).most_common(1)[0][0])
    rows.append((subs[0].loc[k, 'image_id'], ' '.join(map(str, voted))))
pd.DataFrame(rows, columns=['image_id', 'PredictionString']).to_csv(tmp/'baseline.csv', index=False)
base = time.perf_counter() - t
base_819 = base * args.images / n_base
print(f'baseline: {base:.1f} s for {n_base} images ({1e3 * base / n_base:.0f} ms per image)', flush=True)

ours_maps = dict(read_submission(tmp/'ours.csv'))
agree = np.mean([(ours_maps[n] == np.array(s.split(), dtype=np.uint8).reshape(256, 256)).mean() for n, s in rows])
res = {'machine': hardware_info('cpu'), 'previous_s': prev, 'previous/ours': prev / ours, 'images': args.images, 'models': args.models, 'ours_s': ours, 'baseline_s': base, 'baseline_images': n_base,
       'baseline_s_for_all_images': base_819, 'speedup': base_819 / ours, 'pixel_agreement': float(agree)}
out = outputs_root()/'bench'; out.mkdir(parents=True, exist_ok=True)
(out/'ensemble.json').write_text(json.dumps(res, indent=1))
print(json.dumps(res, indent=1))
