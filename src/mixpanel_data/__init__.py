"""mixpanel_data: typed, programmatic access to Mixpanel.

The public face: :class:`Workspace` (discovery, live queries, fetch into DuckDB, local SQL), the
:mod:`~mixpanel_data.auth` functions for accounts, the result types, and the exception tree.
Importing the package loads only the exceptions; ``Workspace``, ``auth`` and the results (with
httpx, pydantic, duckdb, pandas and the generated client behind them) load on first use.

Example:
    >>> import mixpanel_data as mp
    >>> mp.__version__
    '0.1.0'
    >>> issubclass(mp.RateLimitError, mp.MixpanelDataError)
    True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mixpanel_data._version import __version__
from mixpanel_data.exceptions import (
    AccountExistsError,
    AccountNotFoundError,
    APIError,
    AuthenticationError,
    ConfigError,
    DatabaseLockedError,
    DataError,
    ExpressionError,
    FetchError,
    InvalidCredentialsError,
    JQLError,
    MixpanelDataError,
    NoCredentialsError,
    NotFoundError,
    QueryError,
    RateLimitError,
    ServerError,
    TableExistsError,
    TableNotFoundError,
    TransportError,
    ValidationError,
)

if TYPE_CHECKING:
    from mixpanel_data import auth
    from mixpanel_data._services.fetcher import FetchProgress, ProgressCallback
    from mixpanel_data._workspace import Workspace
    from mixpanel_data.results import (
        ActivityFeedResult,
        BookmarkInfo,
        EventCountsResult,
        FetchResult,
        FlowsResult,
        FrequencyResult,
        FunnelInfo,
        FunnelResult,
        FunnelStep,
        JQLResult,
        NumericAverageResult,
        NumericBucketResult,
        NumericSumResult,
        PropertyCountsResult,
        RetentionResult,
        SavedCohort,
        SavedReportResult,
        SegmentationResult,
        TopEvent,
        UserEvent,
        WorkspaceInfo,
    )

# Public name -> the module that defines it. These modules pull in httpx, pydantic or pandas, so
# they load on first attribute access, not on `import mixpanel_data` (`mp --help` stays light).
_LAZY = {
    "auth": "mixpanel_data.auth",
    "Workspace": "mixpanel_data._workspace",
    # What `fetch_*(progress=callback)` calls the callback with.
    "FetchProgress": "mixpanel_data._services.fetcher",
    "ProgressCallback": "mixpanel_data._services.fetcher",
    **{
        name: "mixpanel_data.results"
        for name in (
            "ActivityFeedResult",
            "BookmarkInfo",
            "EventCountsResult",
            "FetchResult",
            "FlowsResult",
            "FrequencyResult",
            "FunnelInfo",
            "FunnelResult",
            "FunnelStep",
            "JQLResult",
            "NumericAverageResult",
            "NumericBucketResult",
            "NumericSumResult",
            "PropertyCountsResult",
            "RetentionResult",
            "SavedCohort",
            "SavedReportResult",
            "SegmentationResult",
            "TopEvent",
            "UserEvent",
            "WorkspaceInfo",
        )
    },
}


def __getattr__(name: str) -> Any:
    """Load ``auth``, ``Workspace`` and the result types on first use."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'mixpanel_data' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if name == "auth" else getattr(module, name)
    globals()[name] = value  # the next access skips __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "APIError",
    "AccountExistsError",
    "AccountNotFoundError",
    "ActivityFeedResult",
    "AuthenticationError",
    "BookmarkInfo",
    "ConfigError",
    "DataError",
    "DatabaseLockedError",
    "EventCountsResult",
    "ExpressionError",
    "FetchError",
    "FetchProgress",
    "FetchResult",
    "FlowsResult",
    "FrequencyResult",
    "FunnelInfo",
    "FunnelResult",
    "FunnelStep",
    "InvalidCredentialsError",
    "JQLError",
    "JQLResult",
    "MixpanelDataError",
    "NoCredentialsError",
    "NotFoundError",
    "NumericAverageResult",
    "NumericBucketResult",
    "NumericSumResult",
    "ProgressCallback",
    "PropertyCountsResult",
    "QueryError",
    "RateLimitError",
    "RetentionResult",
    "SavedCohort",
    "SavedReportResult",
    "SegmentationResult",
    "ServerError",
    "TableExistsError",
    "TableNotFoundError",
    "TopEvent",
    "TransportError",
    "UserEvent",
    "ValidationError",
    "Workspace",
    "WorkspaceInfo",
    "__version__",
    "auth",
]
