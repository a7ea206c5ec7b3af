#!/usr/bin/env python
"""Inference speed at 512 px (with and without TTA, fp32 against bf16) and a run's validation mIoU with and without TTA.

Not a test: a benchmark. Run it on an otherwise idle machine:
    .venv/bin/python nbs/bench/bench_infer.py --run outputs/runs/<run>
Speed: the run's model (or lite0 + FPN if --run is not given) predicts --images images of the default data at 512 px,
batch 8, channels_last, after a warm-up batch; TTA means `flip,scale` (3 flips x 3 scales = 9 views).
Score: the run's validation images (from its config.json) are predicted at the run's training size without TTA and
with `flip,scale`, and scored at 256x256 like a submission. Results go to outputs/bench/inference.json.
"""
import argparse, json, tempfile, time
from pathlib import Path
import numpy as np, torch
from PIL import Image
from trashseg_nb.core import data_root, outputs_root
from trashseg_nb.data import load_coco, image_path, coco_subset
from trashseg_nb.model import create_model, load_model
from trashseg_nb.inference import predict_probs, predict_run, score_submission

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('--run', default=None); ap.add_argument('--images', type=int, default=48); ap.add_argument('--bs', type=int, default=8)
ap.add_argument('--threads', type=int, default=2); ap.add_argument('--no-score', action='store_true')
args = ap.parse_args()
torch.set_num_threads(args.threads)
train = load_coco(data_root()/'train_all.json')
ids = train.getImgIds()[:args.images]
imgs = [np.asarray(Image.open(image_path(train, i)).convert('RGB')) for i in ids]
if args.run: model = load_model(Path(args.run)/'model.pth')
else: model = create_model('tf_efficientnet_lite0', 'fpn', pretrained='efficientnet-lite'); model.meta = {'mean': (0.5,)*3, 'std': (0.5,)*3}
model = model.to(memory_format=torch.channels_last).eval()
mean, std = model.meta.get('mean', (0.5,)*3), model.meta.get('std', (0.5,)*3)
res = {'settings': vars(args), 'speed': []}
for tta in (None, 'flip,scale'):
    for precision in ('fp32', 'bf16'):
        predict_probs(model, imgs[:args.bs], 512, mean, std, tta, precision)        # warm-up
        t = time.perf_counter()
        for k in range(0, len(imgs), args.bs): predict_probs(model, imgs[k:k + args.bs], 512, mean, std, tta, precision)
        ips = len(imgs) / (time.perf_counter() - t)
        res['speed'].append({'tta': tta or 'none', 'precision': precision, 'img_per_s': ips})
        print(f"512 px, TTA {tta or 'none':10s} {precision}: {ips:6.2f} img/s", flush=True)
if args.run and not args.no_score:
    cfg = json.loads((Path(args.run)/'config.json').read_text())
    val = coco_subset(load_coco(cfg['coco_path']), cfg['valid_ids'], 'validation fold')
    tmp = Path(tempfile.mkdtemp())
    res['score'] = {}
    for tta in (None, 'flip,scale'):
        t = time.perf_counter()
        sub = predict_run(args.run, val, tmp/f"val_{tta or 'none'}.csv", tta=tta)
        s = score_submission(sub, val)
        res['score'][tta or 'none'] = {'miou': s['miou'], 'pixel_accuracy': s['pixel_accuracy'], 'seconds': time.perf_counter() - t,
                                       'per_class_iou': s['per_class_iou']}
        print(f"validation ({len(cfg['valid_ids'])} images, size {cfg['size']}), TTA {tta or 'none'}: mIoU {s['miou']:.4f}", flush=True)
out = outputs_root()/'bench'; out.mkdir(parents=True, exist_ok=True)
(out/'inference.json').write_text(json.dumps(res, indent=1))
print(json.dumps({k: v for k, v in res.items() if k != 'settings'}, indent=1)[:3000])
