"""The plan catalog: YAML files under config/plans, validated, then synced into the database."""
from models.catalog.errors import CatalogError, Problem
from models.catalog.load import load_catalogs
from models.catalog.schema import Catalog

__all__ = ["Catalog", "CatalogError", "Problem", "load_catalogs"]
