"""Where the kit's files are: found from this package, never from the current directory."""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
LAMBDAS_DIR = REPO_ROOT / "lambdas"
ASL_DIR = REPO_ROOT / "asl"
