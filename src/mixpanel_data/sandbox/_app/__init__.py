"""The sandbox's App API family: Lexicon Schemas, Annotations, GDPR, Feature Flags, Service
Accounts, Warehouse Connectors and Data Pipelines.

Each submodule serves one API over its own in-memory store, seeded from the sandbox's fixtures
(``req.state.data.fixtures``, never changed) and kept in ``req.state.scratch`` for the sandbox's
life. ``ROUTES`` is every submodule's routes, in order.

Example:
    >>> len(ROUTES)
    53
"""

from mixpanel_data.sandbox._app import (
    annotations,
    flags,
    gdpr,
    lexicon,
    pipelines,
    service_accounts,
    warehouse,
)
from mixpanel_data.sandbox._http import Route

ROUTES: list[Route] = [
    *lexicon.ROUTES,
    *annotations.ROUTES,
    *gdpr.ROUTES,
    *flags.ROUTES,
    *service_accounts.ROUTES,
    *warehouse.ROUTES,
    *pipelines.ROUTES,
]

__all__ = ["ROUTES"]
