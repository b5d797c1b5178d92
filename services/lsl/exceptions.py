"""Errors of the LSL service, each saying what the caller can do; they live in
contract/lsl.py, which the gateway imports too."""
from contract.lsl import AccessEnded, LslClosed

__all__ = ["AccessEnded", "LslClosed"]
