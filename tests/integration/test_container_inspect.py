"""Containers: inspect (docker's ContainerJSON and its Go types), rename,
container prune, and ps --format over docker's container row.

The expected keys, values and messages were recorded from dockerd/docker
20.10.24 on a private daemon, with containers run from an imported busybox
image with --network none and --network host."""
import json
import os
import unittest

import berthtest
from berthtest import BerthTest

APPLETS = ["sh", "echo", "cat", "sleep", "true", "head", "ls"]


def runc_missing():
    for d in ("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"):
        if os.access(os.path.join(d, "runc"), os.X_OK):
            return None
    return "runc is not installed"

ZERO_TIME = "0001-01-01T00:00:00Z"
RFC3339NANO = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$"

# docker inspect's key order (types.ContainerJSON and what it holds).
TOP_KEYS = ["Id", "Created", "Path", "Args", "State", "Image", "ResolvConfPath", "HostnamePath",
            "HostsPath", "LogPath", "Name", "RestartCount", "Driver", "Platform", "MountLabel",
            "ProcessLabel", "AppArmorProfile", "ExecIDs", "HostConfig", "GraphDriver", "Mounts",
            "Config", "NetworkSettings"]
STATE_KEYS = ["Status", "Running", "Paused", "Restarting", "OOMKilled", "Dead", "Pid", "ExitCode",
              "Error", "StartedAt", "FinishedAt"]
NETWORK_KEYS = ["Bridge", "SandboxID", "HairpinMode", "LinkLocalIPv6Address",
                "LinkLocalIPv6PrefixLen", "Ports", "SandboxKey", "SecondaryIPAddresses",
                "SecondaryIPv6Addresses", "EndpointID", "Gateway", "GlobalIPv6Address",
                "GlobalIPv6PrefixLen", "IPAddress", "IPPrefixLen", "IPv6Gateway", "MacAddress",
                "Networks"]
