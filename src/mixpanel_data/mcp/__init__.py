"""An MCP (Model Context Protocol) server over the Workspace, for AI agents: ``mp mcp serve``.

Tools: discovery (events, properties, values, funnels, cohorts, bookmarks, schemas), every live
query, saved reports and JQL; fetching events and profiles into the local DuckDB store (with
progress notifications), SQL over it, its tables and their schemas; and, only when started with
``allow_writes``, the tools that change something (annotations, imports, GDPR, flags, Lexicon,
dropping local tables). Answers are structured JSON with rows capped; the library's errors come
back as tool errors with the same message and code.

Needs the ``[mcp]`` extra (the official ``mcp`` SDK). Neither ``import mixpanel_data`` nor
``mp --help`` imports this package.

Example:
    >>> from mixpanel_data.mcp import build_server
    >>> server, session = build_server(allow_writes=False)     # doctest: +SKIP
    >>> server.run("stdio")                                     # doctest: +SKIP
"""

from __future__ import annotations

from mixpanel_data.mcp._server import build_server, serve

__all__ = ["build_server", "serve"]
