"""The plan catalog: YAML files under config/plans, validated, then synced into the database."""

from models.errors import CatalogError, Problem
from models.intake.catalog.load import load_catalogs
from models.intake.catalog.schema import Catalog

__all__ = ["Catalog", "CatalogError", "Problem", "load_catalogs"]
