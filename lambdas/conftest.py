"""The handlers import their shared modules (``faults``, ``records``) as the deployment package
lays them out: next to ``handler.py``. Put this folder on the path so the unit tests can too."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
