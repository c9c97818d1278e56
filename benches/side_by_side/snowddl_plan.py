"""Runs `snowddl plan` against `snowform sandbox serve`: SnowDDL's command line has no host,
port or protocol options, so its app is started with its connection pointed at the sandbox.
Only the resolvers of the benchmark's kinds run (warehouses, databases, schemas, technical
roles with their grants): SnowDDL's own per-object roles (warehouse usage and monitor roles,
database and schema owner, read and write roles) are left out, so that every tool plans the
same account.

Usage (in the SnowDDL environment): python snowddl_plan.py PORT USER PASSWORD -- <snowddl args>
"""

import sys

import snowflake.connector
from snowddl.app.base import BaseApp
from snowddl.resolver import DatabaseResolver, SchemaResolver, TechnicalRoleResolver, WarehouseResolver

port, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
args = sys.argv[sys.argv.index("--") + 1:]


class SandboxApp(BaseApp):
    resolve_sequence = [WarehouseResolver, DatabaseResolver, SchemaResolver, TechnicalRoleResolver]

    def get_connection(self):
        return snowflake.connector.connect(
            account="SANDBOX", user=user, password=password, role=self.args["r"],
            host="127.0.0.1", port=int(port), protocol="http",
            application=f"{self.application_name} {self.application_version}",
        )


sys.argv = ["snowddl", *args]
SandboxApp().execute()