# docker's HostConfig for `docker run --network none -v /a:/b -v /c:/d:ro IMAGE ...`,
# key order and values (Binds and CgroupnsMode are checked on their own).
DOCKER_HOST_CONFIG = {
    "Binds": None, "ContainerIDFile": "", "LogConfig": {"Type": "json-file", "Config": {}},
    "NetworkMode": "none", "PortBindings": {}, "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
    "AutoRemove": False, "VolumeDriver": "", "VolumesFrom": None, "CapAdd": None, "CapDrop": None,
    "CgroupnsMode": "host", "Dns": [], "DnsOptions": [], "DnsSearch": [], "ExtraHosts": None,
    "GroupAdd": None, "IpcMode": "private", "Cgroup": "", "Links": None, "OomScoreAdj": 0,
    "PidMode": "", "Privileged": False, "PublishAllPorts": False, "ReadonlyRootfs": False,
    "SecurityOpt": None, "UTSMode": "", "UsernsMode": "", "ShmSize": 67108864, "Runtime": "runc",
    "ConsoleSize": [0, 0], "Isolation": "", "CpuShares": 0, "Memory": 0, "NanoCpus": 0,
    "CgroupParent": "", "BlkioWeight": 0, "BlkioWeightDevice": [], "BlkioDeviceReadBps": None,
    "BlkioDeviceWriteBps": None, "BlkioDeviceReadIOps": None, "BlkioDeviceWriteIOps": None,
    "CpuPeriod": 0, "CpuQuota": 0, "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0,
    "CpusetCpus": "", "CpusetMems": "", "Devices": [], "DeviceCgroupRules": None,
    "DeviceRequests": None, "KernelMemory": 0, "KernelMemoryTCP": 0, "MemoryReservation": 0,
    "MemorySwap": 0, "MemorySwappiness": None, "OomKillDisable": False, "PidsLimit": None,
    "Ulimits": None, "CpuCount": 0, "CpuPercent": 0, "IOMaximumIOps": 0, "IOMaximumBandwidth": 0,
    "MaskedPaths": ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                    "/sys/firmware"],
    "ReadonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
}
ENDPOINT = {"IPAMConfig": None, "Links": None, "Aliases": None, "NetworkID": "", "EndpointID": "",
            "Gateway": "", "IPAddress": "", "IPPrefixLen": 0, "IPv6Gateway": "",
            "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "MacAddress": "", "DriverOpts": None}
PS_JSON_KEYS = ["Command", "CreatedAt", "ID", "Image", "Labels", "LocalVolumes", "Mounts", "Names",
                "Networks", "Ports", "RunningFor", "Size", "State", "Status"]
NAME_RULE = "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"


@unittest.skipIf(os.geteuid() != 0, "containers need root")
@unittest.skipIf(runc_missing(), "runc is not installed (./dev installs it)")
class ContainerInspectTest(BerthTest):
    def setUp(self):
        super().setUp()
        self.addCleanup(self.remove_all)
        rootfs = berthtest.busybox_rootfs(os.path.join(self.tmp, "rootfs"))
        for a in APPLETS:
            link = os.path.join(rootfs, "bin", a)
            if not os.path.lexists(link):
                os.symlink("busybox", link)
        tar = berthtest.tar_dir(rootfs, os.path.join(self.tmp, "bb.tar"))
        self.iid = self.ok("import", tar, "bb:1").out.strip()

    def remove_all(self):
        ids = self.berth("ps", "-aq").out.split()
        if ids:
            self.berth("rm", "-f", *ids)

    def cdir(self, cid):
        return os.path.join(self.root, "containers", cid)

    def test_inspect_of_an_exited_container_is_dockers_document(self):
        src_rw, src_ro = os.path.join(self.tmp, "rw"), os.path.join(self.tmp, "ro")
        os.makedirs(src_rw)
        os.makedirs(src_ro)
        r = self.berth("run", "--network", "none", "--name", "c1", "-v", src_rw + ":/hosttmp",
                       "-v", src_ro + ":/r:ro", "--label", "a=b", "-e", "FOO=bar", "bb:1",
                       "sh", "-c", "echo hi; exit 3")
        self.assertEqual((r.code, r.out), (3, "hi\n"))
        raw = self.ok("inspect", "c1").out
        self.assertTrue(raw.startswith("[\n    {\n        \"Id\": \""), raw[:40])
        doc = json.loads(raw)
        self.assertEqual(len(doc), 1)
        d = doc[0]
        cid = d["Id"]
        self.assertRegex(cid, r"^[0-9a-f]{64}$")
        self.assertEqual(list(d), TOP_KEYS)
        self.assertRegex(d["Created"], RFC3339NANO)
        self.assertEqual((d["Path"], d["Args"]), ("sh", ["-c", "echo hi; exit 3"]))
        self.assertEqual(list(d["State"]), STATE_KEYS)
        st = d["State"]
        self.assertEqual({k: st[k] for k in STATE_KEYS[:9]},
                         {"Status": "exited", "Running": False, "Paused": False, "Restarting": False,
                          "OOMKilled": False, "Dead": False, "Pid": 0, "ExitCode": 3, "Error": ""})
        self.assertRegex(st["StartedAt"], RFC3339NANO)
        self.assertRegex(st["FinishedAt"], RFC3339NANO)
        self.assertNotEqual(st["FinishedAt"], ZERO_TIME)
        self.assertEqual(d["Image"], self.iid)
        etc = os.path.join(self.cdir(cid), "etc")
        self.assertEqual((d["ResolvConfPath"], d["HostnamePath"], d["HostsPath"]),
                         (etc + "/resolv.conf", etc + "/hostname", etc + "/hosts"))
        self.assertEqual(d["LogPath"], os.path.join(self.cdir(cid), cid + "-json.log"))
        self.assertTrue(os.path.exists(d["LogPath"]))
        self.assertEqual({k: d[k] for k in TOP_KEYS[10:18]},
                         {"Name": "/c1", "RestartCount": 0, "Driver": "overlay2", "Platform": "linux",
                          "MountLabel": "", "ProcessLabel": "", "AppArmorProfile": "", "ExecIDs": None})
        hc = d["HostConfig"]
        self.assertEqual(list(hc), list(DOCKER_HOST_CONFIG))
        self.assertEqual(hc["Binds"], [src_rw + ":/hosttmp", src_ro + ":/r:ro"])
        self.assertIn(hc["CgroupnsMode"], ("host", "private"))
        expected = dict(DOCKER_HOST_CONFIG, Binds=hc["Binds"], CgroupnsMode=hc["CgroupnsMode"])
        self.assertEqual(hc, expected)
        gd = d["GraphDriver"]
        self.assertEqual(gd["Name"], "overlay2")
        self.assertEqual(list(gd["Data"]), ["LowerDir", "MergedDir", "UpperDir", "WorkDir"])
        self.assertEqual(gd["Data"]["UpperDir"], os.path.join(self.cdir(cid), "upper"))
        self.assertEqual(gd["Data"]["WorkDir"], os.path.join(self.cdir(cid), "work"))
        # As docker's: the container's init layer first, then the image's layers.
        lowers = gd["Data"]["LowerDir"].split(":")
        self.assertEqual(lowers[0], os.path.join(self.cdir(cid), "init"))
        self.assertTrue(os.path.exists(os.path.join(lowers[0], ".dockerenv")))
        for lower in lowers[1:]:
            self.assertTrue(os.path.isfile(os.path.join(lower, "bin", "busybox")), lower)
        self.assertEqual(d["Mounts"], [
            {"Type": "bind", "Source": src_rw, "Destination": "/hosttmp", "Mode": "", "RW": True,
             "Propagation": "rprivate"},
            {"Type": "bind", "Source": src_ro, "Destination": "/r", "Mode": "ro", "RW": False,
             "Propagation": "rprivate"}])
        self.assertEqual(d["Config"]["Labels"], {"a": "b"})
        self.assertIn("FOO=bar", d["Config"]["Env"])
        self.assertEqual(d["Config"]["Image"], "bb:1")
        ns = d["NetworkSettings"]
        self.assertEqual(list(ns), NETWORK_KEYS)
        self.assertEqual(list(ns["Networks"]), ["none"])
        ep = ns["Networks"]["none"]
        self.assertEqual(list(ep), list(ENDPOINT))
        self.assertRegex(ep["NetworkID"], r"^[0-9a-f]{64}$")  # a started container's network
        self.assertEqual(dict(ep, NetworkID=""), ENDPOINT)
        self.assertEqual((ns["Ports"], ns["SecondaryIPAddresses"], ns["IPAddress"]), ({}, None, ""))
        # The templates docker users write.
        out = self.ok("inspect", "-f", "{{.Name}} {{.State.Status}} {{.State.Running}} "
                      "{{.State.ExitCode}} {{.HostConfig.NetworkMode}} {{.Id}}", "c1").out
        self.assertEqual(out, f"/c1 exited false 3 none {cid}\n")
        self.assertEqual(self.ok("inspect", "-f", "{{range .Mounts}}{{.Destination}},{{.RW}};{{end}}",
                                 "c1").out, "/hosttmp,true;/r,false;\n")
        # ps's MOUNTS: bind sources, cut to 15 characters as docker's formatter does.
        cut = lambda p: p if len(p) <= 15 else p[:14] + "\u2026"
        self.assertEqual(self.ok("ps", "-a", "--format", "{{.Mounts}}|{{.LocalVolumes}}").out,
                         f"{cut(src_rw)},{cut(src_ro)}|0\n")
        self.assertEqual(self.ok("ps", "-a", "--no-trunc", "--format", "{{.Mounts}}").out,
                         f"{src_rw},{src_ro}\n")
        # Go's printing of the structs, embedded ones nested (HostConfig's
        # Resources, NetworkSettings' two bases), as docker 20.10 printed them
        # for the same run (its varying addresses read 0xc000010000 here).
        out = self.ok("inspect", "-f", "{{.Mounts}}\n{{.HostConfig}}\n{{.NetworkSettings}}", "c1").out
        self.assertEqual(out.split("\n"), [
            f"[{{bind  {src_rw} /hosttmp   true rprivate}} {{bind  {src_ro} /r  ro false rprivate}}]",
            f"{{[{src_rw}:/hosttmp {src_ro}:/r:ro]  {{json-file map[]}} none map[] {{no 0}} false  [] [] "
            f"[] {hc['CgroupnsMode']} [] [] [] [] [] private  [] 0  false false false [] map[] map[]   "
            "67108864 map[] runc [0 0]  {0 0 0  0 [] [] [] [] [] 0 0 0 0   [] [] [] 0 0 0 0 <nil> "
            "0xc000010000 <nil> [] 0 0 0 0} [] [/proc/asound /proc/acpi /proc/kcore /proc/keys "
            "/proc/latency_stats /proc/timer_list /proc/timer_stats /proc/sched_debug /proc/scsi "
            "/sys/firmware] [/proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger] <nil>}",
            "{{  false  0 map[]  [] []} {   0  0  } map[none:0xc000010000]}",
            ""])
        self.assertEqual(self.ok("inspect", "-f", "{{.HostConfig.CPUShares}} {{.HostConfig.Resources.Memory}} "
                                 "{{.NetworkSettings.SandboxKey}}|{{.NetworkSettings.IPAddress}}|"
                                 "{{json .NetworkSettings.NetworkSettingsBase.Ports}}", "c1").out,
                         "0 0 ||{}\n")

    def test_templates_on_a_running_host_network_container(self):
        cid = self.ok("run", "-d", "--network", "host", "--read-only", "--name", "h1", "bb:1",
                      "sleep", "30").out.strip()

        def fmt(template, *extra):
            return self.ok("container", "inspect", *extra, "-f", template, "h1").out

        # docker 20.10's output for the same templates.
        self.assertEqual(fmt("{{.State.Status}} {{.State.Running}} {{.State.Paused}} {{.Name}}"),
                         "running true false /h1\n")
        self.assertGreater(int(fmt("{{.State.Pid}}")), 0)
        self.assertEqual(fmt("{{.State.FinishedAt}} {{.State.ExitCode}}"), ZERO_TIME + " 0\n")
        self.assertEqual(fmt("{{.HostConfig.NetworkMode}} {{.HostConfig.ReadonlyRootfs}} "
                             "{{.HostConfig.CPUShares}} {{.HostConfig.Binds}}"), "host true 0 []\n")
        self.assertEqual(fmt("{{.HostConfig.RestartPolicy}} {{json .HostConfig.RestartPolicy}}"),
                         '{no 0} {"Name":"no","MaximumRetryCount":0}\n')
        self.assertEqual(fmt("{{.HostConfig.LogConfig}} {{.HostConfig.ConsoleSize}} {{.ExecIDs}} "
                             "{{.Args}} {{.Mounts}}"), "{json-file map[]} [0 0] [] [30] []\n")
        self.assertEqual(fmt("{{.State.Health}} {{.Node}} {{.HostConfig.MemorySwappiness}} "
                             "{{.HostConfig.OomKillDisable}} {{.SizeRw}}"),
                         "<nil> <nil> <nil> false <nil>\n")
        self.assertRegex(fmt("{{.State}}"),
                         r"^\{running true false false false false \d+ 0  "
                         r"\d{4}-[0-9T:.-]+Z 0001-01-01T00:00:00Z <nil>\}\n$")
        d = json.loads(self.ok("inspect", "h1").out)[0]
        self.assertEqual(fmt("{{json .Config}}"), json.dumps(d["Config"], separators=(",", ":")) + "\n")
        self.assertEqual(fmt("{{json .State}}"), json.dumps(d["State"], separators=(",", ":")) + "\n")
        # The typed document marshals back to inspect's JSON (embedded structs inlined).
        self.assertEqual(json.loads(fmt("{{json .}}")), d)
        self.assertEqual(list(json.loads(fmt("{{json .}}"))), TOP_KEYS)
        self.assertEqual(list(json.loads(fmt("{{json .HostConfig}}"))), list(DOCKER_HOST_CONFIG))
        self.assertEqual(list(json.loads(fmt("{{json .NetworkSettings}}"))), NETWORK_KEYS)
        self.assertEqual(list(d["NetworkSettings"]["Networks"]), ["host"])
        self.assertEqual(d["HostConfig"]["NetworkMode"], "host")
        self.assertEqual(fmt("{{.Id}}"), cid + "\n")  # the raw JSON's key, as docker's fallback
        # -s adds SizeRw and SizeRootFs after GraphDriver.
        sized = json.loads(self.ok("inspect", "-s", "h1").out)[0]
        keys = list(sized)
        self.assertEqual(keys[keys.index("GraphDriver") + 1:keys.index("Mounts")],
                         ["SizeRw", "SizeRootFs"])
        image_size = self.inspect("bb:1")["Size"]
        self.assertEqual(sized["SizeRootFs"], sized["SizeRw"] + image_size)
        self.assertEqual(fmt("{{.SizeRw}}", "-s"), f"{sized['SizeRw']}\n")
        self.ok("rm", "-f", "h1")

    def test_bridge_container_shows_its_address_and_ports(self):
        if not os.path.exists("/usr/lib/cni/bridge"):
            self.skipTest("the CNI plugins are not installed (containernetworking-plugins)")
        port = 20000 + (os.getpid() + 7) % 20000
        r = self.berth("run", "-d", "--network", "bridge", "-p", f"{port}:80", "--name", "br1", "bb:1",
                       "sleep", "30")
        if r.code == 125 and "cannot be set up on this host" in r.err:
            self.skipTest("this host refuses the bridge: " + r.err.strip())
        self.assertEqual(r.code, 0, r)
        d = self.inspect("br1")
        ns = d["NetworkSettings"]
        self.assertEqual(list(ns), NETWORK_KEYS)
        self.assertTrue(ns["IPAddress"].startswith("10.89."), ns)
        self.assertEqual((ns["IPPrefixLen"], ns["Gateway"]), (16, "10.89.0.1"))
        self.assertRegex(ns["MacAddress"], r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")
        self.assertRegex(ns["EndpointID"], r"^[0-9a-f]{64}$")
        self.assertEqual(ns["Ports"], {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": str(port)}]})
        ep = ns["Networks"]["bridge"]
        self.assertEqual(list(ep), list(ENDPOINT))
        self.assertEqual((ep["IPAddress"], ep["IPPrefixLen"], ep["Gateway"], ep["MacAddress"],
                          ep["EndpointID"]),
                         (ns["IPAddress"], 16, "10.89.0.1", ns["MacAddress"], ns["EndpointID"]))
        self.assertEqual(d["HostConfig"]["PortBindings"],
                         {"80/tcp": [{"HostIp": "", "HostPort": str(port)}]})
        self.assertEqual(d["HostConfig"]["NetworkMode"], "bridge")
        # docker's documented templates.
        out = self.ok("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}|"
                      "{{range $p, $conf := .NetworkSettings.Ports}}{{$p}} -> "
                      "{{(index $conf 0).HostPort}}{{end}}", "br1").out
        self.assertEqual(out, f"{ns['IPAddress']}|80/tcp -> {port}\n")
        self.ok("stop", "-t", "0", "br1")
        ns = self.inspect("br1")["NetworkSettings"]
        self.assertEqual((ns["IPAddress"], ns["Ports"], ns["Networks"]["bridge"]["IPAddress"]), ("", {}, ""))

    def test_created_container_and_lookup_order(self):
        cid = self.ok("create", "--name", "c2", "bb:1", "true").out.strip()
        d = self.inspect("c2")
        self.assertEqual(d["Id"], cid)
        self.assertEqual((d["State"]["Status"], d["State"]["StartedAt"], d["State"]["FinishedAt"]),
                         ("created", ZERO_TIME, ZERO_TIME))
        # docker fills these in at the first start.
        self.assertEqual([d[k] for k in ("ResolvConfPath", "HostnamePath", "HostsPath", "LogPath")],
                         ["", "", "", ""])
        self.assertEqual(d["NetworkSettings"]["Networks"]["none"], ENDPOINT)
        self.assertEqual(d["Args"], [])
        # A container and an image of the same name: inspect takes the container,
        # --type picks.
        self.ok("tag", "bb:1", "c2")
        self.assertEqual(self.ok("inspect", "-f", "{{.Name}}", "c2").out, "/c2\n")
        self.assertEqual(self.ok("inspect", "--type", "image", "-f", "{{.Id}}", "c2").out,
                         self.iid + "\n")
        self.assertEqual(self.ok("inspect", "--type", "container", "-f", "{{.Id}}", "c2").out,
                         cid + "\n")
        both = json.loads(self.ok("inspect", "c2", "bb:1").out)
        self.assertEqual([both[0]["Id"], both[1]["Id"]], [cid, self.iid])
        self.assertEqual(self.ok("inspect", "-f", "{{.Id}}", cid[:8]).out, cid + "\n")
        r = self.berth("inspect", "--type", "container", "bb:1")
        self.assertEqual((r.code, r.out, r.err), (1, "[]\n", "Error: No such container: bb:1\n"))
        r = self.berth("inspect", "nope")
        self.assertEqual((r.code, r.out, r.err), (1, "[]\n", "Error: No such object: nope\n"))
        r = self.berth("container", "inspect", "nope", "c2", "-f", "{{.Name}}")
        self.assertEqual((r.code, r.out, r.err), (1, "/c2\n", "Error: No such container: nope\n"))
        r = self.berth("container", "inspect", "bb:1")
        self.assertEqual((r.code, r.err), (1, "Error: No such container: bb:1\n"))

    def test_rename(self):
        a = self.ok("create", "--name", "a1", "bb:1", "true").out.strip()
        b = self.ok("create", "--name", "b1", "bb:1", "true").out.strip()
        failed = "Error: failed to rename container named a1\n"
        r = self.berth("rename", "a1", "a1")
        self.assertEqual((r.code, r.err), (1, "Error: Renaming a container with the same name as "
                                              "its current name\n" + failed))
        r = self.berth("rename", "a1", "b1")
        self.assertEqual((r.code, r.err), (1, "Error: Error when allocating new name: Conflict. "
                                              f"The container name \"/b1\" is already in use by "
                                              f"container \"{b}\". You have to remove (or rename) "
                                              "that container to be able to reuse that name.\n" + failed))
        r = self.berth("rename", "a1", "a b")
        self.assertEqual((r.code, r.err), (1, "Error: Error when allocating new name: Invalid container "
                                              f"name (/a b), {NAME_RULE}\n" + failed))
        r = self.berth("rename", "nope", "x1")
        self.assertEqual((r.code, r.err), (1, "Error: No such container: nope\n"
                                              "Error: failed to rename container named nope\n"))
        r = self.berth("rename", "a1", "")
        self.assertEqual((r.code, r.err), (1, "Error: Neither old nor new names may be empty\n"))
        r = self.berth("rename", "a1")
        self.assertEqual(r.code, 1)
        self.assertTrue(r.err.startswith('"berth rename" requires exactly 2 arguments.\n'), r.err)
        # A leading '/' is allowed; the old name is free afterwards.
        self.assertEqual(self.ok("rename", "a1", "/c1").out, "")
        self.assertEqual(self.ok("inspect", "-f", "{{.Name}}", a).out, "/c1\n")
        self.ok("container", "rename", "b1", "a1")
        self.assertEqual(sorted(self.ok("ps", "-a", "--format", "{{.Names}}").out.split()), ["a1", "c1"])
        self.assertEqual(self.ok("inspect", "-f", "{{.Id}}", "a1").out, b + "\n")
        r = self.berth("rename", "c1", "y")
        self.assertEqual(r.err, f"Error: Error when allocating new name: Invalid container name (/y), "
                                f"{NAME_RULE}\nError: failed to rename container named c1\n")
        self.ok("system", "check")

    def test_container_prune(self):
        running = self.ok("run", "-d", "--name", "r1", "bb:1", "sleep", "30").out.strip()
        r = self.berth("run", "--name", "e1", "--label", "keep=yes", "bb:1", "sh", "-c",
                       "echo 123456789 > /tmp/f; head -c 5000 /bin/busybox > /big")
        self.assertEqual(r.code, 0, r)
        e1 = self.ok("inspect", "-f", "{{.Id}}", "e1").out.strip()
        c1 = self.ok("create", "--name", "c1", "bb:1", "true").out.strip()
        prompt = "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] "
        r = self.ok("container", "prune", stdin=b"n\n")
        self.assertEqual(r.out, prompt + "Total reclaimed space: 0B\n")
        self.assertEqual(len(self.ok("ps", "-aq").out.split()), 3)
        r = self.berth("container", "prune", "-f", "--filter", "bogus=1")
        self.assertEqual((r.code, r.out, r.err), (1, "", "Error: Invalid filter 'bogus'\n"))
        r = self.berth("container", "prune", "-f", "--filter", "until=abc")
        self.assertEqual((r.code, r.err),
                         (1, 'Error: failed to parse value as time or duration: "abc"\n'))
        # Everything was created within the hour.
        self.assertEqual(self.ok("container", "prune", "-f", "--filter", "until=1h").out,
                         "Total reclaimed space: 0B\n")
        self.assertEqual(self.ok("container", "prune", "-f", "--filter", "label=keep=no").out,
                         "Total reclaimed space: 0B\n")
        # docker: 5,010 bytes in the upper dir read "5.01kB".
        r = self.ok("container", "prune", "-f", "--filter", "label=keep=yes")
        self.assertEqual(r.out, f"Deleted Containers:\n{e1}\n\nTotal reclaimed space: 5.01kB\n")
        self.assertFalse(os.path.exists(self.cdir(e1)))
        r = self.ok("container", "prune", "-f", "--filter", "label!=keep")
        self.assertEqual(r.out, f"Deleted Containers:\n{c1}\n\nTotal reclaimed space: 0B\n")
        r = self.ok("container", "prune", stdin=b"y\n")
        self.assertEqual(r.out, prompt + "Total reclaimed space: 0B\n")  # r1 runs
        self.assertEqual(self.ok("ps", "-aq", "--no-trunc").out, running + "\n")
        self.ok("system", "check")

    def test_ps_format_uses_dockers_container_row(self):
        self.ok("run", "--name", "l1", "--label", "x=1", "--label", "com.example.my-label=v",
                "bb:1", "true")

        def ps(fmt, *extra):
            return self.ok("ps", "-a", "--format", fmt, *extra).out

        self.assertEqual(ps('{{.Label "x"}}|{{.Label "nope"}}|{{.Labels}}|{{"x" | .Label}}'),
                         "1||com.example.my-label=v,x=1|1\n")
        self.assertEqual(ps('table {{.Label "com.example.my-label"}}\t{{.Names}}'),
                         "my label   NAMES\nv          l1\n")
        row = json.loads(ps("{{json .}}"))
        self.assertEqual(list(row), PS_JSON_KEYS)
        self.assertEqual((row["Names"], row["State"], row["Labels"], row["Networks"]),
                         ("l1", "exited", "com.example.my-label=v,x=1", "none"))
        self.assertRegex(row["Size"], r"^\S+ \(virtual \S+\)$")  # json . asks for sizes
        self.assertRegex(ps("{{.Size}}"), r"^0B \(virtual [0-9.]+MB\)\n$")
        self.assertEqual(self.ok("ps", "-a", "-q", "--format", "{{.Names}}").out, "l1\n")
        raw = ps("raw")
        self.assertRegex(raw, r"^container_id: [0-9a-f]{12}\nimage: bb:1\ncommand: \"true\"\n"
                              r"created_at: .*\nstate: exited\nstatus: Exited \(0\) .*\n"
                              r"names: l1\nlabels: com.example.my-label=v,x=1\nports:\n\n$")
        # Errors come from docker's run on an empty row, before any listing.
        for fmt, err in [
            ("{{.Label}}", 'failed to execute template: template: :1:2: executing "" at <.Label>: '
                           "wrong number of args for Label: want 1 got 0"),
            ('{{.Label "x" "y"}}', 'failed to execute template: template: :1:2: executing "" at '
                                   "<.Label>: wrong number of args for Label: want 1 got 2"),
            ("{{.Label 1}}", 'failed to execute template: template: :1:9: executing "" at <1>: '
                             "expected string; found 1"),
            ('{{.ID "x"}}', 'failed to execute template: template: :1:2: executing "" at <.ID>: '
                            "wrong number of args for ID: want 0 got 1"),
            ("{{.Foo}}", 'failed to execute template: template: :1:2: executing "" at <.Foo>: '
                         "can't evaluate field Foo in type *formatter.ContainerContext"),
            ("{{.ID", "failed to parse template: template: :1: unclosed action"),
        ]:
            r = self.berth("ps", "-a", "--format", fmt)
            self.assertEqual((r.code, r.out, r.err), (1, "", err + "\n"), fmt)


if __name__ == "__main__":
    unittest.main()
