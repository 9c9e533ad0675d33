"""Tools that change something: annotations, imports, GDPR jobs, feature flags, Lexicon schemas
and local tables. The server lists them only when started with ``--allow-writes``; without it a
call to one is refused with ``WRITES_NOT_ALLOWED`` (see :mod:`._server`).

A create is never retried once its request may have reached Mixpanel (the library's rule), so a
tool error after a network failure means: list first, then create again if it is not there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from mixpanel_data.mcp import _shape

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from mixpanel_data.mcp._session import McpSession

CHANGES = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=True)
DESTROYS = ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=True)

#: Every tool :func:`register` adds, the ones a server without ``--allow-writes`` refuses.
WRITE_TOOLS = (
    "create_annotation",
    "update_annotation",
    "delete_annotation",
    "import_events",
    "create_gdpr_retrieval",
    "create_gdpr_deletion",
    "cancel_gdpr_deletion",
    "create_feature_flag",
    "update_feature_flag",
    "delete_feature_flag",
    "upload_schemas",
    "delete_schema",
    "drop_tables",
)

AnnotationId = Annotated[int, Field(description="The annotation's id (list_annotations).")]
DistinctIds = Annotated[
    list[str], Field(min_length=1, description="The users' distinct ids, each one whole.")
]
Compliance = Annotated[Literal["GDPR", "CCPA"] | None, Field(description="GDPR (default) or CCPA.")]
FlagWorkspace = Annotated[int, Field(description="The workspace (data view) id the flags live in.")]


def register(server: MCPServer[Any], session: McpSession) -> None:
    """Add the write tools (only called for a server started with ``--allow-writes``)."""
    _annotations_and_import(server, session)
    _gdpr(server, session)
    _flags_schemas_tables(server, session)


def _done(what: str, **fields: Any) -> dict[str, Any]:
    return {"done": what, **fields}


def _annotations_and_import(server: MCPServer[Any], session: McpSession) -> None:
    tool = server.tool

    @tool(annotations=CHANGES)
    def create_annotation(
        date: Annotated[
            str, Field(description="The day (YYYY-MM-DD) or moment (YYYY-MM-DD HH:MM:SS).")
        ],
        description: Annotated[str, Field(min_length=1, description="The note's text.")],
        tags: Annotated[list[int] | None, Field(description="Annotation tag ids.")] = None,
    ) -> CallToolResult:
        """Add an annotation (a dated note on every chart). Not retried once sent."""
        return session.answer(
            lambda: session.workspace.create_annotation(date, description, tags=tags).to_dict()
        )

    @tool(annotations=CHANGES)
    def update_annotation(
        annotation_id: AnnotationId,
        description: Annotated[str | None, Field(description="New text.")] = None,
        tags: Annotated[list[int] | None, Field(description="New tag ids.")] = None,
    ) -> CallToolResult:
        """Change an annotation's text and/or tags; what is not given stays."""
        return session.answer(
            lambda: session.workspace.update_annotation(
                annotation_id, description=description, tags=tags
            ).to_dict()
        )

    @tool(annotations=DESTROYS)
    def delete_annotation(annotation_id: AnnotationId) -> CallToolResult:
        """Remove one annotation."""

        def body() -> dict[str, Any]:
            session.workspace.delete_annotation(annotation_id)
            return _done("deleted", annotation_id=annotation_id)

        return session.answer(body)

    @tool(annotations=CHANGES)
    def import_events(
        path: Annotated[
            str | None,
            Field(description="A JSONL, JSON, CSV or Parquet file on the server's machine."),
        ] = None,
        table: Annotated[
            str | None, Field(description="Or: a table of the local store to import.")
        ] = None,
        dry_run: Annotated[bool, Field(description="Check every record and send nothing.")] = False,
        timezone: Annotated[
            str | None,
            Field(description="Time zone of ISO times without an offset, e.g. Europe/Berlin."),
        ] = None,
    ) -> CallToolResult:
        """Import events into the project, each exactly once (events without $insert_id get one
        from their content, so importing twice stores once). Give path or table."""

        def body() -> dict[str, Any]:
            from mixpanel_data.exceptions import ValidationError

            if (path is None) == (table is None):
                raise ValidationError(
                    "import_events needs exactly one of path or table", details={"param": "path"}
                )
            if table is not None:
                with session.store(write=True) as ws:
                    result = ws.import_events(table=table, dry_run=dry_run, timezone=timezone)
            else:
                result = session.workspace.import_events(path, dry_run=dry_run, timezone=timezone)
            return result.to_dict()

        return session.answer(body)


