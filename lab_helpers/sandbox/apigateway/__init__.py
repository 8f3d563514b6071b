"""API Gateway REST data plane: routing, mapping templates, integrations, keys and throttling."""
