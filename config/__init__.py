"""Configuration: the plan catalogs (YAML), the example directory, the calendar and the settings.

Everything here is data or reads the environment; nothing imports the rest of dondoc.
"""

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
# The largest id every backend holds: ids are INTEGER columns, 32 bits on PostgreSQL (SQLite's
# reach 2^63-1). A larger one, in a URL or on the command line, names nothing and is refused before
# it reaches the database, which would answer with an error (PostgreSQL) or an overflow (SQLite).
MAX_ID = 2**31 - 1
