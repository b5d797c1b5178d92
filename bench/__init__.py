"""Benchmarks that print their figures next to a baseline measured in the same
run (`make bench`)."""
import warnings

# Importing Nameko imports eventlet, which announces its deprecation (docs/messaging.md).
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
