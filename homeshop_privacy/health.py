"""The health endpoint for the operator's monitoring (issue 9 §6): ``GET /health/``.

JSON, HTTP 200 when every check passes and 503 (Service Unavailable) otherwise
(django-health-check 4.8; its 500 would read as a crash of this page):
the database, the Celery broker, the private files directory, the heartbeats of beat
and the workers (homeshop_privacy.heartbeat) and the outbox. It names checks and states
only: no URL, host name, password, address or count of anything personal. Opening it also
runs the officers' alarm (``heartbeat.operations_check``), so a monitor polling it is
enough to get the email when the admin is not opened.
"""

import dataclasses
import logging
import uuid

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Database, Storage
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from . import heartbeat
from .models import Heartbeat, OutboundMessage

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (Redis, or the embedded transports)."""

    def run(self):
        from .celery import app

        try:
            with app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=3)
        except Exception as exc:  # noqa: BLE001 - the transport's error may name the host
            raise ServiceUnavailable("broker unreachable") from exc


@dataclasses.dataclass
class PrivateFiles(Storage):
    """Claim attachments and permission scans can be written, read and deleted."""

    alias: str = "private"

    @property
    def storage(self):
        return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)

    def get_file_name(self):
        # At the top of the directory: the probe leaves no folder behind in the backups.
        return f"health-probe-{uuid.uuid4().hex}.txt"


@dataclasses.dataclass
class HeartbeatCheck(HealthCheck):
    """Beat or a worker reported within HEARTBEAT_MAX_AGE (or is still in its start-up
    grace period: see ``heartbeat.heartbeats_overdue``)."""

    kind: str = Heartbeat.Kind.WORKER

    async def run(self):
        # Same thread as the request: the test suite's transaction (and a request's
        # connection) see the same rows.
        overdue = await sync_to_async(heartbeat.heartbeats_overdue)()
        if self.kind not in overdue:
            return
        age = overdue[self.kind]
        if age is None:
            raise ServiceUnavailable("no heartbeat yet")
        raise ServiceUnavailable(f"last heartbeat {int(age.total_seconds())} s ago")


@dataclasses.dataclass
class Outbox(HealthCheck):
    """No email failed for good."""

    async def run(self):
        failed = await OutboundMessage.objects.filter(status=OutboundMessage.Status.FAILED).acount()
        if failed:
            raise ServiceUnavailable(f"{failed} failed messages")


class HealthView(HealthCheckView):
    checks = (
        Database,
        Broker,
        PrivateFiles,
        (HeartbeatCheck, {"kind": Heartbeat.Kind.BEAT}),
        (HeartbeatCheck, {"kind": Heartbeat.Kind.WORKER}),
        Outbox,
    )

    async def get(self, request, *args, **kwargs):
        await sync_to_async(heartbeat.operations_check)()
        response = await super().get(request, *args, **kwargs)
        if any(result.error is not None for result in self.results):
            # Unhealthy is not a crash: 503, and one line in the log per poll instead of
            # Django's "Internal Server Error" (the checks' tracebacks are off in LOGGING).
            response.status_code = 503  # for every format the package renders
            response._has_been_logged = True  # django.utils.log.log_response skips it
            logger.warning(
                "health.unhealthy checks=%s",
                ",".join(_name(r.check) for r in self.results if r.error is not None),
            )
        return response

    def render_to_response(self, context, **response_kwargs):
        # JSON for every client: the package's HTML page has inline style, which the
        # Content-Security-Policy refuses.
        return self.render_to_response_json(response_kwargs.get("status", 200))

    def render_to_response_json(self, status):
        checks = {
            _name(result.check): "OK" if result.error is None else str(result.error)
            for result in self.results
        }
        return JsonResponse(
            {"status": "ok" if status == 200 else "unhealthy", "checks": checks},
            status=503 if status == 500 else status,
        )


def _name(check: HealthCheck) -> str:
    if isinstance(check, HeartbeatCheck):
        return f"heartbeat:{check.kind}"
    return type(check).__name__.lower()
