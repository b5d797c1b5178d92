"""The Flask gateway: the only thing a browser talks to."""
