"""The kit's offline AWS emulator: moto's services plus a Docker-free Lambda runtime,
Step Functions as AWS runs them, and an API Gateway REST data plane.

Start it with ``python -m aws_sandbox start``; see README.md beside this file.
Nothing here is imported by the teaching helpers except ``control`` (start, stop, status, the endpoint).
"""
DEFAULT_PORT = 4599
