#!/usr/bin/env python
"""Training throughput at 256 px: precisions, the fastai Learner against a raw loop, and against the smp Unet peer.

Not a test: a benchmark. Run it on an otherwise idle machine:  .venv/bin/python nbs/bench/bench_train.py
It uses segmentation_models_pytorch (a requirement since its Lovász loss is used) for the peer.
Every figure is recorded with the machine it came from (CPU model, capability, native bf16, threads, torch version).
Paths, all on the same batches with AdamW, cross-entropy and channels_last:
  - learner: our lite0 + FPN in the fastai Learner (`seg_learner`, which hands the model plain tensors);
  - raw:     the same model in a plain PyTorch loop;
  - smp:     segmentation_models_pytorch `Unet(encoder_name='tu-tf_efficientnet_lite0')` in a plain loop: the peer a
             practitioner would pick (same timm encoder; smp's default U-Net decoder).
Precisions: fp32, bf16 (autocast) and `auto` (what `choose_precision` resolves on this CPU, i.e. one of the two).
On a CPU without native bf16, bf16 runs only --slow-steps steps (it is 20-40x slower there).
Data sources: 'cached' (4 pre-loaded batches cycled: the model's work only) and 'loader' (fastai DataLoader: JPEG
decoding and augmentation in the loop). Each figure is the median of --repeats runs of --steps steps after --warmup.
Results go to outputs/bench/train_throughput.json.
"""
import argparse, json, time, itertools
import torch, torch.nn.functional as F
from fastai.callback.core import Callback, CancelFitException
from trashseg_nb.core import seed_everything, outputs_root, data_root, hardware_info, choose_precision
from trashseg_nb.data import load_coco, seg_dataloaders
from trashseg_nb.augment import get_aug
from trashseg_nb.model import create_model
from trashseg_nb.learner import seg_learner, SegLoss

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('--size', type=int, default=256); ap.add_argument('--bs', type=int, default=8)
ap.add_argument('--steps', type=int, default=20); ap.add_argument('--warmup', type=int, default=3)
ap.add_argument('--slow-steps', type=int, default=2); ap.add_argument('--repeats', type=int, default=2)
ap.add_argument('--num-workers', type=int, default=0); ap.add_argument('--threads', type=int, default=None)
ap.add_argument('--paths', default='learner,raw,smp'); ap.add_argument('--sources', default='cached,loader')
args = ap.parse_args()
if args.threads: torch.set_num_threads(args.threads)
auto, machine = choose_precision('auto', 'cpu')
native = machine['native_bf16']
seed_everything(0)
train = load_coco(data_root()/'train_all.json')
ids = train.getImgIds()
dls = seg_dataloaders(train, ids[:400], ids[400:410], size=args.size, bs=args.bs, train_aug=get_aug('base', args.size),
                      num_workers=args.num_workers, seed=0)
cached = [(x.as_subclass(torch.Tensor), y.as_subclass(torch.Tensor)) for (x, y), _ in zip(dls.train, range(4))]

def n_steps(precision): return args.steps if precision == 'fp32' or native else args.slow_steps
def n_warm(precision): return args.warmup if precision == 'fp32' or native else 1

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

def learner_speed(source, precision):
    seed_everything(0)
    learn = seg_learner(dls, create_model('tf_efficientnet_lite0', 'fpn', pretrained='efficientnet-lite'), precision=precision, channels_last=True)
    cb = StopAfter(n_warm(precision), n_steps(precision))
    if source == 'cached': learn.dls.train, old = CyclicDL(cached, cb.warmup + cb.steps + 1), learn.dls.train
    with learn.no_logging(), learn.no_bar(): learn.fit(1, lr=1e-4, cbs=[cb])
    if source == 'cached': learn.dls.train = old
    return args.bs * cb.steps / cb.elapsed

def loop_speed(model, source, precision):
    model = model.to(memory_format=torch.channels_last).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    loss_fn = SegLoss('ce')
    batches = itertools.cycle(cached) if source == 'cached' else iter(dls.train)
    warm, steps = n_warm(precision), n_steps(precision)
    for i in range(warm + steps):
        if i == warm: t0 = time.perf_counter()
        xb, yb = next(batches)
        xb, yb = xb.as_subclass(torch.Tensor).contiguous(memory_format=torch.channels_last), yb.as_subclass(torch.Tensor)
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=precision == 'bf16'):
            loss = loss_fn(model(xb).float(), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    return args.bs * steps / (time.perf_counter() - t0)

def raw_speed(source, precision):
    seed_everything(0)
    return loop_speed(create_model('tf_efficientnet_lite0', 'fpn', pretrained='efficientnet-lite'), source, precision)

def smp_speed(source, precision):
    import segmentation_models_pytorch as smp
    seed_everything(0)
    return loop_speed(smp.Unet(encoder_name='tu-tf_efficientnet_lite0', encoder_weights=None, classes=11), source, precision)

paths = {'learner': learner_speed, 'raw': raw_speed, 'smp': smp_speed}
results = {'machine': machine, 'auto_precision': auto, 'settings': vars(args), 'runs': []}
for source in args.sources.split(','):
    for precision in ('fp32', 'bf16'):
        for r in range(args.repeats):
            order = args.paths.split(',')
            for name in (order if r % 2 == 0 else order[::-1]):
                ips = paths[name](source, precision)
                results['runs'].append({'source': source, 'path': name, 'precision': precision, 'repeat': r, 'img_per_s': ips,
                                        'steps': n_steps(precision)})
                print(f'{source:7s} {name:8s} {precision}: {ips:6.2f} img/s (repeat {r})', flush=True)

def median(source, path, precision):
    v = sorted(x['img_per_s'] for x in results['runs'] if (x['source'], x['path'], x['precision']) == (source, path, precision))
    return v[len(v) // 2] if v else None
summary = {}
for source in args.sources.split(','):
    s = {f'{p} {q}': median(source, p, q) for p in args.paths.split(',') for q in ('fp32', 'bf16')}
    s.update({f'{p} auto ({auto})': s[f'{p} {auto}'] for p in args.paths.split(',')})
    for name, a, b in [('learner auto / smp auto', f'learner {auto}', f'smp {auto}'), ('learner fp32 / smp fp32', 'learner fp32', 'smp fp32'),
                       ('learner auto / raw auto', f'learner {auto}', f'raw {auto}'), ('learner bf16 / fp32', 'learner bf16', 'learner fp32')]:
        if s.get(a) and s.get(b): s[name] = s[a] / s[b]
    summary[source] = s
results['summary'] = summary
out = outputs_root()/'bench'; out.mkdir(parents=True, exist_ok=True)
(out/'train_throughput.json').write_text(json.dumps(results, indent=1))
print(json.dumps({'machine': f"{machine['cpu']}, {machine['cpu_capability']}, native bf16 {native}, {machine['threads']} threads", **summary}, indent=1))
