"""The web portal: signed links for focal points, review pages for coordinators."""
