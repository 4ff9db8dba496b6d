"""Offline plate recognition: contracts (``base``) and the default onnxruntime backends.

The backends need the optional extra: ``pip install 'plateledger[recognize]'``.
"""

from __future__ import annotations

from plateledger.recognize.base import (
    AttributeEstimator,
    Candidate,
    Detection,
    Detector,
    PlateReader,
    PlateText,
    Recognition,
    VehicleColour,
)

__all__ = [
    "AttributeEstimator",
    "Candidate",
    "Detection",
    "Detector",
    "PlateReader",
    "PlateText",
    "Recognition",
    "VehicleColour",
]
