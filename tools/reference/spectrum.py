#!/usr/bin/python3
"""Reference values for aib/core/spectrum.hpp from numpy.fft.

Run with Debian's /usr/bin/python3 (python3-numpy). Writes tests/fixtures/spectrum/*.npy, float64:
  - signal.npy (300,): two sines (440 Hz and 1,250 Hz at an 8 kHz rate) plus N(0, 0.1²) noise;
  - fft_re.npy, fft_im.npy (256,): numpy.fft.fft of the signal's first 256 samples;
  - spectrogram.npy (frames, 33): |numpy.fft.rfft| of Hann-windowed frames of 64 samples every
    24 samples, the window np.hanning(65)[:-1] (periodic), frames = 1 + (300 - 64) // 24 = 10.

Usage: /usr/bin/python3 tools/reference/spectrum.py [OUT_DIR]
"""
import os
import sys

import numpy as np

SEED = 20261203
RATE, N, FRAME, HOP, LENGTH = 8000, 256, 64, 24, 300
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "fixtures", "spectrum")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(SEED)

t = np.arange(LENGTH) / RATE
signal = (np.sin(2 * np.pi * 440 * t) + 0.5 * np.sin(2 * np.pi * 1250 * t + 0.3)
          + 0.1 * rng.standard_normal(LENGTH))
spectrum = np.fft.fft(signal[:N])
window = np.hanning(FRAME + 1)[:-1]
frames = 1 + (LENGTH - FRAME) // HOP
spectrogram = np.stack([np.abs(np.fft.rfft(signal[f * HOP:f * HOP + FRAME] * window))
                        for f in range(frames)])
# The same spectrogram by the O(n^2) sum, so numpy's window and rfft are what we think they are.
k = np.arange(FRAME // 2 + 1)[:, None] * np.arange(FRAME)[None, :]
direct = np.stack([np.abs(np.exp(-2j * np.pi * k / FRAME) @ (
    signal[f * HOP:f * HOP + FRAME] * (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(FRAME) / FRAME))))
    for f in range(frames)])
assert np.allclose(direct, spectrogram, atol=1e-9)

np.save(os.path.join(out, "signal.npy"), signal)
np.save(os.path.join(out, "fft_re.npy"), spectrum.real)
np.save(os.path.join(out, "fft_im.npy"), spectrum.imag)
np.save(os.path.join(out, "spectrogram.npy"), spectrogram)
print(f"wrote {out}: signal {signal.shape}, fft {spectrum.shape}, spectrogram {spectrogram.shape}"
      f" (numpy {np.__version__})")
