"""Files from outside (catalogs, the directory, evidence uploads): read and checked, nothing written."""
