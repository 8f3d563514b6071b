"""The kit's offline AWS emulator: moto's services plus a Docker-free Lambda runtime,
Step Functions as AWS runs them, and an API Gateway REST data plane.

Start it with ``python -m lab_helpers.sandbox start``; see README.md beside this file.
Nothing here is imported by the teaching helpers except ``client`` (start/stop/status).
"""
DEFAULT_PORT = 4599
