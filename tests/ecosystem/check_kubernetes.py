#!/usr/bin/env python3
"""Validates deploy/kubernetes/ statically (no cluster): the sharded sidecar's StatefulSet, its
headless Service and the Prometheus scrape config.

sidecar.yaml: parses; a Service and a StatefulSet (apps/v1) whose serviceName is the Service, the
Service headless and selecting the pod template's labels, its target port a named container port;
the container's command, run by /bin/sh with the pod's environment for every ordinal 0..replicas-1
(POD_NAME from the downward API as the StatefulSet names its pods), passes --shard.index=<ordinal>
and --shard.count=<replicas> to streamlens-sidecar (a stand-in records the arguments); every flag
it passes is one `streamlens-sidecar --help` lists (when STREAMLENS_BIN_DIR holds the binary);
--storage.path is the mount of a volumeClaimTemplate; the probes use /-/ready and /-/healthy.
prometheus-scrape.yaml: `promtool check config` accepts it; its targets are the pods' DNS names
under the headless Service, one per replica, and its `shard` relabelling gives each its ordinal.
Usage: check_kubernetes.py SOURCE_DIR
"""
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ecolib  # noqa: E402


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def one(docs, kind):
    found = [d for d in docs if d.get("kind") == kind]
    return found[0] if len(found) == 1 else None


def run_command(container, env_extra, work):
    """Runs the container's command with a stand-in streamlens-sidecar; returns its arguments."""
    stub = os.path.join(work, "streamlens-sidecar")
    out = os.path.join(work, "args")
    with open(stub, "w") as f:
        f.write(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > {out}\n')
    os.chmod(stub, os.stat(stub).st_mode | stat.S_IXUSR)
    env = {"PATH": work + ":/usr/bin:/bin"}
    for e in container.get("env", []):
        if "value" in e:
            env[e["name"]] = str(e["value"])
    env.update(env_extra)
    subprocess.run(container["command"], env=env, check=True, timeout=10)
    with open(out) as f:
        return f.read().splitlines()


def sidecar_flags():
    """Flag names of `streamlens-sidecar --help`, or None when the binary is not built."""
    path = os.path.join(os.environ.get("STREAMLENS_BIN_DIR", ""), "streamlens-sidecar")
    if not os.path.exists(path):
        return None
    r = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=10)
    return set(re.findall(r"--([a-z][a-z0-9.-]*)", r.stdout + r.stderr))


def check_statefulset(c, docs, work):
    svc, sts = one(docs, "Service"), one(docs, "StatefulSet")
    if not c.check(svc and sts, "sidecar.yaml: one Service and one StatefulSet"):
        return
    c.check(sts.get("apiVersion") == "apps/v1", "StatefulSet apiVersion apps/v1")
    spec, tpl = sts["spec"], sts["spec"]["template"]
    c.check(spec.get("serviceName") == svc["metadata"]["name"], "serviceName is the Service")
    c.check(svc["spec"].get("clusterIP") == "None", "the Service is headless")
    labels = tpl["metadata"]["labels"]
    c.check(all(labels.get(k) == v for k, v in svc["spec"]["selector"].items()),
            "the Service selects the pods")
    c.check(spec["selector"]["matchLabels"].items() <= labels.items(),
            "the StatefulSet selector matches its pod template")
    (container,) = tpl["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    c.check(svc["spec"]["ports"][0]["targetPort"] in ports, "the Service targets a named port")
    replicas = int(spec["replicas"])
    flags = sidecar_flags()
    for i in range(replicas):
        args = run_command(container, {"POD_NAME": f"{sts['metadata']['name']}-{i}"}, work)
        c.check(f"--shard.index={i}" in args, f"pod {i} runs --shard.index={i} (args {args})")
        c.check(f"--shard.count={replicas}" in args, f"pod {i} runs --shard.count={replicas}")
        if flags is not None:
            unknown = [a for a in args if a.split("=")[0].lstrip("-") not in flags]
            c.check(not unknown, f"pod {i}: flags the sidecar knows (unknown: {unknown})")
    pod_name = [e for e in container.get("env", []) if e["name"] == "POD_NAME"]
    c.check(pod_name and pod_name[0]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name",
            "POD_NAME comes from the pod's name")
    storage = [a.split("=", 1)[1] for a in run_command(container, {"POD_NAME": "x-0"}, work)
               if a.startswith("--storage.path=")]
    claims = {t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", [])}
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
    c.check(storage and mounts.get(storage[0]) in claims,
            "--storage.path is a per-pod volume claim")
    c.check(container["readinessProbe"]["httpGet"]["path"] == "/-/ready", "readiness /-/ready")
    c.check(container["livenessProbe"]["httpGet"]["path"] == "/-/healthy", "liveness /-/healthy")


def check_scrape(c, path, sts, work):
    (doc,) = load(path)
    cfg = os.path.join(work, "prometheus.yml")
    with open(cfg, "w") as f:
        yaml.safe_dump(doc, f)
    r = subprocess.run(["promtool", "check", "config", cfg], capture_output=True, text=True)
    c.check(r.returncode == 0, f"promtool check config: {r.stdout}{r.stderr}")
    (job,) = doc["scrape_configs"]
    targets = [t for sc in job["static_configs"] for t in sc["targets"]]
    name, service = sts["metadata"]["name"], sts["spec"]["serviceName"]
    port = sts["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]
    want = [f"{name}-{i}.{service}:{port}" for i in range(int(sts["spec"]["replicas"]))]
    c.check(targets == want, f"one target per pod: {targets} == {want}")
    (shard,) = [r for r in job["relabel_configs"] if r.get("target_label") == "shard"]
    for i, t in enumerate(targets):
        m = re.fullmatch(shard["regex"], t)
        got = m.expand(shard.get("replacement", "$1").replace("$1", r"\1")) if m else None
        c.check(got == str(i), f"target {t} is labelled shard={i} (got {got})")


def main():
    src = sys.argv[1]
    ecolib.require_tools("promtool", "sh")
    c = ecolib.Checker()
    kdir = os.path.join(src, "deploy", "kubernetes")
    with tempfile.TemporaryDirectory(prefix="streamlens-k8s-") as work:
        docs = load(os.path.join(kdir, "sidecar.yaml"))
        check_statefulset(c, docs, work)
        if one(docs, "StatefulSet"):
            check_scrape(c, os.path.join(kdir, "prometheus-scrape.yaml"), one(docs, "StatefulSet"),
                         work)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
