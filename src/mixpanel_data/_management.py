"""Workspace methods for Mixpanel's management APIs.

Annotations, GDPR jobs, Lexicon schemas, feature flags, service accounts, data pipelines and
warehouse connectors.

Each method is a few lines over the generic operation call (``self.api.call_json``, see
:mod:`mixpanel_data._api.call`), named after the spec's operation id, returning a
:class:`~mixpanel_data.results.management.Record` or
:class:`~mixpanel_data.results.management.Records`. Creating objects is never retried by the
transport unless the spec marks the operation idempotent (the generic call decides).

Example:
    >>> note = ws.create_annotation("2026-03-01", "Pricing page v2")     # doctest: +SKIP
    >>> ws.get_annotation(note.id)["description"]                         # doctest: +SKIP
    'Pricing page v2'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixpanel_data.exceptions import AuthenticationError, ConfigError, ValidationError
from mixpanel_data.results.management import Record, Records

if TYPE_CHECKING:
    from mixpanel_data._api.clients import ApiClients
    from mixpanel_data._credentials import Credentials


def _results(payload: Any) -> Any:
    """Mixpanel's ``{"status": "ok", "results": X}`` envelope opened (other answers as they are)."""
    if isinstance(payload, Mapping) and "results" in payload:
        return payload["results"]
    return payload


def _record(kind: str, payload: Any) -> Record:
    found = _results(payload)
    return Record(kind, dict(found) if isinstance(found, Mapping) else {"value": found})


def _records(kind: str, payload: Any) -> Records:
    found = _results(payload)
    items = found if isinstance(found, list) else []
    return Records(kind, tuple(dict(i) for i in items if isinstance(i, Mapping)))


def _ids(values: str | Iterable[str], param: str) -> list[str]:
    found = [values] if isinstance(values, str) else [str(v) for v in values]
    if not found or not all(v.strip() for v in found):
        raise ValidationError(
            f"{param} needs at least one non-empty distinct id", details={"param": param}
        )
    return found


