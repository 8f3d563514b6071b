"""Step Functions as AWS runs them, on moto's ASL interpreter (a port of LocalStack's,
``moto/stepfunctions/parser``).

- ``executions``: the executions API (names, idempotent starts, Express, StartSyncExecution);
- ``tasks``: Task dispatch (how a Task reaches a service; how a Lambda or API Gateway error
  becomes the Error that Retry/Catch match);
- ``semantics``: where moto's interpreter differs from AWS (StringMatches, timestamps, ...);
- ``speed``: speed paths only, each answering as the code it replaces.

Nothing here changes moto when imported: ``moto_patches`` installs the fixes, then the speed
paths (unless ``LAB_SANDBOX_SPEED_PATHS=off``).
"""
