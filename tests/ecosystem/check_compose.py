#!/usr/bin/env python3
"""Validates compose.yaml, the Dockerfiles and the files they mount, without a Docker engine.

compose.yaml: parses as YAML with a `services` mapping; every service has an image or a build
whose context and Dockerfile exist; every bind-mount source exists; every host port is published
once; networks, named volumes and depends_on targets are declared; any absolute path in a
command that lies under a bind mount's target exists in the mounted source; the Prometheus
and Alertmanager configs as mounted pass `promtool check config` and `amtool check-config`
(with container paths mapped back to the repository), and Grafana's provisioning files point at
the mounted dashboards; the services the issue asks for are all there.
Dockerfiles: every stage's base, COPY sources exist in the build context; the daemons' image
builds on Debian 12. If the daemons are built (STREAMLENS_BIN_DIR), every shared library they
load comes from a Debian package that the runtime stage installs.
Usage: check_compose.py SOURCE_DIR
"""
import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ecolib  # noqa: E402

REQUIRED_SERVICES = {"kafka", "loadgen", "streamlens-exporter", "streamlens-sidecar", "prometheus",
                     "alertmanager", "grafana"}
BASE_LIBS = {"libc6", "libstdc++6", "libgcc-s1"}  # in every Debian image


def parse_dockerfile(path):
    """Returns [(instruction, args)] with line continuations joined and comments dropped."""
    lines, cur = [], ""
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not cur and (line.strip().startswith("#") or not line.strip()):
                continue
            if line.endswith("\\"):
                cur += line[:-1] + " "
                continue
            cur += line
            instr, _, args = cur.strip().partition(" ")
            lines.append((instr.upper(), args.strip()))
            cur = ""
    return lines


def check_dockerfile(c, context, dockerfile, label):
    instrs = parse_dockerfile(dockerfile)
    stages = []
    args = {}
    for instr, a in instrs:
        if instr == "ARG":
            k, _, v = a.partition("=")
            args.setdefault(k, v)
        elif instr == "FROM":
            parts = a.split()
            image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), parts[0])
            stages.append({"image": image, "name": parts[2] if len(parts) > 2 and parts[1].upper() == "AS" else None,
                           "apt": []})
        elif instr == "COPY" and stages:
            toks = shlex.split(a)
            if any(t.startswith("--from") for t in toks):
                continue
            srcs = [t for t in toks if not t.startswith("--")][:-1]
            for s in srcs:
                c.check(os.path.exists(os.path.join(context, s)), f"{label}: COPY source {s} exists in {context}")
        elif instr == "RUN" and stages and "apt-get install" in a:
            seg = a.split("apt-get install", 1)[1].split("&&")[0]
            stages[-1]["apt"] += [t for t in seg.split() if not t.startswith("-") and t != "\\"]
    c.check(len(stages) > 0, f"{label}: has a FROM")
    return stages


def dependency_closure(packages):
    """`packages` plus everything they depend on (per dpkg's status of the installed packages)."""
    seen, todo = set(), list(packages)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        r = subprocess.run(["dpkg-query", "-W", "-f=${Depends},${Pre-Depends}", p], capture_output=True, text=True)
        for alt in r.stdout.split(","):
            name = alt.split("|")[0].strip().split(" ")[0].split(":")[0]
            if name:
                todo.append(name)
    return seen


