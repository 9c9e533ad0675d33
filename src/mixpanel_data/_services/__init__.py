"""The services behind :class:`~mixpanel_data.Workspace`: one per job.

- :mod:`.validation`: argument checks run before any request.
- :mod:`.discovery`: what the project holds (events, properties, funnels, cohorts, ...), cached.
- :mod:`.live_query`: live analytics queries returning typed results.
- :mod:`.fetcher`: export into the local DuckDB store.
"""
