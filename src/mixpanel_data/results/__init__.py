"""Typed results of mixpanel_data: frozen dataclasses with ``.df``, ``.to_dict()`` and ``__str__``.

Live-query results keep Mixpanel's raw answer privately and are built by a pure
``from_response(raw, **query)`` classmethod, so they can be made (and tested) without any I/O.

Example:
    >>> from mixpanel_data.results import SegmentationResult
    >>> raw = {"data": {"series": ["2026-03-01"], "values": {"US": {"2026-03-01": 3}}}}
    >>> SegmentationResult.from_response(raw, event="Signed Up", from_date="2026-03-01",
    ...                                  to_date="2026-03-01").total
    3
"""

from mixpanel_data.results.activity import ActivityFeedResult, UserEvent
from mixpanel_data.results.counts import EventCountsResult, PropertyCountsResult
from mixpanel_data.results.discovery import BookmarkInfo, FunnelInfo, SavedCohort, TopEvent
from mixpanel_data.results.flows import FlowNode, FlowPath, FlowsResult, FlowTransition
from mixpanel_data.results.frequency import FrequencyResult
from mixpanel_data.results.funnel import FunnelResult, FunnelStep
from mixpanel_data.results.jql import JQLResult
from mixpanel_data.results.local import FetchResult, TableReport, WorkspaceInfo
from mixpanel_data.results.management import Record, Records
from mixpanel_data.results.numeric import (
    NumericAverageResult,
    NumericBucketResult,
    NumericSumResult,
)
from mixpanel_data.results.retention import CohortRow, RetentionResult
from mixpanel_data.results.saved import SavedReportResult
from mixpanel_data.results.segmentation import SegmentationResult

__all__ = [
    "ActivityFeedResult",
    "BookmarkInfo",
    "CohortRow",
    "EventCountsResult",
    "FetchResult",
    "FlowNode",
    "FlowPath",
    "FlowTransition",
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
    "Record",
    "Records",
    "RetentionResult",
    "SavedCohort",
    "SavedReportResult",
    "SegmentationResult",
    "TableReport",
    "TopEvent",
    "UserEvent",
    "WorkspaceInfo",
]
