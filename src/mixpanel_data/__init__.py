"""mixpanel_data: typed, programmatic access to Mixpanel.

The public face: :class:`Workspace` (discovery, live queries, fetch into DuckDB, local SQL), the
:mod:`~mixpanel_data.auth` functions for accounts, the result types, and the exception tree. Heavy
modules (duckdb, pandas, the generated client) load on first use.

Example:
    >>> import mixpanel_data as mp
    >>> mp.__version__
    '0.1.0'
    >>> issubclass(mp.RateLimitError, mp.MixpanelDataError)
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mixpanel_data import auth
from mixpanel_data._version import __version__
from mixpanel_data._workspace import Workspace
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
    JQLError,
    MixpanelDataError,
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

_RESULTS = {
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
}


def __getattr__(name: str) -> Any:
    """Load result types on first use (they pull in pandas only when a DataFrame is asked for)."""
    if name in _RESULTS:
        from mixpanel_data import results

        return getattr(results, name)
    raise AttributeError(f"module 'mixpanel_data' has no attribute {name!r}")


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
    "FetchResult",
    "FlowsResult",
    "FrequencyResult",
    "FunnelInfo",
    "FunnelResult",
    "FunnelStep",
    "JQLError",
    "JQLResult",
    "MixpanelDataError",
    "NotFoundError",
    "NumericAverageResult",
    "NumericBucketResult",
    "NumericSumResult",
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
