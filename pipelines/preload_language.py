"""Like :mod:`pipelines.preload`, and also load the py3langid model (language detection on)."""

from __future__ import annotations

from pipelines.preload import warm_up

warm_up(language=True)
