"""What every service and the gateway share: configuration, clock, database,
messaging settings, RPC client, errors and the menu contract. Kept small."""
import warnings

# Importing Nameko imports eventlet, which announces its own deprecation at every
# start (docs/messaging.md says why we use it anyway); operators should read
# the platform's messages, not that.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
