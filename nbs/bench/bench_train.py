#!/usr/bin/env python
"""Training throughput at 256 px: the fastai Learner against a raw PyTorch loop on the same model and data.

Not a test: a benchmark. Run it on an otherwise idle machine:  .venv/bin/python nbs/bench/bench_train.py
Both paths use the same lite0 + FPN model, optimiser (AdamW), loss, channels_last and bf16 autocast (on CPU),
and the same batches (the Learner's `PlainTensors` callback and the raw loop both turn fastai's tensor subclasses
into plain tensors). Two data sources are timed:
  - 'loader': batches come from the fastai DataLoader (JPEG decoding and augmentation in the loop);
  - 'cached': a few batches are loaded once and cycled, so only the model's work is timed.
Each measurement runs `--warmup` steps first; the Learner and the raw loop alternate, `--repeats` times.
Results go to outputs/bench/train_throughput.json.
"""
import argparse, json, time, itertools
from pathlib import Path
import torch, torch.nn.functional as F
from fastai.callback.core import Callback, CancelFitException
from trashseg_nb.core import seed_everything, outputs_root, pick_device
from trashseg_nb.data import load_coco, seg_dataloaders
from trashseg_nb.augment import get_aug
from trashseg_nb.model import create_model
from trashseg_nb.learner import seg_learner, SegLoss
from trashseg_nb.core import data_root

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('--size', type=int, default=256); ap.add_argument('--bs', type=int, default=8)
ap.add_argument('--steps', type=int, default=20); ap.add_argument('--warmup', type=int, default=3)
ap.add_argument('--repeats', type=int, default=2); ap.add_argument('--num-workers', type=int, default=0)
ap.add_argument('--threads', type=int, default=2)
args = ap.parse_args()
torch.set_num_threads(args.threads)
seed_everything(0)
train = load_coco(data_root()/'train_all.json')
ids = train.getImgIds()
dls = seg_dataloaders(train, ids[:400], ids[400:410], size=args.size, bs=args.bs, train_aug=get_aug('base', args.size),
                      num_workers=args.num_workers, seed=0)
cached = [b for b, _ in zip(dls.train, range(4))]

class StopAfter(Callback):
    "Time `steps` training batches after `warmup` batches, then stop the fit."
    order = 100
    def __init__(self, warmup, steps): self.warmup, self.steps, self.n, self.t0, self.elapsed = warmup, steps, 0, None, None
    def before_batch(self):
        if self.training and self.n == self.warmup: self.t0 = time.perf_counter()
    def after_batch(self):
        if not self.training: return
        self.n += 1
        if self.n == self.warmup + self.steps: self.elapsed = time.perf_counter() - self.t0; raise CancelFitException()

class CyclicDL:
    "Stand-in for a DataLoader that cycles pre-loaded batches."
    def __init__(self, batches, n): self.batches, self.n = batches, n
    def __iter__(self): return itertools.islice(itertools.cycle(self.batches), self.n)
    def __len__(self): return self.n

def learner_speed(source):
    seed_everything(0)
    model = create_model('tf_efficientnet_lite0', 'fpn', pretrained='efficientnet-lite')
    learn = seg_learner(dls, model, precision='auto', channels_last=True)
    cb = StopAfter(args.warmup, args.steps)
    if source == 'cached':
        learn.dls.train, old = CyclicDL(cached, args.warmup + args.steps + 1), learn.dls.train
    with learn.no_logging(), learn.no_bar(): learn.fit(1, lr=1e-4, cbs=[cb])
    if source == 'cached': learn.dls.train = old
    return args.bs * args.steps / cb.elapsed

def raw_speed(source):
    seed_everything(0)
    model = create_model('tf_efficientnet_lite0', 'fpn', pretrained='efficientnet-lite').to(memory_format=torch.channels_last).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    loss_fn = SegLoss('ce')
    batches = itertools.cycle(cached) if source == 'cached' else iter(dls.train)
    t0 = None
    for i in range(args.warmup + args.steps):
        if i == args.warmup: t0 = time.perf_counter()
        xb, yb = next(batches)
        xb, yb = xb.as_subclass(torch.Tensor), yb.as_subclass(torch.Tensor)   # a raw loop gets plain tensors
        with torch.autocast('cpu', dtype=torch.bfloat16):
            loss = loss_fn(model(xb).float(), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    return args.bs * args.steps / (time.perf_counter() - t0)

results = {'settings': vars(args), 'device': str(pick_device()), 'runs': []}
for source in ('cached', 'loader'):
    for r in range(args.repeats):
        for name, fn in (('learner', learner_speed), ('raw', raw_speed)) if r % 2 == 0 else (('raw', raw_speed), ('learner', learner_speed)):
            ips = fn(source)
            results['runs'].append({'source': source, 'path': name, 'repeat': r, 'img_per_s': ips})
            print(f'{source:7s} {name:8s} repeat {r}: {ips:6.2f} img/s', flush=True)
summary = {}
for source in ('cached', 'loader'):
    med = {p: sorted(x['img_per_s'] for x in results['runs'] if x['source'] == source and x['path'] == p) for p in ('learner', 'raw')}
    summary[source] = {p: v[len(v) // 2] for p, v in med.items()}
    summary[source]['learner/raw'] = summary[source]['learner'] / summary[source]['raw']
results['summary'] = summary
out = outputs_root()/'bench'; out.mkdir(parents=True, exist_ok=True)
(out/'train_throughput.json').write_text(json.dumps(results, indent=1))
print(json.dumps(summary, indent=1))
