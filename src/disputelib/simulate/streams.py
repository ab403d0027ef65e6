"""Seeded per-block random streams: one named stream per random variable of a block of orders."""

from __future__ import annotations

import zlib
from collections.abc import Mapping

import numpy as np

#: Orders per block of random streams. Part of the model: changing it changes the data.
BLOCK_SIZE = 65_536


class _Draws:
    """Named random streams of one block, each drawn for every order of the block."""

    def __init__(self, seed: int, block: int, n: int):
        self.seed, self.block, self.n = seed, block, n

    def _rng(self, name: str) -> np.random.Generator:
        ss = np.random.SeedSequence(self.seed, spawn_key=(self.block, zlib.crc32(name.encode())))
        return np.random.Generator(np.random.PCG64(ss))

    def uniform(self, name: str, size: int | None = None) -> np.ndarray:
        """Uniforms on [0, 1); the first k values never depend on ``size``."""
        return self._rng(name).random(self.n if size is None else size)

    def normal(self, name: str, size: int | None = None) -> np.ndarray:
        """Standard normals by Box-Muller on pairs of uniforms (prefix-stable)."""
        u = self._rng(name).random(2 * (self.n if size is None else size)).reshape(-1, 2)
        return np.sqrt(-2.0 * np.log1p(-u[:, 0])) * np.cos(2.0 * np.pi * u[:, 1])

    def exponential(self, name: str, mean: float) -> np.ndarray:
        return -mean * np.log1p(-self.uniform(name))

    def between(self, name: str, bounds: tuple[float, float]) -> np.ndarray:
        low, high = bounds
        return low + (high - low) * self.uniform(name)

    def lognormal(self, name: str, median: float, sigma: float) -> np.ndarray:
        return median * np.exp(sigma * self.normal(name))

    def chance(self, name: str, p: float | np.ndarray) -> np.ndarray:
        return self.uniform(name) < p

    def pick(self, name: str, mix: Mapping[str, float], labels: tuple[str, ...] | None = None) -> np.ndarray:
        """Codes into ``labels`` (default: the mix's keys) drawn with the mix's shares."""
        labels = tuple(mix) if labels is None else labels
        cum = np.cumsum([mix.get(k, 0.0) for k in labels])
        cum[-1] = 1.0
        return np.minimum(np.searchsorted(cum, self.uniform(name), side="right"), len(labels) - 1)

    def pick_within(self, name: str, groups: np.ndarray, mixes: list[Mapping[str, float]]) -> tuple[np.ndarray, list]:
        """One draw per row from the mix of the row's group; codes into a flat list of ``(group, key)``."""
        flat, cums = [], []
        for g, mix in enumerate(mixes):
            shares = np.asarray(list(mix.values()), dtype=float)
            cum = np.cumsum(shares)
            cum[-1] = 1.0
            cums.append(g + cum)
            flat += [(g, k) for k in mix]
        edges = np.concatenate(cums)
        codes = np.searchsorted(edges, groups + self.uniform(name), side="right")
        starts = np.concatenate([[0], np.cumsum([len(m) for m in mixes])])
        lo, hi = starts[groups], starts[groups + 1] - 1
        return np.clip(codes, lo, hi), flat
