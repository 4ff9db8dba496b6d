"""The optional ``recognize`` extra: import it or fail with an install hint."""

from __future__ import annotations

import importlib
from types import ModuleType

from plateledger.errors import PlateledgerError

INSTALL_HINT = "pip install 'plateledger[recognize]'"


class RecognitionUnavailable(PlateledgerError):
    """The optional recognition dependencies are not installed."""

    code = "recognize_extra_missing"
    status = 501


def require(module: str) -> ModuleType:
    """Import ``module`` or raise ``RecognitionUnavailable`` saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise RecognitionUnavailable(
            f"recognition needs the optional package providing {module!r}: {INSTALL_HINT}",
            {"module": module},
        ) from exc
