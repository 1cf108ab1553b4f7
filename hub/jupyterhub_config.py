"""JupyterHub configuration for the course's demo hub (scripts/hub.py writes the values).

Real Unix users, each server started by LocalProcessSpawner under the user's own uid;
one shared password for the demo (SharedPasswordAuthenticator). In production use
OAuthenticator or LTI instead: docs/running-a-course.md.
"""

import json
import os

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

settings = json.loads(os.environ["CONCURRENCY_HUB_SETTINGS"])
venv_bin = os.path.join(settings["venv"], "bin")

c.JupyterHub.bind_url = f"http://127.0.0.1:{settings['port']}"
# The hub's internal API and the proxy's API on loopback ports chosen by scripts/hub.py.
c.JupyterHub.hub_port = settings["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [settings["proxy"]]
c.JupyterHub.db_url = "sqlite:///" + os.path.join(settings["state"], "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(settings["state"], "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(settings["state"], "jupyterhub.pid")
# Ctrl-C stops every server the hub started, and the proxy.
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = settings["password"]
c.Authenticator.allowed_users = set(settings["users"])

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [os.path.join(venv_bin, "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120
c.Spawner.environment = {
    "PATH": os.pathsep.join([venv_bin, "/usr/local/bin", "/usr/bin", "/bin"]),
    "MPLBACKEND": "Agg",
}