def _gdpr(server: MCPServer[Any], session: McpSession) -> None:
    tool = server.tool

    @tool(annotations=CHANGES)
    def create_gdpr_retrieval(
        distinct_ids: DistinctIds, compliance_type: Compliance = None
    ) -> CallToolResult:
        """Start exporting everything stored about some users; the answer holds task_id."""
        return session.answer(
            lambda: session.workspace.create_gdpr_retrieval(
                distinct_ids, compliance_type=compliance_type
            ).to_dict()
        )

    @tool(annotations=DESTROYS)
    def create_gdpr_deletion(
        distinct_ids: DistinctIds, compliance_type: Compliance = None
    ) -> CallToolResult:
        """Start deleting ALL data of some users (irreversible once started); holds task_id."""
        return session.answer(
            lambda: session.workspace.create_gdpr_deletion(
                distinct_ids, compliance_type=compliance_type
            ).to_dict()
        )

    @tool(annotations=CHANGES)
    def cancel_gdpr_deletion(
        task_id: Annotated[str, Field(description="The deletion's task_id.")],
    ) -> CallToolResult:
        """Cancel a GDPR deletion that has not started yet."""

        def body() -> dict[str, Any]:
            session.workspace.cancel_gdpr_deletion(task_id)
            return _done("cancelled", task_id=task_id)

        return session.answer(body)


def _flags_schemas_tables(server: MCPServer[Any], session: McpSession) -> None:
    tool = server.tool

    @tool(annotations=CHANGES)
    def create_feature_flag(
        workspace_id: FlagWorkspace,
        definition: Annotated[
            dict[str, Any],
            Field(description="The flag as Mixpanel's API takes it: name, key, ruleset, ..."),
        ],
    ) -> CallToolResult:
        """Create a feature flag."""
        return session.answer(
            lambda: session.workspace.create_feature_flag(workspace_id, definition).to_dict()
        )

    @tool(annotations=CHANGES)
    def update_feature_flag(
        workspace_id: FlagWorkspace,
        flag_id: Annotated[str, Field(description="The flag's id.")],
        definition: Annotated[dict[str, Any], Field(description="The whole new definition.")],
    ) -> CallToolResult:
        """Replace a feature flag's definition."""
        return session.answer(
            lambda: session.workspace.update_feature_flag(
                workspace_id, flag_id, definition
            ).to_dict()
        )

    @tool(annotations=DESTROYS)
    def delete_feature_flag(
        workspace_id: FlagWorkspace,
        flag_id: Annotated[str, Field(description="The flag's id.")],
    ) -> CallToolResult:
        """Delete a feature flag."""

        def body() -> dict[str, Any]:
            session.workspace.delete_feature_flag(workspace_id, flag_id)
            return _done("deleted", flag_id=flag_id)

        return session.answer(body)

    @tool(annotations=CHANGES)
    def upload_schemas(
        entries: Annotated[
            list[dict[str, Any]],
            Field(
                min_length=1,
                description='Lexicon entries: {"entityType": "event", "name": "Purchase", '
                '"schemaJson": {"description": "...", "properties": {...}}}',
            ),
        ],
    ) -> CallToolResult:
        """Create or replace Lexicon schemas (documentation of events and properties)."""
        return session.answer(lambda: session.workspace.upload_schemas(entries).to_dict())

    @tool(annotations=DESTROYS)
    def delete_schema(
        entity_type: Annotated[Literal["event", "profile"], Field(description="event or profile")],
        name: Annotated[str, Field(description="The event or property name.")],
    ) -> CallToolResult:
        """Delete one Lexicon schema."""

        def body() -> dict[str, Any]:
            session.workspace.delete_schema(entity_type, name)
            return _done("deleted", entity_type=entity_type, name=name)

        return session.answer(body)

    @tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True))
    def drop_tables(
        names: Annotated[list[str], Field(min_length=1, description="Local tables to drop.")],
    ) -> CallToolResult:
        """Drop tables from the local store (all or none: an unknown name drops nothing)."""

        def body() -> dict[str, Any]:
            with session.store(write=True) as ws:
                ws.drop(*names)
                left = [t.name for t in ws.tables()]
            return _done(
                "dropped", tables=names, **_shape.items(left, max_rows=1000, column="table")
            )

        return session.answer(body)


__all__ = ["WRITE_TOOLS", "register"]