def so_packages(binary):
    """Debian packages providing the shared libraries `binary` loads."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    pkgs = set()
    for line in out.splitlines():
        m = re.search(r"=> (\S+)", line)
        if not m or not os.path.exists(m.group(1)):
            continue
        real = os.path.realpath(m.group(1))
        for path in (m.group(1), real):
            p = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
            if p.returncode == 0:
                pkgs.add(p.stdout.split(":")[0].strip())
                break
            # /lib is a symlink to /usr/lib on Debian 12; dpkg knows one of the two spellings.
            alt = path.replace("/usr/lib/", "/lib/", 1) if path.startswith("/usr/lib/") else "/usr" + path
            p = subprocess.run(["dpkg", "-S", alt], capture_output=True, text=True)
            if p.returncode == 0:
                pkgs.add(p.stdout.split(":")[0].strip())
                break
    return pkgs


def main():
    src = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("STREAMLENS_SOURCE_DIR", "."))
    ecolib.require_tools("promtool", "amtool")
    c = ecolib.Checker()
    path = os.path.join(src, "compose.yaml")
    with open(path) as f:
        doc = yaml.safe_load(f)
    c.check(isinstance(doc, dict) and isinstance(doc.get("services"), dict), "compose.yaml has a services mapping")
    services = doc.get("services", {})
    networks = set((doc.get("networks") or {}).keys())
    volumes = set((doc.get("volumes") or {}).keys())
    c.check(REQUIRED_SERVICES <= set(services), f"services include {sorted(REQUIRED_SERVICES)} "
            f"(missing {sorted(REQUIRED_SERVICES - set(services))})")

    host_ports = {}
    mounts = []  # (service, host source, container target)
    built_images = {}
    for name, svc in services.items():
        c.check("image" in svc or "build" in svc, f"{name}: has an image or a build")
        if "build" in svc:
            b = svc["build"]
            ctx = os.path.join(src, b if isinstance(b, str) else b.get("context", "."))
            df = os.path.join(ctx, "Dockerfile" if isinstance(b, str) else b.get("dockerfile", "Dockerfile"))
            c.check(os.path.isdir(ctx), f"{name}: build context {os.path.relpath(ctx, src)} exists")
            if c.check(os.path.isfile(df), f"{name}: Dockerfile {os.path.relpath(df, src)} exists"):
                built_images[name] = check_dockerfile(c, ctx, df, f"{name} {os.path.relpath(df, src)}")
        for n in (svc.get("networks") or []):
            c.check(n in networks, f"{name}: network {n} is declared")
        deps = svc.get("depends_on") or []
        for d in (deps.keys() if isinstance(deps, dict) else deps):
            c.check(d in services, f"{name}: depends_on {d} is a service")
        for p in svc.get("ports") or []:
            spec = str(p)
            parts = spec.split(":")
            host = parts[-2] if len(parts) >= 2 else parts[0]
            c.check(host not in host_ports, f"{name}: host port {host} is unique (also {host_ports.get(host)})")
            host_ports[host] = name
        for v in svc.get("volumes") or []:
            source, _, rest = v.partition(":")
            target = rest.split(":")[0]
            if source.startswith(".") or source.startswith("/"):
                hp = os.path.normpath(os.path.join(src, source))
                c.check(os.path.exists(hp), f"{name}: bind mount source {source} exists")
                mounts.append((name, hp, target))
            else:
                c.check(source in volumes, f"{name}: named volume {source} is declared")
        for ef in svc.get("env_file") or []:
            c.check(os.path.exists(os.path.join(src, ef)), f"{name}: env_file {ef} exists")

    def to_host(service, container_path):
        for s, hp, target in mounts:
            if s == service and (container_path == target or container_path.startswith(target.rstrip("/") + "/")):
                return hp + container_path[len(target):]
        return None

    for name, svc in services.items():
        cmd = svc.get("command") or []
        if isinstance(cmd, str):
            cmd = shlex.split(cmd)
        for arg in cmd:
            for pth in re.findall(r"(/[\w./-]+\.(?:ya?ml|json))", arg):
                hp = to_host(name, pth)
                if hp is not None:
                    c.check(os.path.exists(hp), f"{name}: {pth} in its command exists in the mounted {os.path.relpath(hp, src)}")

    # Prometheus as mounted: map container paths back and run promtool check config.
    prom = services.get("prometheus", {})
    prom_cfg = to_host("prometheus", "/etc/prometheus/prometheus.yml")
    if c.check(prom_cfg and os.path.exists(prom_cfg), "prometheus: its config file is mounted"):
        with open(prom_cfg) as f:
            pc = yaml.safe_load(f)
        rule_files = []
        for rf in pc.get("rule_files", []):
            hp = to_host("prometheus", rf)
            c.check(hp is not None, f"prometheus: rule file {rf} is under a mount")
            matched = glob.glob(hp) if hp else []
            c.check(len(matched) > 0, f"prometheus: rule file pattern {rf} matches files ({len(matched)})")
            rule_files += matched
        c.check(any(r.endswith("streamlens-alerts.yml") for r in rule_files)
                and any(r.endswith("streamlens-recording.yml") for r in rule_files),
                "prometheus loads streamlens-alerts.yml and streamlens-recording.yml")
        jobs = {j["job_name"]: j for j in pc.get("scrape_configs", [])}
        for job, svc_name, port in (("streamlens-exporter", "streamlens-exporter", "9644"),
                                    ("streamlens-sidecar", "streamlens-sidecar", "9645")):
            targets = [t for sc in jobs.get(job, {}).get("static_configs", []) for t in sc.get("targets", [])]
            c.check(f"{svc_name}:{port}" in targets, f"prometheus scrapes {svc_name}:{port} as job {job} "
                    "(the alerting rules select on these job names)")
            listen = [a for a in services.get(svc_name, {}).get("command", []) if a.startswith("--web.listen-address")]
            c.check(listen and listen[0].endswith(":" + port), f"{svc_name} listens on {port}")
        ams = [t for a in pc.get("alerting", {}).get("alertmanagers", []) for sc in a.get("static_configs", [])
               for t in sc.get("targets", [])]
        c.check(any(t.split(":")[0] in services for t in ams), "prometheus sends alerts to the alertmanager service")
        with tempfile.TemporaryDirectory() as tmp:
            pc["rule_files"] = rule_files
            tmpcfg = os.path.join(tmp, "prometheus.yml")
            with open(tmpcfg, "w") as f:
                yaml.safe_dump(pc, f)
            p = subprocess.run(["promtool", "check", "config", tmpcfg], capture_output=True, text=True)
            c.check(p.returncode == 0, f"promtool check config of the mounted Prometheus config ({(p.stdout + p.stderr)[-400:]})")
    am_cfg = to_host("alertmanager", "/etc/alertmanager/alertmanager.yml")
    if c.check(am_cfg and os.path.exists(am_cfg), "alertmanager: its config file is mounted"):
        p = subprocess.run(["amtool", "check-config", am_cfg], capture_output=True, text=True)
        c.check(p.returncode == 0, "amtool check-config of the mounted Alertmanager config")

    # Grafana: provisioning mounted, its dashboard path mounted and holding the dashboards.
    dp_dir = to_host("grafana", "/etc/grafana/provisioning/dashboards")
    if c.check(dp_dir is not None, "grafana: dashboard provisioning is mounted"):
        for f in glob.glob(os.path.join(dp_dir, "*.yml")):
            with open(f) as fh:
                dp = yaml.safe_load(fh)
            for prov in dp.get("providers", []):
                cp = prov.get("options", {}).get("path", "")
                hp = to_host("grafana", cp)
                c.check(hp is not None and len(glob.glob(os.path.join(hp, "*.json"))) >= 6,
                        f"grafana: provider path {cp} is mounted and holds the dashboards")
    ds_dir = to_host("grafana", "/etc/grafana/provisioning/datasources")
    if c.check(ds_dir is not None, "grafana: datasource provisioning is mounted"):
        urls = []
        for f in glob.glob(os.path.join(ds_dir, "*.yml")):
            with open(f) as fh:
                urls += [d.get("url", "") for d in yaml.safe_load(fh).get("datasources", [])]
        c.check(any(re.match(r"https?://prometheus:9090", u) for u in urls), "grafana's datasource is the prometheus service")

    # The daemons' image: Debian 12, and its runtime stage installs what the binaries load.
    daemon_stages = built_images.get("streamlens-exporter") or []
    c.check(daemon_stages and all(s["image"].startswith(("debian:12", "debian:bookworm")) for s in daemon_stages),
            f"the daemons' image builds on Debian 12 ({[s['image'] for s in daemon_stages]})")
    # The build stage installs what scripts/install-deps lists for building (not the test-only
    # GoogleTest/Benchmark or the developer conveniences).
    deps_path = os.path.join(src, "scripts", "install-deps")
    if daemon_stages and os.path.exists(deps_path):
        with open(deps_path) as f:
            deps = f.read()
        wanted = set()
        for arr in ("BUILD_PKGS", "EXTRA_PKGS"):
            m = re.search(arr + r"=\((.*?)\n\)", deps, re.S)
            if m:
                body = re.sub(r"#[^\n]*", "", m.group(1))
                wanted |= set(body.split())
        wanted = {p for p in wanted if p.endswith("-dev") or p in ("protobuf-compiler", "cmake", "ninja-build",
                                                                   "pkg-config", "build-essential")}
        wanted -= {"libgtest-dev", "libgmock-dev", "libbenchmark-dev"}
        build_apt = set(daemon_stages[0]["apt"])
        c.check(wanted <= build_apt, f"the Dockerfile's build stage installs scripts/install-deps' build packages "
                f"(missing {sorted(wanted - build_apt)})")
    bin_dir = os.environ.get("STREAMLENS_BIN_DIR", "")
    binaries = [os.path.join(bin_dir, b) for b in ("streamlens-exporter", "streamlens-sidecar", "streamlens-loadgen")]
    binaries = [b for b in binaries if os.path.isfile(b)]
    if daemon_stages and binaries:
        runtime = dependency_closure(set(daemon_stages[-1]["apt"]))
        for b in binaries:
            need = {p.split(":")[0] for p in so_packages(b)} - BASE_LIBS
            c.check(need <= runtime, f"runtime stage installs the libraries {os.path.basename(b)} loads "
                    f"(missing {sorted(need - runtime)})")
    else:
        print(f"note: no built daemons in STREAMLENS_BIN_DIR={bin_dir!r}; runtime library check skipped")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
