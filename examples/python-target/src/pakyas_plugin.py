"""Serve a Pakyas target over hashicorp/go-plugin's gRPC transport.

What the Go SDK (github.com/pakyas/pakyas/core/target) does for a Go
target, for a Python one: the magic cookie, the protocol version, a Unix
socket, the handshake line, the gRPC services pakyas calls
(pakyas.target.v1.TargetService, grpc.health.v1.Health and
plugin.GRPCController), checking the configuration against the schema,
exiting with pakyas, and not before (a signal sent to pakyas's process
group is ignored). docs/writing-a-target.md describes the protocol.

A target is an object with three methods:

    describe() -> dict(name=..., version=..., fields=[Field, ...])
    configure(global_table: dict, check_table: dict) -> list of FieldError
        (called only after the tables passed the schema check)
    send(event: target_pb2.Event, seconds_left: float) -> (ok, message)
"""

import json
import os
import signal
import sys
import tempfile
import threading
import time
from concurrent import futures

import grpc

import grpc_controller_pb2
import grpc_controller_pb2_grpc
import health_pb2
import health_pb2_grpc
import target_pb2
import target_pb2_grpc

MAGIC_COOKIE_KEY = "PAKYAS_TARGET_PLUGIN"
MAGIC_COOKIE_VALUE = "3c9d1a0e6b7f4e21a5d8c2f09b64e7d1"
PROTOCOL_VERSION = 1  # the Pakyas target protocol this module speaks
CORE_PROTOCOL_VERSION = 1  # go-plugin's

GLOBAL = target_pb2.SCOPE_GLOBAL
CHECK = target_pb2.SCOPE_CHECK
STRING = target_pb2.FIELD_TYPE_STRING
INT = target_pb2.FIELD_TYPE_INT
BOOL = target_pb2.FIELD_TYPE_BOOL
STRING_MAP = target_pb2.FIELD_TYPE_STRING_MAP


def Field(key, type, scope, description, required=False, secret=False):
    """One configuration key of the schema."""
    return target_pb2.Field(key=key, type=type, scope=scope, required=required,
                            secret=secret, description=description)


def FieldError(scope, key, message):
    """What is wrong with one key (key None: with the configuration)."""
    return target_pb2.FieldError(scope=scope, path=[key] if key else [], message=message)


_TYPE_NAMES = {STRING: "a string", INT: "an integer", BOOL: "true or false",
               STRING_MAP: "a table of strings"}


def _has_type(value, type):
    if type == STRING:
        return isinstance(value, str)
    if type == INT:  # JSON integral numbers; bool is an int in Python
        return isinstance(value, int) and not isinstance(value, bool)
    if type == BOOL:
        return isinstance(value, bool)
    if type == STRING_MAP:
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    return False


def check_schema(fields, global_table, check_table):
    """The field errors of two tables against the schema: unknown keys,
    missing required keys and values of the wrong type. The host checks
    the user's TOML the same way before it calls Configure, but a plugin
    must not rely on it: `pakyas plugin check` sends bad tables on purpose."""
    errors = []
    for scope, table, where in ((GLOBAL, global_table, "[targets.<name>]"),
                                (CHECK, check_table, '[checks."<key>".targets.<name>]')):
        known = {f.key: f for f in fields if f.scope == scope}
        for key, value in table.items():
            f = known.get(key)
            if f is None:
                errors.append(FieldError(scope, key, "unknown key; this target's keys in %s are: %s"
                                         % (where, ", ".join(sorted(known)) or "none")))
            elif not _has_type(value, f.type):
                errors.append(FieldError(scope, key, "must be %s" % _TYPE_NAMES[f.type]))
        for f in known.values():
            if f.required and f.key not in table:
                errors.append(FieldError(scope, f.key, "is required in %s" % where))
    return errors


