"""Reproducible training: one place that fixes the thread count, the algorithms and the seeds.

Every training entry point (`qmoe-host train`, `demo`, the main job, the router study, the bench
scripts, all through `qmoe.train.cv.cross_validate`) calls `configure` before it trains, so that a
seed names one model, byte for byte, whatever the machine's core count or its OMP_NUM_THREADS /
MKL_NUM_THREADS. What is fixed and how to check it: docs/reproducibility.md.

- Kernels: PyTorch's own CPU kernels run their portable build (ATEN_CPU_CAPABILITY=default, not
  the AVX2/AVX-512 builds chosen by the CPU) and MKL runs its conditional numerical
  reproducibility mode (MKL_CBWR=COMPATIBLE), so that a machine with other vector units adds in
  the same order. Both are read by torch and MKL on their first use: `prepare_process` sets them,
  and `qmoe-host` calls it before anything else; `configure` calls it too and records the kernels
  torch actually uses.
- Threads: PyTorch's intra-op thread count is set to `threads` (default 1), never taken from the
  core count or the environment. These MLPs are tiny (a 64-row batch of 128x64 layers): a second
  thread costs more in synchronisation than it saves: on a loaded 2-core machine the default
  (one thread per core) made each fold 3 to 18 times slower (docs/reproducibility.md). A
  reduction split over more threads may round differently, so the thread count is part of the
  recipe and is recorded.
- Algorithms: `torch.use_deterministic_algorithms(True)`: an operation without a deterministic
  implementation raises instead of silently varying.
- Random sources: `seeded(seed)` seeds torch's global generator (weight initialisation, training
  dropout) and returns a private generator for data order; the validation split, the curiosity
  router's fixed MC-dropout masks and the built-in data have their own seeded generators.
"""

from __future__ import annotations

import os
import warnings

DEFAULT_THREADS = 1

# Read by torch (its kernel build) and MKL (its code path) at their first use in a process.
PORTABLE_KERNELS = {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"}

_applied: dict = {}


def prepare_process() -> None:
    """Ask torch and MKL for their portable, machine-independent kernels (see the module's
    docstring). Has effect only before the process's first torch operation."""
    os.environ.update(PORTABLE_KERNELS)


def check_threads(threads: int) -> int:
    """`threads` as a positive int; ConfigError otherwise."""
    from qmoe.errors import ConfigError

    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ConfigError(f"threads = {threads!r}: expected an integer >= 1")
    return threads


def configure(threads: int | None = None) -> dict:
    """Fix torch's intra-op thread count (default DEFAULT_THREADS) and deterministic algorithms.

    Returns what was set, for run.json. Safe to call again (the last call wins).
    """
    n = DEFAULT_THREADS if threads is None else check_threads(threads)
    prepare_process()
    import torch

    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    torch.use_deterministic_algorithms(True)
    kernels = torch.backends.cpu.get_cpu_capability()
    if kernels != "DEFAULT" and not _applied:
        warnings.warn(
            f"torch already runs its {kernels} kernels in this process (a torch operation ran "
            "before qmoe.train.determinism.configure): models trained here are reproducible on "
            "this machine only; call configure() before any torch work, as qmoe-host does",
            RuntimeWarning,
            stacklevel=2,
        )
    _applied.update(threads=n, deterministic_algorithms=True, cpu_kernels=kernels)
    return dict(_applied)


def applied() -> dict:
    """What the last `configure` set in this process ({} before any)."""
    return dict(_applied)


def seeded(seed: int):
    """Seed torch's global generator (initialisation, dropout) and return a private
    torch.Generator seeded alike, for the order in which training rows are drawn."""
    import torch

    torch.manual_seed(seed)
    g = torch.Generator()
    g.manual_seed(seed)
    return g


# What only the router uses: variants that differ in these alone share their experts.
ROUTER_FIELDS = (
    "router",
    "router_hidden",
    "router_epochs",
    "router_dropout",
    "mc_passes",
    "top_k",
    "balance_weight",
    "policy",
    "escalate_share",
    "budget",
)


class SharedExperts:
    """Experts trained once per fold for the variants of one run that differ only in their
    router (the main job's and the router study's softmax and curiosity mixtures).

    The second variant gets a copy of the first one's experts and the random state they left
    behind, so its model is the same, byte for byte, as when it is trained alone (a test checks
    it); only the time is saved."""

    def __init__(self) -> None:
        self._store: dict = {}

    @staticmethod
    def _key(cfg, fold: int) -> tuple:
        import json

        d = {k: v for k, v in cfg.to_dict().items() if k not in ROUTER_FIELDS}
        return fold, json.dumps(d, sort_keys=True, default=str)

    def get(self, cfg, fold: int, gen):
        """A copy of the experts for (cfg, fold) with `gen` and torch's generator set as they
        were after training them; None when they were not trained yet."""
        import copy

        import torch

        hit = self._store.get(self._key(cfg, fold))
        if hit is None:
            return None
        experts, gen_state, torch_state = hit
        gen.set_state(gen_state)
        torch.set_rng_state(torch_state)
        return copy.deepcopy(experts)

    def put(self, cfg, fold: int, experts: list, gen) -> None:
        """Keep a copy of `experts` and the random state after them (call before the router)."""
        import copy

        import torch

        state = (copy.deepcopy(experts), gen.get_state(), torch.get_rng_state())
        self._store[self._key(cfg, fold)] = state
