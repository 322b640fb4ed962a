"""The harder built-in variant: 16 classes in ESC-50's layout, deterministic, fixed class
fingerprints; the CLI writes it."""

from __future__ import annotations

import numpy as np
import pytest

from qmoe.data import generate_builtin, load_dataset
from qmoe.data.builtin import VARIANTS, render_clip
from qmoe.data.synth_hard import FINGERPRINT_DB, fingerprint
from qmoe.errors import ConfigError

from support import run_cli


def test_hard_variant_layout_and_determinism(tmp_path):
    ds = generate_builtin(tmp_path / "a", seed=0, clips_per_class=5, duration_s=0.5, variant="hard")
    assert ds.label_set == "builtin-16class" and len(ds.class_names) == 16
    assert ds.class_names == list(VARIANTS["hard"].class_names)
    assert len(ds.clips) == 80 and ds.folds == [1, 2, 3, 4, 5]
    assert load_dataset("builtin", tmp_path / "a").clips == ds.clips
    generate_builtin(tmp_path / "b", seed=0, clips_per_class=5, duration_s=0.5, variant="hard")
    for c in ds.clips[:10]:
        assert c.path.read_bytes() == (tmp_path / "b" / c.name).read_bytes()
    a = render_clip(0, 3, 1, 16000, 8000, "hard")
    assert not np.array_equal(a, render_clip(1, 3, 1, 16000, 8000, "hard"))
    assert not np.array_equal(a, render_clip(0, 3, 1, 16000, 8000))  # the default variant
    with pytest.raises(ConfigError, match="variant 'harder'"):
        generate_builtin(tmp_path / "c", variant="harder")


def test_fingerprints_are_small_fixed_and_distinct():
    f = np.geomspace(60, 7900, 400)
    curves = np.array([fingerprint(c, f) for c in range(16)])
    assert np.allclose(np.sqrt(np.mean(curves**2, axis=1)), FINGERPRINT_DB)
    assert np.array_equal(curves[5], fingerprint(5, f))  # fixed by the class index alone
    gaps = [np.sqrt(np.mean((curves[i] - curves[j]) ** 2)) for i in range(16) for j in range(i)]
    assert min(gaps) > 0.5  # every pair differs somewhere by a fraction of a dB or more


def test_cli_writes_the_hard_variant(tmp_path):
    r = run_cli(
        "data", "builtin", "--variant", "hard", "--out", str(tmp_path), "--clips-per-class", "5"
    )
    assert r.returncode == 0, r.stderr
    assert "builtin [builtin-16class]: 16 classes, 80 clips, 5 folds" in r.stdout
