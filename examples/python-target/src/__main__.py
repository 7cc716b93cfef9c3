"""pakyas-target-pyjsonl: a Pakyas target in Python.

It appends every event of a monitored run to a file, one JSON object a
line, the same lines as the Go example (examples/jsonl-target). Configure
it in ~/.config/pakyas/external_monitors.toml:

    [targets.pyjsonl]
    path = "/var/log/pakyas-events.jsonl"
"""

import json
import os
import threading

import pakyas_plugin as pp
import target_pb2

VERSION = "1.0.0"

_EVENT_TYPES = {target_pb2.EVENT_TYPE_START: "start",
                target_pb2.EVENT_TYPE_SUCCESS: "success",
                target_pb2.EVENT_TYPE_FAIL: "fail"}


class JSONL:
    def __init__(self):
        self._lock = threading.Lock()  # one line at a time, whole
        self._path = None

    def describe(self):
        return {"name": "pyjsonl", "version": VERSION, "fields": [
            pp.Field("path", pp.STRING, pp.GLOBAL, required=True,
                     description="file every event is appended to, one JSON object a line (created if missing)"),
        ]}

    def configure(self, global_table, check_table):
        # The schema (a required string) has been checked; what is left is
        # whether the path can be a file.
        path = global_table["path"]
        if not os.path.isabs(path):
            return [pp.FieldError(pp.GLOBAL, "path", "%r is relative; use an absolute path, pakyas runs from any directory" % path)]
        if os.path.isdir(path):
            return [pp.FieldError(pp.GLOBAL, "path", "%s is a directory; name a file in it, e.g. %s"
                                  % (path, os.path.join(path, "events.jsonl")))]
        if not os.path.isdir(os.path.dirname(path)):
            return [pp.FieldError(pp.GLOBAL, "path", "directory %s does not exist; create it first" % os.path.dirname(path))]
        with self._lock:
            self._path = path
        return []

    def send(self, event, seconds_left):
        line = {
            "check_identifier": event.check_identifier,
            "event_type": _EVENT_TYPES.get(event.event_type, "unknown"),
            "exit_code": event.exit_code if event.HasField("exit_code") else None,
            "duration_ms": event.duration_ms,
            "timestamp": event.timestamp.ToJsonString(),
            "host": event.host,
            # The output is bytes, not necessarily UTF-8.
            "output": event.output.decode("utf-8", "replace"),
            "run_id": event.run_id,
        }
        data = (json.dumps(line) + "\n").encode()
        # A local append takes microseconds; a target that talks to a
        # service passes seconds_left as its request timeout.
        with self._lock:
            try:
                fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, data)
                finally:
                    os.close(fd)
            except OSError as e:
                return False, "append to %s: %s; check path in [targets.pyjsonl]" % (self._path, e.strerror)
        return True, "appended to " + self._path


if __name__ == "__main__":
    pp.serve(JSONL())
