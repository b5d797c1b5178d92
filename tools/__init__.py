"""Command-line tools: process supervision, demo data, imports."""
import warnings

# Importing Nameko imports eventlet, which announces its deprecation (docs/messaging.md);
# an operator running an import should read the report, not that.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