def read_json_file(path: str | Path, param: str) -> Any:
    """The JSON content of ``path``; a missing or malformed file is a :class:`ValidationError`."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise ValidationError(
            f"cannot read {path}: {err.strerror or err}", details={"param": param}
        ) from None
    except ValueError as err:
        raise ValidationError(f"{path} is not JSON: {err}", details={"param": param}) from None


class ManagementMethods:
    """The management half of :class:`~mixpanel_data.Workspace` (mixed in; needs ``api``)."""

    if TYPE_CHECKING:

        @property
        def api(self) -> ApiClients: ...

        @property
        def credentials(self) -> Credentials: ...

    # -- annotations ----------------------------------------------------------------------------

    def list_annotations(self, from_date: str | None = None, to_date: str | None = None) -> Records:
        """The project's annotations, optionally only those between two days (inclusive).

        Example:
            >>> [a["description"] for a in ws.list_annotations("2026-03-01")]  # doctest: +SKIP
            ['Pricing page v2']
        """
        return _records(
            "annotation", self.api.call_json("list_annotations", fromDate=from_date, toDate=to_date)
        )

    def get_annotation(self, annotation_id: int) -> Record:
        """One annotation by id (:class:`~mixpanel_data.exceptions.NotFoundError` if absent)."""
        return _record(
            "annotation", self.api.call_json("get_annotation", annotationId=annotation_id)
        )

    def create_annotation(
        self, date: str, description: str, *, tags: Sequence[int] | None = None
    ) -> Record:
        """Add an annotation on ``date`` (``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS``).

        ``tags`` are tag ids (see :meth:`list_annotation_tags`). Not retried once sent.
        """
        body: dict[str, Any] = {"date": date, "description": description}
        if tags is not None:
            body["tags"] = list(tags)
        return _record("annotation", self.api.call_json("create_annotation", body=body))

    def update_annotation(
        self,
        annotation_id: int,
        *,
        description: str | None = None,
        tags: Sequence[int] | None = None,
    ) -> Record:
        """Change an annotation's text and/or tag ids; what is not given stays as it is."""
        body: dict[str, Any] = {}
        if description is not None:
            body["description"] = description
        if tags is not None:
            body["tags"] = list(tags)
        if not body:
            raise ValidationError(
                "update_annotation needs a description or tags to change",
                details={"param": "description"},
            )
        return _record(
            "annotation",
            self.api.call_json("update_annotation", annotationId=annotation_id, body=body),
        )

    def delete_annotation(self, annotation_id: int) -> None:
        """Remove one annotation."""
        self.api.call_json("delete_annotation", annotationId=annotation_id)

    def list_annotation_tags(self) -> Records:
        """The annotation tags of the project."""
        return _records("annotation_tag", self.api.call_json("list_annotation_tags"))

    def create_annotation_tag(self, name: str) -> Record:
        """Add an annotation tag; annotations refer to it by its id."""
        return _record(
            "annotation_tag", self.api.call_json("create_annotation_tag", body={"name": name})
        )

    # -- GDPR (OAuth bearer) --------------------------------------------------------------------

    def _gdpr_token(self, operation: str) -> str:
        """The project token for a GDPR call, after checking an OAuth token is configured."""
        creds = self.credentials
        if creds.oauth_token is None:
            raise AuthenticationError(
                f"{operation} needs an OAuth token: set oauth_token on the account "
                "(or MP_OAUTH_TOKEN)",
                details={"operation": operation},
            )
        if creds.token is None:
            raise ConfigError(
                f"{operation} needs the project token: set token on the account (or MP_TOKEN)"
            )
        return creds.token.get_secret_value()

    def create_gdpr_retrieval(
        self,
        distinct_ids: str | Iterable[str],
        *,
        compliance_type: str | None = None,
        disclosure_type: str | None = None,
    ) -> Record:
        """Start exporting everything stored about these users; the record holds ``task_id``.

        ``compliance_type`` is ``GDPR`` (Mixpanel's default) or ``CCPA``.
        """
        body: dict[str, Any] = {"distinct_ids": _ids(distinct_ids, "distinct_ids")}
        if compliance_type is not None:
            body["compliance_type"] = compliance_type
        if disclosure_type is not None:
            body["disclosure_type"] = disclosure_type
        token = self._gdpr_token("create_retrieval")
        return _record(
            "gdpr_retrieval", self.api.call_json("create_retrieval", token=token, body=body)
        )

    def get_gdpr_retrieval(self, task_id: str) -> Record:
        """A retrieval job's state (and, once done, where its export is)."""
        token = self._gdpr_token("get_retrieval")
        return _record(
            "gdpr_retrieval",
            self.api.call_json("get_retrieval", tracking_id=task_id, token=token),
        )

    def create_gdpr_deletion(
        self, distinct_ids: str | Iterable[str], *, compliance_type: str | None = None
    ) -> Record:
        """Start deleting all data of these users; the record holds ``task_id``."""
        body: dict[str, Any] = {"distinct_ids": _ids(distinct_ids, "distinct_ids")}
        if compliance_type is not None:
            body["compliance_type"] = compliance_type
        token = self._gdpr_token("create_deletion")
        return _record(
            "gdpr_deletion", self.api.call_json("create_deletion", token=token, body=body)
        )

    def get_gdpr_deletion(self, task_id: str) -> Record:
        """A deletion job's state (``PENDING``, ``STARTED``, ``SUCCESS``, ``REVOKED``, ...)."""
        token = self._gdpr_token("get_deletion")
        return _record(
            "gdpr_deletion", self.api.call_json("get_deletion", tracking_id=task_id, token=token)
        )

    def cancel_gdpr_deletion(self, task_id: str) -> None:
        """Cancel a deletion job that has not started (a started one is an API error)."""
        token = self._gdpr_token("cancel_deletion")
        self.api.call_json("cancel_deletion", tracking_id=task_id, token=token)

    # -- Lexicon schemas ------------------------------------------------------------------------

    def get_schema(self, entity_type: str, name: str) -> Record:
        """The Lexicon schema of one event or profile (``entity_type``: ``event``/``profile``)."""
        return _record(
            "schema", self.api.call_json("get_schema", entityType=entity_type, name=name)
        )

    def upload_schemas(
        self, schemas: Mapping[str, Any] | Sequence[Mapping[str, Any]] | str | Path
    ) -> Record:
        """Create or replace schemas from entries, ``{"entries": [...]}`` or a JSON file of either.

        Each entry is ``{"entityType": "event", "name": ..., "schemaJson": {...}}``; the record
        holds Mixpanel's counts (``added``, ``deleted``).
        """
        data = read_json_file(schemas, "schemas") if isinstance(schemas, str | Path) else schemas
        body = dict(data) if isinstance(data, Mapping) else {"entries": list(data)}
        if not isinstance(body.get("entries"), list) or not body["entries"]:
            raise ValidationError(
                "upload_schemas needs a non-empty list of entries", details={"param": "schemas"}
            )
        return _record("schema_upload", self.api.call_json("upload_schemas", body=body))

    def delete_schema(self, entity_type: str, name: str) -> None:
        """Remove the Lexicon schema of one event or profile."""
        self.api.call_json("delete_schema", entityType=entity_type, name=name)

    # -- feature flags --------------------------------------------------------------------------

    def list_feature_flags(self, workspace_id: int, *, include_archived: bool = False) -> Records:
        """The flags of one workspace (data view); archived ones only when asked."""
        return _records(
            "feature_flag",
            self.api.call_json(
                "list_feature_flags",
                workspace_id=workspace_id,
                include_archived="true" if include_archived else "false",
            ),
        )

    def get_feature_flag(self, workspace_id: int, flag_id: str) -> Record:
        """One flag by its id."""
        return _record(
            "feature_flag",
            self.api.call_json("get_feature_flag", workspace_id=workspace_id, flag_id=flag_id),
        )

    def create_feature_flag(self, workspace_id: int, definition: Mapping[str, Any]) -> Record:
        """Create a flag from its full definition (``name``, ``key``, ``context``, ``ruleset``,
        ...; see the spec's ``FlagRequest``). Not retried once sent."""
        return _record(
            "feature_flag",
            self.api.call_json(
                "create_feature_flag", workspace_id=workspace_id, body=dict(definition)
            ),
        )

    def update_feature_flag(
        self, workspace_id: int, flag_id: str, definition: Mapping[str, Any]
    ) -> Record:
        """Replace a flag's definition (send every field to keep; it is a PUT)."""
        return _record(
            "feature_flag",
            self.api.call_json(
                "update_feature_flag",
                workspace_id=workspace_id,
                flag_id=flag_id,
                body=dict(definition),
            ),
        )

    def delete_feature_flag(self, workspace_id: int, flag_id: str) -> None:
        """Delete a flag."""
        self.api.call_json("delete_feature_flag", workspace_id=workspace_id, flag_id=flag_id)

    def evaluate_flags(
        self,
        distinct_id: str,
        *,
        device_id: str | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> Record:
        """Which variant of each enabled flag this user gets: ``{key: {"variant_key": ...}}``."""
        context: dict[str, Any] = {"distinct_id": distinct_id}
        if device_id is not None:
            context["device_id"] = device_id
        if properties:
            context["custom_properties"] = dict(properties)
        token = self.credentials.token
        answer = self.api.call_json(
            "evaluate_flags",
            context=json.dumps(context),
            token=None if token is None else token.get_secret_value(),
        )
        flags = answer.get("flags", {}) if isinstance(answer, Mapping) else {}
        return Record("flag_evaluation", dict(flags))

    # -- service accounts (organization level) --------------------------------------------------

    def list_service_accounts(self, organization_id: int | None = None) -> Records:
        """The organization's service accounts, or (no ``organization_id``) the project's."""
        if organization_id is None:
            return _records("service_account", self.api.call_json("list_project_service_accounts"))
        return _records(
            "service_account",
            self.api.call_json("list_service_accounts", organizationId=organization_id),
        )

    def get_service_account(self, organization_id: int, service_account_id: int) -> Record:
        """One service account of the organization."""
        return _record(
            "service_account",
            self.api.call_json(
                "get_service_account",
                organizationId=organization_id,
                serviceAccountId=service_account_id,
            ),
        )

    def create_service_account(
        self,
        organization_id: int,
        username: str,
        *,
        role: str | None = None,
        expires: str | None = None,
        projects: Sequence[Mapping[str, Any]] | None = None,
    ) -> Record:
        """Create a service account; the record holds its ``secret`` (shown once by Mixpanel,
        masked in the record's repr). ``projects``: ``[{"id": 3, "role": "analyst"}]``."""
        body: dict[str, Any] = {"username": username}
        if role is not None:
            body["role"] = role
        if expires is not None:
            body["expires"] = expires
        if projects is not None:
            body["projects"] = [dict(p) for p in projects]
        return _record(
            "service_account",
            self.api.call_json("create_service_account", organizationId=organization_id, body=body),
        )

    def delete_service_account(self, organization_id: int, service_account_id: int) -> None:
        """Delete a service account (it stops working at once)."""
        self.api.call_json(
            "delete_service_account",
            organizationId=organization_id,
            serviceAccountId=service_account_id,
        )

    def add_service_accounts_to_projects(
        self,
        organization_id: int,
        service_account_ids: Sequence[int],
        projects: Mapping[int, str],
    ) -> None:
        """Give these accounts a role in each project: ``projects={3000005: "analyst"}``."""
        body = {
            "service_account_ids": list(service_account_ids),
            "projects": [{"id": pid, "role": role} for pid, role in projects.items()],
        }
        self.api.call_json(
            "add_service_accounts_to_projects", organizationId=organization_id, body=body
        )

    def remove_service_accounts_from_projects(
        self, organization_id: int, service_account_ids: Sequence[int], project_ids: Sequence[int]
    ) -> None:
        """Take these accounts out of each of these projects."""
        body = {
            "projects": [
                {"id": pid, "service_account_ids": list(service_account_ids)} for pid in project_ids
            ]
        }
        self.api.call_json(
            "remove_service_accounts_from_projects", organizationId=organization_id, body=body
        )

    # -- data pipelines (Mixpanel deprecates them) ----------------------------------------------

    def list_pipelines(self) -> Records:
        """The project's pipelines (name, frequency, last dispatch, sync enabled)."""
        answer = self.api.call_json("list_pipeline_jobs")
        items = [
            {"project_id": project, **job}
            for project, jobs in (answer.items() if isinstance(answer, Mapping) else ())
            if isinstance(jobs, list)
            for job in jobs
            if isinstance(job, Mapping)
        ]
        return Records("pipeline", tuple(items))

    def create_pipeline(self, definition: Mapping[str, Any]) -> Record:
        """Create a pipeline from its form fields (``type``, ``from_date``, bucket, ...; see the
        spec's ``PipelineCreate*Request``); the record holds ``pipeline_names``."""
        body = {"project_id": int(self.credentials.project_id), **definition}
        return _record("pipeline", self.api.call_json("create_pipeline", body=body))

    def get_pipeline_status(self, name: str) -> Record:
        """A pipeline's tasks by state (pending, running, succeeded, failed, ...)."""
        return _record("pipeline_status", self.api.call_json("get_pipeline_status", name=name))

    def list_pipeline_sync_dates(self, name: str) -> Record:
        """The days a pipeline has synced (Mixpanel's timeline answer, as sent)."""
        return _record(
            "pipeline_sync_dates", self.api.call_json("list_pipeline_sync_dates", name=name)
        )

    def delete_pipeline(self, name: str) -> None:
        """Delete a pipeline (the spec's ``cancel_pipeline``)."""
        project = self.credentials.project_id
        self.api.call_json("cancel_pipeline", body={"name": name, "project_id": int(project)})

    # -- warehouse connectors -------------------------------------------------------------------

    def list_warehouse_imports(self) -> Records:
        """The project's warehouse imports."""
        return _records("warehouse_import", self.api.call_json("list_warehouse_imports"))

    def get_warehouse_import(self, import_id: int) -> Record:
        """One warehouse import."""
        return _record(
            "warehouse_import", self.api.call_json("get_warehouse_import", importId=import_id)
        )

    def run_warehouse_import(self, import_id: int) -> Record:
        """Start a run of an import now; the record holds the ``run_id``."""
        return _record(
            "warehouse_run",
            self.api.call_json("run_warehouse_import", importId=import_id, body={}),
        )

    def get_warehouse_import_history(self, import_id: int) -> Record:
        """An import's past runs (Mixpanel's history answer, as sent)."""
        return _record(
            "warehouse_history",
            self.api.call_json("get_warehouse_import_history", importId=import_id),
        )

    def delete_warehouse_import(self, import_id: int) -> None:
        """Delete a warehouse import."""
        self.api.call_json("delete_warehouse_import", importId=import_id)


__all__ = ["ManagementMethods", "read_json_file"]
