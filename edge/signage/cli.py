"""``edge-signage --config device.toml``: serve the display pages of one store device."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from firmware_config.loader import ConfigError, load_config
from firmware_config.signage import SignageConfig


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="edge-signage", description=__doc__)
    ap.add_argument("--config", required=True, type=Path, help="device TOML file (its [signage] table)")
    ap.add_argument("--host", help="listen address (overrides signage.host)")
    ap.add_argument("--port", type=int, help="listen port (overrides signage.port)")
    ap.add_argument("--log-level", default="INFO")
    args = ap.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        for line in exc.errors:
            print(line, file=sys.stderr)
        return 2
    from edge.signage.server import serve

    signage = config.signage or SignageConfig()
    host, port = args.host or signage.host, args.port or signage.port
    for display in config.signage_displays() or [d.id for d in config.displays]:
        logging.getLogger("edge.signage").info("display %s: http://%s:%d/display/%s", display, host, port, display)
    serve(config, host=host, port=port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
