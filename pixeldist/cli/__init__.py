"""The `pixeldist` command line."""
