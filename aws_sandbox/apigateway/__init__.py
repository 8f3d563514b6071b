"""API Gateway REST data plane: routing, mapping templates, integrations, keys and throttling.

``dataplane.handle`` serves one request through a deployed stage. Nothing here changes moto or
airspeed when imported: ``moto_patches`` installs ``deployments.install`` (a stage serves what
was deployed), ``sfn_invoke.install`` (Step Functions' ``apigateway:invoke`` reaches this data
plane in-process) and ``vtl.install`` (Velocity as API Gateway runs it).
"""
