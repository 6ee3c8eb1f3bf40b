"""The shop's API (issue 12): what every endpoint shares (keys, scopes, throttling,
idempotency, problem details) and the webhooks out. Each app's endpoints live in its own
``api.py``; ``urls.py`` here gathers them under ``/api/v1/``."""
