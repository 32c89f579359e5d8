"""Where the project's declarative parts live (schemas/, datasets/) and default outputs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
SOURCE_SCHEMAS = SCHEMAS / "sources"
DATASETS = ROOT / "datasets"
SAMPLE_SOURCES = DATASETS / "sample"
REGISTER = DATASETS / "register"
DEFAULT_OUT = Path("public")
