"""kliping's settings plus a site credential, as an operator's own settings module would add one.

The value comes from the environment (``KLIPING_TEST_SITE_TOKEN``): it never sits on a command line.
"""

import os

from settings import *  # noqa: F403

DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "id,en;q=0.8",
    "Authorization": "Bearer " + os.environ["KLIPING_TEST_SITE_TOKEN"],
}
