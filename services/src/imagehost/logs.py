"""Log records as JSON lines, one object per line, for the backend and the worker alike."""

import json
import logging
import sys
import time


class JsonLines(logging.Formatter):
    """A record as one JSON object: the access log passes a dict, others a message."""

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.msg, dict):
            line = record.msg
        else:
            line = {
                "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
                "level": record.levelname.lower(),
                "logger": record.name,
                "message": record.getMessage(),
            }
            if record.exc_info:
                line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, separators=(",", ":"))


def log_json_lines(logger: logging.Logger, level: int | str = logging.INFO) -> None:
    """Send `logger`'s records to stdout as JSON lines (replacing its handlers)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLines())
    logger.handlers = [handler]
    logger.setLevel(level)
