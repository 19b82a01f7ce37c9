#!/usr/bin/env python3
"""PyTorch side of asgrad-bench's optional `pytorch` suite.

A child process driven over stdin/stdout like the Node training children (src/train/worker.ts):
one JSON request per line in, one reply per line out, each reply prefixed with REPLY_MARK so
that nothing else printed to stdout is mistaken for one. Requests:

  {"cmd": "hello"}                reply the library's version and build
  {"cmd": "init", ...}            set up a training run (see TrainInit in src/train/spec.ts)
  {"cmd": "round", "steps": n}    train n steps; reply seconds and mean loss
  {"cmd": "matmul-prepare", ...}  load A and B from a file, write op(A)·op(B) to another
  {"cmd": "matmul-round", ...}    time the prepared matmul for a while (after "rewarm" seconds of
                                  untimed calls); reply median seconds per call
  {"cmd": "matmul-drop", "id": i} forget a prepared matmul
  {"cmd": "finish"}               reply the peak RSS and exit

Run with Debian's interpreter (/usr/bin/python3), which has PyTorch 1.13.
"""
import json
import os
import re
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

REPLY_MARK = "@@bench "

MODEL_PARAMS = {
    "mlp": ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"],
    "cnn": ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"],
}


def reply(obj):
    sys.stdout.write(REPLY_MARK + json.dumps(obj) + "\n")
    sys.stdout.flush()


def status_bytes(field):
    """A /proc/self/status field in bytes (VmRSS now, VmHWM the peak since exec)."""
    with open("/proc/self/status") as f:
        m = re.search(r"^%s:\s+(\d+) kB" % field, f.read(), re.M)
    return int(m.group(1)) * 1024 if m else 0


def build_model(name, dropout):
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(dropout), nn.Linear(1600, 10),
    )


class Trainer:
    def __init__(self, init):
        torch.set_num_threads(init["threads"])
        torch.manual_seed(init["seed"])
        raw = np.fromfile(init["dataFile"], dtype=np.uint8)
        n = raw.size // (785 * 4)
        x = torch.from_numpy(raw[: n * 784 * 4].view(np.float32).copy())
        self.y = torch.from_numpy(raw[n * 784 * 4:].view(np.int32).astype(np.int64))
        self.x = x.view(n, 784) if init["model"] == "mlp" else x.view(n, 1, 28, 28)
        self.batch = init["batch"]
        self.model = build_model(init["model"], 0.5)
        # The suite's initial weights, in the same (PyTorch) layouts and order.
        with torch.no_grad():
            for p, name in zip(self.model.parameters(), MODEL_PARAMS[init["model"]]):
                p.copy_(torch.tensor(init["weights"][name], dtype=torch.float32).view(p.shape))
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
        self.model.train()
        self.library = {
            "name": "torch",
            "version": torch.__version__,
            "build": "CPU, %d thread%s, %s" % (
                init["threads"], "" if init["threads"] == 1 else "s", blas_name()),
        }

    def round(self, steps):
        b = self.batch
        total = 0.0
        t0 = time.perf_counter()
        for s in range(steps):
            xb = self.x[s * b:(s + 1) * b]
            yb = self.y[s * b:(s + 1) * b]
            self.opt.zero_grad()
            loss = F.cross_entropy(self.model(xb), yb)
            loss.backward()
            self.opt.step()
            total += loss.item()
        return {"seconds": time.perf_counter() - t0, "loss": total / steps}


def blas_name():
    """Debian's torch links the system libblas.so.3; the alternatives link says which one it is."""
    lib = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    if os.path.exists(lib):
        return "BLAS %s" % os.path.basename(os.path.dirname(lib))
    m = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    return "BLAS %s" % (m.group(1) if m else "unknown")


class Matmuls:
    def __init__(self):
        self.cases = {}

    def prepare(self, req):
        m, n, k = req["m"], req["n"], req["k"]
        raw = np.fromfile(req["file"], dtype=np.float32)
        a = torch.from_numpy(raw[: m * k].copy()).view((k, m) if req["transA"] else (m, k))
        b = torch.from_numpy(raw[m * k: m * k + k * n].copy()).view((n, k) if req["transB"] else (k, n))
        # Transposed views, as torch.matmul receives them in a backward pass.
        a = a.t() if req["transA"] else a
        b = b.t() if req["transB"] else b
        out = torch.empty(m, n)

        def run():
            torch.matmul(a, b, out=out)

        run()
        out.numpy().tofile(req["out"])
        self.cases[req["id"]] = run

    def round(self, req):
        torch.set_num_threads(req["threads"])
        run = self.cases[req["id"]]
        run()
        # Untimed calls first, as every peer's round has them (see rewarmMs in src/harness.ts).
        until = time.perf_counter() + req.get("rewarm", 0)
        while time.perf_counter() < until:
            run()
        # Per-call times in batches long enough for the clock; median of the batches.
        t0 = time.perf_counter()
        run()
        one = max(time.perf_counter() - t0, 1e-9)
        batch = max(1, int(1e-3 / one))
        times = []
        start = time.perf_counter()
        while time.perf_counter() - start < req["seconds"] or not times:
            t = time.perf_counter()
            for _ in range(batch):
                run()
            times.append((time.perf_counter() - t) / batch)
        return statistics.median(times)


def main():
    trainer = None
    matmuls = Matmuls()
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        cmd = req["cmd"]
        try:
            if cmd == "hello":
                reply({"ok": True, "library": {"name": "torch", "version": torch.__version__,
                                               "build": "CPU, %s" % blas_name()}})
            elif cmd == "init":
                trainer = Trainer(req)
                reply({"ok": True, "library": trainer.library, "rss": status_bytes("VmRSS")})
            elif cmd == "round":
                reply(dict(ok=True, rss=status_bytes("VmRSS"), **trainer.round(req["steps"])))
            elif cmd == "matmul-prepare":
                matmuls.prepare(req)
                reply({"ok": True})
            elif cmd == "matmul-round":
                reply({"ok": True, "seconds": matmuls.round(req)})
            elif cmd == "matmul-drop":
                matmuls.cases.pop(req["id"], None)
                reply({"ok": True})
            elif cmd == "finish":
                reply({"ok": True, "maxRss": status_bytes("VmHWM")})
                return
            else:
                raise ValueError("unknown request %r" % cmd)
        except Exception as e:  # the suite shows the message in the peer's cell
            reply({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})


if __name__ == "__main__":
    main()
