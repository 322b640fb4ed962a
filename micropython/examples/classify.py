# classify.py: classify a sound clip on a MicroPython board with the qmoe module.
#
# The clip is 16-bit little-endian mono PCM at the model's sample rate (16 kHz for the built-in
# front end), read in chunks as a microphone driver would deliver them and streamed through the
# integer front end, so the whole clip never has to be in RAM. The model is the one compiled into
# the firmware, or a blob written by `qmoe-host export --qbin`.
#
#   micropython classify.py clip.pcm [model.qbin]        (unix port)
#   import classify; classify.main("clip.pcm")            (on a board, files on its filesystem)
import sys

import qmoe

CHUNK_BYTES = 1024  # one microphone DMA buffer: 512 samples


def classify(model, stream_in, chunk_bytes=CHUNK_BYTES):
    """Stream int16 PCM from a file-like object through `model`; returns its qmoe.Result."""
    buf = bytearray(chunk_bytes)
    view = memoryview(buf)
    s = model.stream()
    while True:
        n = stream_in.readinto(buf)
        if not n:
            break
        s.push(view[:n])
    return s.finish()


def main(pcm_path, blob=None):
    model = qmoe.Model(blob) if blob else qmoe.Model()
    with open(pcm_path, "rb") as f:
        r = classify(model, f)
    frontend, router, expert, total = r.counters
    print("class", r.cls, model.classes[r.cls])
    print("expert", r.expert, "router choice", r.choice)
    print("uncertainty", r.uncertainty / (1 << 30))
    print("logits", " ".join(str(v) for v in r.logits))
    print("counters", frontend, router, expert, total, "(" + model.info()["counter"] + ")")
    return r


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
