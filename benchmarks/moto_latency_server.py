"""A moto server whose every answer takes `--latency-ms` longer, like a distant AWS endpoint.

The latency is added on the server, per request, in a threaded server, so it applies equally to soc2ctl
and to peer tools (Cloud Custodian, Prowler) that we cannot instrument from the inside.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Iterable

from moto.server import ThreadedMotoServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    app = server._server.app  # moto's WSGI dispatcher, wrapped in a delaying middleware
    delay = args.latency_ms / 1000

    def delayed(environ: dict, start_response: Callable) -> Iterable[bytes]:
        time.sleep(delay)
        return app(environ, start_response)

    server._server.app = delayed

    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
