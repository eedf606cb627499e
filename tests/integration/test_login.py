"""berth login/logout against the real registry (htpasswd Basic auth and the
token flow), and authenticated pull and push with the stored credentials."""
import json
import os
import stat
import unittest

import berthtest
import registries as R


class LoginTest(berthtest.BerthTest):
    def env(self, **extra):
        return dict(os.environ, DOCKER_CONFIG=os.path.join(self.tmp, "cfg"),
                    BERTH_REGISTRY_RETRY_DELAY_MS="10", **extra)

    def config(self):
        with open(os.path.join(self.tmp, "cfg", "config.json")) as f:
            return json.load(f)

    def login_flow(self, mode):
        with R.Registry(self.tmp, auth=mode) as reg:
            pushed = R.push_image(reg, "library/busybox", "latest", [R.busybox_layer(self.tmp)],
                                  auth=("alice", "secret"))
            ref = f"{reg.host}/library/busybox:latest"
            r = self.fails("pull", ref, env=self.env())
            self.assertIn("pull access denied", r.err)
            r = self.fails("login", "-u", "alice", "--password-stdin", reg.host, stdin=b"wrong\n", env=self.env())
            self.assertIn("unauthorized", r.err)
            self.assertFalse(os.path.exists(os.path.join(self.tmp, "cfg", "config.json")))
            r = self.ok("login", "-u", "alice", "--password-stdin", reg.host, stdin=b"secret\n", env=self.env())
            self.assertEqual(r.out, "Login Succeeded\n")
            self.assertIn("WARNING! Your password will be stored unencrypted", r.err)
            path = os.path.join(self.tmp, "cfg", "config.json")
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            self.assertEqual(self.config()["auths"][reg.host]["auth"], "YWxpY2U6c2VjcmV0")
            self.ok("pull", ref, env=self.env())
            self.assertEqual(self.inspect(ref)["Id"], pushed["config_digest"])
            self.ok("tag", ref, f"{reg.host}/alice/copy:v1")
            out = self.ok("push", f"{reg.host}/alice/copy:v1", env=self.env()).out
            self.assertIn(f"v1: digest: {pushed['digest']}", out)
            self.assertEqual(self.ok("login", reg.host, env=self.env()).out,
                             "Authenticating with existing credentials...\nLogin Succeeded\n")
            self.assertEqual(self.ok("logout", reg.host, env=self.env()).out,
                             f"Removing login credentials for {reg.host}\n")
            self.assertNotIn(reg.host, self.config().get("auths", {}))
            self.assertEqual(self.ok("logout", reg.host, env=self.env()).out, f"Not logged in to {reg.host}\n")

    def test_htpasswd(self):
        self.login_flow("htpasswd")

    def test_token(self):
        self.login_flow("token")

    def test_usage_errors(self):
        r = self.fails("login", "--password-stdin", "127.0.0.1:1", stdin=b"x", env=self.env())
        self.assertEqual(r.err, "Error: Must provide --username with --password-stdin\n")
        r = self.fails("login", "127.0.0.1:1", stdin=b"", env=self.env())
        self.assertEqual(r.err, "Error: Cannot perform an interactive login from a non TTY device\n")

    def test_password_flag_warns(self):
        with R.Registry(self.tmp, auth="htpasswd") as reg:
            r = self.ok("login", "-u", "alice", "-p", "secret", reg.host, env=self.env())
            self.assertTrue(r.err.startswith("WARNING! Using --password via the CLI is insecure."), r.err)

    def test_credential_helper(self):
        bindir = os.path.join(self.tmp, "bin")
        os.makedirs(bindir)
        store = os.path.join(self.tmp, "helper-store")
        helper = os.path.join(bindir, "docker-credential-fake")
        with open(helper, "w") as f:
            f.write(f"""#!/bin/sh
case "$1" in
  store) cat > {store} ;;
  get) read server; if [ -f {store} ]; then sed 's/"Secret"/"Secret"/' {store}; else echo "credentials not found in native keychain"; exit 1; fi ;;
  erase) rm -f {store} ;;
esac
""")
        os.chmod(helper, 0o755)
        os.makedirs(os.path.join(self.tmp, "cfg"))
        with open(os.path.join(self.tmp, "cfg", "config.json"), "w") as f:
            json.dump({"credsStore": "fake", "other": {"kept": True}}, f)
        env = self.env(PATH=bindir + ":" + os.environ["PATH"])
        with R.Registry(self.tmp, auth="htpasswd") as reg:
            R.push_image(reg, "library/busybox", "latest", [R.busybox_layer(self.tmp)], auth=("alice", "secret"))
            r = self.ok("login", "-u", "alice", "--password-stdin", reg.host, stdin=b"secret\n", env=env)
            self.assertNotIn("unencrypted", r.err)
            cfg = self.config()
            self.assertEqual(cfg["auths"][reg.host], {})
            self.assertEqual(cfg["other"], {"kept": True})
            with open(store) as f:
                self.assertEqual(json.load(f)["Secret"], "secret")
            self.ok("pull", f"{reg.host}/library/busybox", env=env)
            # The configured helper missing is an error, not a silent anonymous pull.
            r = self.fails("pull", f"{reg.host}/library/busybox", env=self.env(PATH="/usr/bin:/bin"))
            self.assertIn("docker-credential-fake", r.err)


if __name__ == "__main__":
    unittest.main()
