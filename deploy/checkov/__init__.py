"""Project checkov checks (loaded by --external-checks-dir deploy/checkov)."""
