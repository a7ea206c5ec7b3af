#!/usr/bin/env python
"""Inference speed and validation mIoU: engines (torch, onnx), precisions, TTA, and the previous full-resolution path.

Not a test: a benchmark. Run it on an otherwise idle machine, with a trained run:
    .venv/bin/python nbs/bench/bench_infer.py --run outputs/demo/runs/demo
Every figure is recorded with the machine it came from (CPU model, capability, native bf16, threads, torch version).
In one run it measures:
  1. speed at 512 px model input on --images validation images of the run (read, predict, 256x256 class map), batch
     --bs (default: `infer_batch_size`, 2 on a CPU), after a warm-up batch, without TTA and with `flip,scale` (9 views), for:
       - torch `auto` (the precision resolved on this CPU), torch fp32, and the onnx engine (fp32, onnxruntime);
       - `previous`: the path before this benchmark existed (probabilities upsampled to the image's full resolution,
         full-resolution argmax, nearest-neighbour resize to 256x256; images read in the main thread; batches of
         --previous-bs, 8 as before), torch `auto`;
  2. knobs of the torch engine without TTA at 512 px: channels_last against contiguous, batch 1/2/4/8/16, 1 and 2 threads;
  3. the run's validation fold predicted at the run's training size, without and with TTA, by `predict_run` (torch and
     onnx engines) and by the previous path: images/s and mIoU, which must agree within 0.001 (--score-tta none skips
     the slow TTA pass).
Results go to outputs/bench/inference.json.
"""
import argparse, json, tempfile, time
from pathlib import Path
import numpy as np, torch, torch.nn.functional as F
from trashseg_nb.core import outputs_root, hardware_info, choose_precision
from trashseg_nb.data import load_coco, coco_subset
from trashseg_nb.model import load_model
from trashseg_nb.deploy import TorchProbs, OnnxSegModel, export_onnx
from trashseg_nb.inference import (predict_coco, predict_probs, predict_run, score_submission, to_submission_size,
                                   write_submission, _read_rgb, SUB_SIZE)

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('--run', required=True); ap.add_argument('--images', type=int, default=48); ap.add_argument('--bs', type=int, default=None); ap.add_argument('--previous-bs', type=int, default=8)
ap.add_argument('--threads', type=int, default=None); ap.add_argument('--no-score', action='store_true')
ap.add_argument('--no-knobs', action='store_true'); ap.add_argument('--score-tta', default='flip,scale')
args = ap.parse_args()
if args.threads: torch.set_num_threads(args.threads)
run = Path(args.run)
cfg = json.loads((run/'config.json').read_text())
val = coco_subset(load_coco(cfg['coco_path']), cfg['valid_ids'], 'validation fold')
ids = val.getImgIds()[:args.images]
auto, _ = choose_precision('auto', 'cpu')
tmp = Path(tempfile.mkdtemp())
onnx_file = export_onnx(load_model(run/'model.pth'), tmp/'model.onnx')
res = {'machine': hardware_info('cpu'), 'settings': vars(args), 'auto_precision': auto, 'speed_512': [], 'knobs': [], 'validation': []}

def previous_path(model, coco, ids, size, tta, bs):
    "The path before: full-resolution probabilities, full-resolution argmax, nearest resize; images read in the main thread."
    for k in range(0, len(ids), bs):
        imgs = [_read_rgb(coco, i) for i in ids[k:k + bs]]
        probs = predict_probs(model, imgs, size, tta=tta)
        for i, p in zip(ids[k:k + bs], probs): yield i, to_submission_size(p.argmax(0).numpy().astype(np.uint8))

def new_path(engine, coco, ids, size, tta, bs):
    for i, p in predict_coco(engine, coco, ids, size=size, tta=tta, bs=bs, progress=False, out_size=SUB_SIZE):
        yield i, p.argmax(0).numpy().astype(np.uint8)

def timed(gen_fn, *a):
    list(gen_fn(*a[:2], a[2][:a[5] or 8], *a[3:]))               # warm-up on one batch
    t = time.perf_counter(); out = list(gen_fn(*a)); return len(a[2]) / (time.perf_counter() - t), out

def engines():
    model = load_model(run/'model.pth')
    yield 'torch', auto, TorchProbs(model, precision=auto)
    if auto != 'fp32': yield 'torch', 'fp32', TorchProbs(load_model(run/'model.pth'), precision='fp32')
    yield 'onnx', 'fp32', OnnxSegModel(onnx_file)
    yield 'previous', auto, TorchProbs(load_model(run/'model.pth'), precision=auto)

for tta in (None, 'flip,scale'):
    for name, prec, engine in engines():
        fn, bs = (previous_path, args.previous_bs) if name == 'previous' else (new_path, args.bs)
        ips, _ = timed(fn, engine, val, ids, 512, tta, bs)
        res['speed_512'].append({'engine': name, 'precision': prec, 'tta': tta or 'none', 'img_per_s': ips, 'threads': torch.get_num_threads()})
        print(f"512 px, TTA {tta or 'none':10s} {name:8s} {prec}: {ips:6.2f} img/s", flush=True)

if not args.no_knobs:
    threads0 = torch.get_num_threads()
    for label, kw, bs, threads in [('channels_last', {}, 8, threads0), ('contiguous', {'channels_last': False}, 8, threads0),
                                   ('bs1', {}, 1, threads0), ('bs2', {}, 2, threads0), ('bs4', {}, 4, threads0),
                                   ('bs16', {}, 16, threads0), ('1 thread', {}, 8, 1)]:
        torch.set_num_threads(threads)
        engine = TorchProbs(load_model(run/'model.pth'), precision=auto, **kw)
        ips, _ = timed(new_path, engine, val, ids, 512, None, bs)
        res['knobs'].append({'knob': label, 'bs': bs, 'threads': threads, 'precision': auto, 'img_per_s': ips})
        print(f"512 px, no TTA, torch {auto}, {label:13s}: {ips:6.2f} img/s", flush=True)
    torch.set_num_threads(threads0)

if not args.no_score:
    size = cfg['size']
    vids = val.getImgIds()
    for tta in [None] + ([args.score_tta] if args.score_tta != 'none' else []):
        for name, prec, engine in engines():
            fn, bs = (previous_path, args.previous_bs) if name == 'previous' else (new_path, args.bs)
            t = time.perf_counter(); maps = list(fn(engine, val, vids, size, tta, bs)); dt = time.perf_counter() - t
            sub = write_submission(((val.imgs[i]['file_name'], m) for i, m in maps), tmp/f"val_{name}_{prec}_{tta or 'none'}.csv")
            s = score_submission(sub, val)
            res['validation'].append({'engine': name, 'precision': prec, 'tta': tta or 'none', 'size': size, 'images': len(vids),
                                      'img_per_s': len(vids) / dt, 'miou': s['miou'], 'pixel_accuracy': s['pixel_accuracy']})
            print(f"validation ({len(vids)} images at {size} px), TTA {tta or 'none':10s} {name:8s} {prec}: "
                  f"{len(vids) / dt:6.2f} img/s, mIoU {s['miou']:.4f}", flush=True)

out = outputs_root()/'bench'; out.mkdir(parents=True, exist_ok=True)
(out/'inference.json').write_text(json.dumps(res, indent=1))
print(f"wrote {out/'inference.json'} ({res['machine']['cpu']}, {res['machine']['cpu_capability']})")
