#!/usr/bin/env python
"""Training on 2 processes against 1 on this machine: wall time and training throughput of `trashseg_train`.

Not a test: a benchmark. Run it on an otherwise idle machine:  .venv/bin/python nbs/bench/bench_distributed.py
Both arms train the same run (default recipe: lite0 + FPN, 256 px, global batch 8, precision auto) on the first
--train images of fold 0 for --epochs epochs, validating on --valid images:
  - 1 process: `trashseg_train`, with all the machine's cores as torch threads;
  - N processes: `torchrun --standalone --nproc-per-node N -- trashseg_train` (torchrun gives each process 1 thread
    unless OMP_NUM_THREADS says otherwise), data-parallel through fastai's DistributedTrainer (gloo).
Wall time is the whole command (start-up, data checks, training, report); throughput is training images per second
of the epochs after the first (fastai's epoch time, which includes validation), the first being warm-up.
The arms alternate --repeats times; the medians are reported with the machine. Results: outputs/bench/distributed.json.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import pandas as pd
from trashseg_nb.core import outputs_root, hardware_info
from trashseg_nb.distributed import launch_command, run_launched

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('--train', type=int, default=160); ap.add_argument('--valid', type=int, default=32)
ap.add_argument('--epochs', type=int, default=3); ap.add_argument('--nproc', type=int, default=2)
ap.add_argument('--repeats', type=int, default=2)
args = ap.parse_args()

def seconds(t): m, s = str(t).split(':'); return 60 * int(m) + int(s)

def arm(nproc, out, k):
    argv = ['trashseg_train', '--max-train', str(args.train), '--max-valid', str(args.valid), '--epochs', str(args.epochs),
            '--patience', '99', '--out', str(out), '--run', f'p{nproc}-{k}']
    cmd = launch_command(argv, nproc) if nproc > 1 else [str(Path(sys.executable).parent/'trashseg_train'), *argv[1:]]
    t0 = time.time(); r = run_launched(cmd, 3600, {**os.environ, 'GLOO_SOCKET_IFNAME': 'lo'})
    wall = time.time() - t0
    if r.returncode: raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    h = pd.read_csv(Path(out)/f'p{nproc}-{k}'/'history.csv')
    epoch = statistics.median(seconds(t) for t in h.time.iloc[1:])
    return {'wall_s': wall, 'epoch_s': epoch, 'train_img_per_s': args.train / epoch, 'miou': float(h.miou.max())}

results = {1: [], args.nproc: []}
with tempfile.TemporaryDirectory() as d:
    for k in range(args.repeats):
        for n in (1, args.nproc):
            results[n].append(arm(n, d, k)); print(n, 'process(es):', results[n][-1], flush=True)
summary = {f'{n}_processes': {key: statistics.median(r[key] for r in rs) for key in rs[0]} for n, rs in results.items()}
one, many = summary['1_processes'], summary[f'{args.nproc}_processes']
report = {'machine': hardware_info('cpu'), 'settings': vars(args), 'runs': {str(n): rs for n, rs in results.items()}, 'median': summary,
          'speedup_wall': one['wall_s'] / many['wall_s'], 'speedup_throughput': many['train_img_per_s'] / one['train_img_per_s']}
out = outputs_root()/'bench'/'distributed.json'; out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps(report, indent=1))
print(json.dumps({k: report[k] for k in ('median', 'speedup_wall', 'speedup_throughput')}, indent=1))
print(f"machine: {report['machine']['cpu']}, {report['machine']['threads']} threads; wrote {out}")
