"""API Gateway REST data plane: routing, mapping templates, integrations, keys and throttling.

``install()`` applies this package's patches to moto (call it once, from ``moto_patches``):
deployments are snapshotted when created (what a stage serves), and Step Functions'
``arn:aws:states:::apigateway:invoke`` reaches this data plane in-process.
"""
from __future__ import annotations


def install() -> None:
    from . import deployments, patching, sfn_invoke, usage

    deployments.install()
    sfn_invoke.install()
    usage.install()  # GetUsage / UpdateUsage
    patching.install()  # UpdateMethod / UpdateIntegration