class _TargetService(target_pb2_grpc.TargetServiceServicer):
    def __init__(self, target):
        self._target = target
        self._lock = threading.Lock()
        self._configured = False

    def _info(self):
        d = self._target.describe()
        return target_pb2.DescribeResponse(
            name=d["name"], version=d["version"], protocol_version=PROTOCOL_VERSION,
            schema=target_pb2.ConfigSchema(fields=d["fields"]))

    def Describe(self, request, context):
        return self._info()

    def Configure(self, request, context):
        tables = []
        for raw, scope in ((request.global_json, GLOBAL), (request.check_json, CHECK)):
            try:
                table = json.loads(raw or b"{}")
            except ValueError as e:
                return target_pb2.ConfigureResponse(errors=[FieldError(scope, None, "not a JSON object: %s" % e)])
            if not isinstance(table, dict):
                return target_pb2.ConfigureResponse(errors=[FieldError(scope, None, "not a JSON object")])
            tables.append(table)
        errors = check_schema(self._info().schema.fields, *tables)
        if not errors:
            errors = list(self._target.configure(*tables))
        with self._lock:
            # A refused configuration leaves the target unconfigured.
            self._configured = not errors
        return target_pb2.ConfigureResponse(errors=errors)

    def Send(self, request, context):
        with self._lock:
            configured = self._configured
        if not configured:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "Send before a successful Configure")
        if request.event.event_type == target_pb2.EVENT_TYPE_UNSPECIFIED:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "event_type is not set")
        # Every call carries the host's deadline (grpc-timeout): give up
        # when it passes.
        left = context.time_remaining()
        if left is not None and left <= 0:
            context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "the deadline passed before the send began")
        start = time.monotonic()
        ok, message = self._target.send(request.event, left if left is not None else 30.0)
        resp = target_pb2.SendResponse(ok=ok, message=message)
        resp.latency.FromNanoseconds(int((time.monotonic() - start) * 1e9))
        return resp


class _Health(health_pb2_grpc.HealthServicer):
    def Check(self, request, context):
        # go-plugin asks for the service "plugin".
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


class _Controller(grpc_controller_pb2_grpc.GRPCControllerServicer):
    def __init__(self, stop):
        self._stop = stop

    def Shutdown(self, request, context):
        # Answer first, then stop serving: pakyas kills the process 2 s
        # after it asks.
        threading.Thread(target=self._stop, daemon=True).start()
        return grpc_controller_pb2.Empty()


def _pick_protocol():
    offered = os.environ.get("PLUGIN_PROTOCOL_VERSIONS", str(PROTOCOL_VERSION))
    versions = [int(v) for v in offered.split(",") if v.strip().isdigit()]
    if PROTOCOL_VERSION not in versions:
        sys.exit("this plugin speaks Pakyas target protocol %d; this pakyas offers %s: "
                 "upgrade pakyas or the plugin" % (PROTOCOL_VERSION, offered))
    return PROTOCOL_VERSION


def _exit_with_parent():
    """Do not outlive pakyas: exit when the parent process changes."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _ignore_group_signals():
    """Live through a signal sent to pakyas's whole process group.

    pakyas starts the plugin in a process group of its own, but a supervisor
    may signal every process of a service (systemd does), and pakyas still
    has the job's finish event to send through the plugin: it ends the
    plugin with Shutdown or SIGKILL. A handler, unlike SIG_IGN, is not
    inherited by a program the plugin runs.
    """
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, lambda signum, frame: None)


def serve(target):
    """Serve target until pakyas asks it to stop. Never returns."""
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        sys.stderr.write("This program is a Pakyas target plugin: pakyas starts it.\n"
                         "Install it into your plugin directory and run `pakyas plugin check %s`.\n"
                         % os.path.basename(sys.argv[0]).replace("pakyas-target-", "", 1))
        sys.exit(1)
    protocol = _pick_protocol()
    _exit_with_parent()
    _ignore_group_signals()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    target_pb2_grpc.add_TargetServiceServicer_to_server(_TargetService(target), server)
    health_pb2_grpc.add_HealthServicer_to_server(_Health(), server)
    grpc_controller_pb2_grpc.add_GRPCControllerServicer_to_server(_Controller(lambda: server.stop(1)), server)

    sock_dir = os.environ.get("PLUGIN_UNIX_SOCKET_DIR") or tempfile.mkdtemp(prefix="pakyas-plugin-")
    sock = os.path.join(sock_dir, "plugin%d" % os.getpid())
    server.add_insecure_port("unix:" + sock)
    server.start()
    # The handshake: one line on stdout, then never write to stdout again.
    sys.stdout.write("%d|%d|unix|%s|grpc\n" % (CORE_PROTOCOL_VERSION, protocol, sock))
    sys.stdout.flush()
    sys.stdout = sys.stderr  # a stray print() must not reach go-plugin
    server.wait_for_termination()
    try:
        os.unlink(sock)
    except OSError:
        pass
    sys.exit(0)
