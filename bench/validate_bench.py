"""Validation at sector scale: ``emskg validate`` on N generated declarations vs the naive pipeline.

The naive pipeline is what people write today, one process per file::

    PYSHACL_USE_FULL_MIXIN=1 pyshacl -s shapes.ttl -e ontology+kb.ttl -i owlrl FILE

(without ``PYSHACL_USE_FULL_MIXIN`` pyshacl copies only class and property definitions from the
ontology graph, misses the knowledge base's individuals and reports false violations). It runs on a
sample (it costs seconds a file); its violation sets are compared with emskg's on the same files.
Peak memory is the largest total resident set of the whole process tree, sampled every 20 ms.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import generate
from common import ROOT, emskg_bin, table

OUT = ROOT / "bench" / "out"


def declarations(n: int, seed: int = 7, defects: float = 0.3) -> list[Path]:
    """``n`` generated declarations, reused across runs when the same ones exist already."""
    folder = OUT / f"decl-{n}-s{seed}"
    manifest = folder / "manifest.json"
    if not manifest.is_file() or len(json.loads(manifest.read_text())) != n:
        generate.generate(n, folder, defect_share=defects, seed=seed)
    return sorted(folder.glob("*.ttl"))


def _tree_rss(pid: int) -> int:
    """Resident set of a process and all its descendants, in bytes."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, subprocess.CompletedProcess[bytes]]:
    """Run ``cmd``; wall seconds, peak tree RSS in bytes, and the finished process."""
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return wall, peak, subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def emskg_validate(files: list[Path], jobs: int) -> tuple[float, int, dict[str, set[tuple[str, ...]]]]:
    cmd = [emskg_bin(), "validate", "--format", "json", "--jobs", str(jobs), *map(str, files)]
    wall, peak, proc = run_measured(cmd)
    if proc.returncode not in (0, 1):
        raise RuntimeError(proc.stderr.decode()[-2000:])
    report = json.loads(proc.stdout)
    found = {f["file"]: {(r["focusNode"], r["resultPath"] or "", r["sourceShape"], r["severity"]) for r in f["results"]}
             for f in report["files"]}
    return wall, peak, found


def naive(files: list[Path]) -> tuple[float, dict[str, set[tuple[str, ...]]]]:
    """The naive pipeline on each file; mean seconds a file and the violation sets."""
    import rdflib

    work = Path(tempfile.mkdtemp(prefix="emskg-naive-"))
    graph = work / "ontology-kb.ttl"
    subprocess.run([emskg_bin(), "export", "-o", str(graph)], check=True)
    shapes = work / "shapes.ttl"
    shapes.write_text("\n".join(p.read_text() for p in sorted((ROOT / "shapes").glob("*.ttl"))))
    pyshacl = str(Path(emskg_bin()).with_name("pyshacl"))
    env = {**os.environ, "PYSHACL_USE_FULL_MIXIN": "1"}
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    found: dict[str, set[tuple[str, ...]]] = {}
    start = time.perf_counter()
    for f in files:
        proc = subprocess.run([pyshacl, "-s", str(shapes), "-e", str(graph), "-i", "owlrl", "-f", "turtle", str(f)],
                              capture_output=True, env=env)
        g = rdflib.Graph().parse(data=proc.stdout, format="turtle")
        found[str(f)] = {
            (str(g.value(r, sh.focusNode)), str(g.value(r, sh.resultPath) or ""), str(g.value(r, sh.sourceShape)),
             str(g.value(r, sh.resultSeverity)).removeprefix(str(sh)))
            for r in g.objects(None, sh.result)}
    return (time.perf_counter() - start) / len(files), found


def run_bench(sizes: tuple[int, ...] = (100, 1000, 16000), naive_sample: int = 6, jobs: int = 2) -> tuple[str, dict[str, float]]:
    rows = []
    figures: dict[str, float] = {}
    biggest: list[Path] = []
    for n in sizes:
        files = declarations(n)
        biggest = files
        for j in sorted({1, jobs}):
            if n > 2000 and j == 1:
                continue  # the largest size runs with all cores only (it is the pipeline case)
            wall, peak, _ = emskg_validate(files, j)
            rows.append((f"{n:,}", j, wall, n / wall, peak / 2**20))
            figures[f"rate_{n}_{j}"] = n / wall
            figures[f"wall_{n}_{j}"] = wall
            figures[f"peak_mb_{n}_{j}"] = peak / 2**20
    manifest = json.loads((biggest[0].parent / "manifest.json").read_text())
    defective = [f for f in biggest if manifest.get(f.name)]
    sample = (defective[: naive_sample - 1] + [f for f in biggest if not manifest.get(f.name)][:1])[:naive_sample]
    per_file, naive_found = naive(sample)
    _, _, ours = emskg_validate(sample, 1)
    same = all(ours[str(f)] == naive_found[str(f)] for f in sample)
    figures["naive_s_per_file"] = per_file
    figures["naive_rate"] = 1 / per_file
    best = max(v for k, v in figures.items() if k.startswith("rate_"))
    lines = [
        "## Validation", "",
        "`emskg validate --format json --jobs J FILE...` on generated declarations (`bench/generate.py`: 30% carry one "
        "planted defect), one run each; wall time includes start-up (loading the cached graph, compiling the shapes, "
        "spawning workers). Peak memory: the whole process tree.", "",
        table(["declarations", "jobs", "wall s", "declarations/s", "peak MiB"], rows), "",
        f"Naive pipeline (`PYSHACL_USE_FULL_MIXIN=1 pyshacl -s shapes -e ontology+kb -i owlrl FILE`, one process a "
        f"file) on a sample of {len(sample)} of the same files ({sum(1 for f in sample if manifest.get(f.name))} with "
        f"defects): **{per_file:.2f} s a file** ({1 / per_file:.2f} declarations/s). emskg's fastest rate above is "
        f"**{best / (1 / per_file):,.0f}x** that. Violation sets on the sample: "
        f"**{'identical' if same else 'DIFFERENT'}** (focus node, path, shape, severity).", ""]
    figures["naive_same"] = float(same)
    return "\n".join(lines), figures


if __name__ == "__main__":
    md, figs = run_bench(sizes=(100, 1000), naive_sample=2)
    print(md)
