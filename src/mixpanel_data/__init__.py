"""mixpanel_data: typed, programmatic access to Mixpanel.

Example:
    >>> import mixpanel_data as mp
    >>> mp.__version__
    '0.1.0'
"""

from mixpanel_data._version import __version__

__all__ = ["__version__"]
