"""What every service and the gateway share: configuration, clock, database,
messaging settings, RPC client, errors and the menu contract. Kept small."""
