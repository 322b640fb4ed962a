"""Reading audio files as int16 mono PCM at a requested sample rate.

Any format libsndfile reads is accepted (WAV with 8-bit unsigned, 16/24/32-bit integer or 32-bit
float samples, FLAC, ...). Channels are averaged to mono, the signal is resampled with
`scipy.signal.resample_poly` by the exact rational ratio target/source, and rounded to int16.
A WAV whose header promises more sample data than the file holds is rejected, although
libsndfile would silently return the shorter signal. What a header can make the loader allocate is
bounded: the file's sample rate must lie in FILE_RATE_HZ and the resampled clip must hold at most
MAX_CLIP_SAMPLES samples (a header saying 1 Hz would otherwise ask for 16000 output samples per
input frame, and 0x7FFFFFFF Hz for a 320 GiB resampling filter).
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from qmoe.data.types import Clip
from qmoe.errors import ConfigError, DataError

AUDIO_SUFFIXES = (".wav", ".flac", ".aif", ".aiff", ".ogg")
"""File name endings treated as audio when a loader scans folders (compared lower-case)."""

_UNKNOWN_SIZES = (0, 0xFFFFFFFF)  # data-chunk sizes written by streaming writers
FILE_RATE_HZ = (1000, 768_000)
"""Sample rates a file may have (inclusive): telephone audio to the highest studio rate."""
MAX_CLIP_SAMPLES = 1 << 27
"""Most samples one clip may resample to: 1 GiB as float64, 2.3 hours at 16 kHz."""


def _check_wav_data_chunk(path: Path, file_size: int) -> None:
    """DataError if a RIFF/RIFX WAVE file's data chunk claims more bytes than the file has."""
    with path.open("rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
            return
        endian = "<" if head[:4] == b"RIFF" else ">"
        pos = 12
        while pos + 8 <= file_size:
            f.seek(pos)
            chunk_id, chunk_size = struct.unpack(endian + "4sI", f.read(8))
            if chunk_id == b"data":
                available = file_size - pos - 8
                if chunk_size not in _UNKNOWN_SIZES and chunk_size > available:
                    raise DataError(
                        f"{path}: truncated WAV: the header declares {chunk_size} bytes of "
                        f"sample data but only {available} follow (file is {file_size} bytes)"
                    )
                return
            pos += 8 + chunk_size + (chunk_size & 1)


def _check_allocation(path: Path, rate: int, frames: int, channels: int, target: int) -> None:
    """DataError naming the file and header field when reading and resampling it would allocate
    more than the bounds above (a corrupt or hostile header), before anything is allocated."""
    lo, hi = FILE_RATE_HZ
    if not lo <= rate <= hi:
        raise DataError(
            f"{path}: header field 'sample rate' is {rate} Hz, expected {lo}..{hi} Hz "
            "(a corrupt header, or audio qmoe does not resample)"
        )
    out = math.ceil(frames * target / rate)
    if max(out, frames * channels) > MAX_CLIP_SAMPLES:
        raise DataError(
            f"{path}: header declares {frames} frames x {channels} channels at {rate} Hz "
            f"({out} samples at {target} Hz), more than the {MAX_CLIP_SAMPLES} samples one clip "
            "may hold; cut the recording into clips"
        )


def _resample(x: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Resample a float signal by the exact ratio target_rate / source_rate."""
    if source_rate == target_rate:
        return x
    ratio = Fraction(target_rate, source_rate)
    return resample_poly(x, ratio.numerator, ratio.denominator)


def to_int16(x: np.ndarray) -> np.ndarray:
    """Convert a float signal in [-1, 1) to int16 PCM: round(x * 32768), saturated."""
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)


def read_audio(path: Path, sample_rate: int) -> np.ndarray:
    """Load any WAV/FLAC soundfile can read, mix to mono, resample to sample_rate, return int16
    PCM (1-D).

    Raises DataError naming the file when it is missing, empty, not audio, truncated, holds no
    samples or holds non-finite float samples; ConfigError for a non-positive sample_rate.
    """
    if not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise ConfigError(f"sample_rate={sample_rate!r}: expected a positive integer in Hz")
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: audio file not found")
    size = path.stat().st_size
    if size == 0:
        raise DataError(f"{path}: file is empty (0 bytes), expected audio (WAV, FLAC, ...)")
    try:
        info = sf.info(str(path))
    except (RuntimeError, sf.SoundFileError) as e:
        raise DataError(
            f"{path}: not a readable audio file, expected WAV, FLAC or another "
            f"format libsndfile reads ({e})"
        ) from e
    _check_wav_data_chunk(path, size)
    _check_allocation(path, info.samplerate, info.frames, info.channels, int(sample_rate))
    try:
        data, rate = sf.read(str(path), dtype="float64", always_2d=True)
    except (RuntimeError, sf.SoundFileError) as e:
        raise DataError(f"{path}: audio data is corrupt or truncated ({e})") from e
    if data.shape[0] < info.frames:
        raise DataError(
            f"{path}: truncated: the header declares {info.frames} frames but only "
            f"{data.shape[0]} could be read"
        )
    if data.shape[0] == 0:
        raise DataError(f"{path}: holds no audio samples (0 frames)")
    if not np.isfinite(data).all():
        raise DataError(f"{path}: holds non-finite (NaN or infinite) float samples")
    mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    return to_int16(_resample(mono, int(rate), int(sample_rate)))


def load_clip_pcm(
    clips: list[Clip], sample_rate: int, skip_bad: bool = False
) -> tuple[list[np.ndarray], list[Clip], list[tuple[str, str]]]:
    """Read every clip with `read_audio`: (pcm list, the clips kept, skipped (name, reason)).

    With skip_bad=False the first bad file raises DataError; with skip_bad=True every bad file
    is left out and listed in `skipped` with the error message as the reason.
    """
    pcms: list[np.ndarray] = []
    kept: list[Clip] = []
    skipped: list[tuple[str, str]] = []
    for clip in clips:
        try:
            pcm = read_audio(clip.path, sample_rate)
        except DataError as e:
            if not skip_bad:
                raise
            skipped.append((clip.name, str(e)))
            continue
        pcms.append(pcm)
        kept.append(clip)
    return pcms, kept, skipped
