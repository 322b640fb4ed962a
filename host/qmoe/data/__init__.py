"""Dataset loaders (ESC-50, UrbanSound8K, Quinn/ABGQI, embedding CSVs) and the built-in dataset."""

from qmoe.data.audio import load_clip_pcm, read_audio
from qmoe.data.registry import LABEL_SETS, generate_builtin, load_dataset, load_embedding_csv
from qmoe.data.types import AudioDataset, Clip, FeatureDataset

__all__ = [
    "LABEL_SETS",
    "AudioDataset",
    "Clip",
    "FeatureDataset",
    "generate_builtin",
    "load_clip_pcm",
    "load_dataset",
    "load_embedding_csv",
    "read_audio",
]
