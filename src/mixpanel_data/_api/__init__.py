"""The adapter layer over the generated ``mixpanel_openapi`` package (the only code importing it).

- :mod:`~mixpanel_data._api.routing`: which host serves which API in which region.
- :mod:`~mixpanel_data._api.catalog`: what the spec says about each operation (``operations.json``).
- :mod:`~mixpanel_data._api.call`: one typed call for every operation, by its spec id.
- :mod:`~mixpanel_data._api.clients`: :class:`ApiClients`, one generated client per host family,
  with ``call`` / ``call_json``.
- :mod:`~mixpanel_data._api.export`: the streamed export and engage pages.
"""

from mixpanel_data._api.clients import ApiClients
from mixpanel_data._api.routing import HostTable, load_host_table

__all__ = ["ApiClients", "HostTable", "load_host_table"]
