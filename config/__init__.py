"""Configuration: the plan catalogs (YAML), the example directory, the calendar and the settings.

Everything here is data or reads the environment; nothing imports the rest of dondoc.
"""
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
