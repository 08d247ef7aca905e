"""edge-signage: live display pages for screens and shelf strips (docs/signage.md)."""
