#!/usr/bin/env python3
"""Schemathesis against the real Switchboard, once per role (admin, agent).

For each role, starts `switchboard serve --demo` on loopback in a temporary
directory, reads the printed address and the demo admin's password, signs in
as an integrator does, makes an admin token and an agent token
(POST /api/v1/tokens with the CSRF header), then runs `schemathesis run` with
every check against /api/v1/openapi.json, bounded, with the role's token. The
two roles' runs go at the same time, each against its own server.

Every failure is reduced to "role METHOD PATH check". The run fails on any
server error and on any failure not listed in tests/schemathesis/baseline.txt;
it prints the baseline lines that no longer occur so the file can shrink.

    tests/schemathesis/run.py [--update-baseline [--prune-baseline]] [--max-examples N]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import http.cookiejar

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BASELINE = os.path.join(HERE, "baseline.txt")
ROLES = ("admin", "agent")
# Operations that stand outside a bearer-token integrator's API or whose
# examples would end the run's own credentials.
# The two WebSocket upgrades are described in the document but are not
# request/response operations; their own tests drive them (tests/api/chat.rs,
# tests/api/routing.rs, the browser tests).
# The contacts import takes a CSV file as its body: any text is a valid
# string, and no schema can say which texts are good CSV with good rows, so
# generated bodies are refused (422) by design; tests/api/imports.rs drives
# it with good and bad files.
EXCLUDE_PATH_REGEX = r"^/api/v1/(session|tokens/\{id\}|ws|contacts/import|config/apply)$|^/widget/v1/\{widget_id\}/ws$"


def start_server(binary, workdir):
    out = open(os.path.join(workdir, "stdout.txt"), "w+")
    err = open(os.path.join(workdir, "stderr.txt"), "w")
    proc = subprocess.Popen(
        [binary, "serve", "--demo", "--listen", "127.0.0.1:0", "--sip-listen", "127.0.0.1:0",
         "--widget-requests-per-ip", "100000", "--visitor-messages-per-minute", "100000"],
        cwd=workdir, stdout=out, stderr=err)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"switchboard serve stopped (exit {proc.returncode}); see {workdir}/stderr.txt")
        out.seek(0)
        text = out.read()
        m = re.search(r"Switchboard is running on (http://\S+)", text)
        p = re.search(r"^\s+(admin@\S+)\s+(\S+)\s", text, re.M)
        if m and p:
            return proc, m.group(1), p.group(1), p.group(2)
        time.sleep(0.2)
    proc.kill()
    sys.exit("switchboard serve printed no address and admin password in 120 s")


def request(opener, method, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("content-type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with opener.open(req) as r:
        return json.loads(r.read() or b"null")


def make_tokens(base, email, password):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    session = request(opener, "POST", base + "/api/v1/session", {"email": email, "password": password})
    csrf = {"x-csrf-token": session["csrf_token"]}
    agents = request(opener, "GET", base + "/api/v1/agents", headers=csrf)
    items = agents["items"] if isinstance(agents, dict) else agents
    agent = next(a for a in items if a["roles"] == ["agent"])
    admin = request(opener, "POST", base + "/api/v1/tokens",
                    {"name": "schemathesis admin", "role": "admin"}, csrf)
    worker = request(opener, "POST", base + "/api/v1/tokens",
                     {"name": "schemathesis agent", "role": "agent", "agent_id": agent["id"]}, csrf)
    return {"admin": admin["secret"], "agent": worker["secret"]}


def start_schemathesis(st, base, role, token, workdir, args):
    """Starts `schemathesis run` for one role; returns (process, log, report)."""
    report = os.path.join(workdir, f"{role}.ndjson")
    cmd = [st, "run", base + "/api/v1/openapi.json",
           "--url", base,
           "--header", f"Authorization: Bearer {token}",
           "--checks", "all",
           # positive_data_acceptance runs as hooks.py's accepts_schema_valid_data.
           "--exclude-checks", "ignored_auth,positive_data_acceptance",
           "--max-examples", str(args.max_examples),
           "--seed", str(args.seed),
           "--workers", "1",
           "--no-shrink",
           "--continue-on-failure",
           "--exclude-path-regex", EXCLUDE_PATH_REGEX,
           "--suppress-health-check", "all",
           "--request-timeout", "10",
           "--report", "ndjson", "--report-ndjson-path", report,
           "--output-truncate", "true",
           "--phases", "examples,coverage,fuzzing"]
    if args.max_time:
        cmd += ["--max-time", str(args.max_time)]
    print(f"==> schemathesis as {role} against {base}", flush=True)
    log = os.path.join(workdir, f"{role}.log")
    env = dict(os.environ, SCHEMATHESIS_HOOKS="hooks", PYTHONPATH=HERE)
    f = open(log, "w")
    proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=workdir, env=env)
    return proc, log, report


def show_tail(role, log):
    with open(log) as f:
        tail = f.read().splitlines()[-25:]
    print(f"\n==> schemathesis as {role}: the end of its log")
    print("\n".join(tail))


def failures(role, report):
    """Set of 'role METHOD PATH check' from the ndjson report."""
    found = set()
    with open(report) as f:
        for line in f:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            walk(ev, role, found)
    return found


def walk(obj, role, found, label=None):
    if isinstance(obj, dict):
        if isinstance(obj.get("label"), str):
            label = obj["label"]
        if "NonFatalError" in obj:
            err = obj["NonFatalError"]
            found.add(f"{role} {err.get('label', '?')} schema_error")
        if obj.get("status") == "failure" and isinstance(obj.get("name"), str):
            info = (obj.get("failure_info") or {}).get("failure") or {}
            found.add(f"{role} {info.get('operation') or label} {obj['name']}")
        for v in obj.values():
            walk(v, role, found, label)
    elif isinstance(obj, list):
        for v in obj:
            walk(v, role, found, label)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--update-baseline", action="store_true", help="add this run's mismatches to the baseline")
    ap.add_argument("--prune-baseline", action="store_true", help="with --update-baseline: keep only this run's")
    ap.add_argument("--max-examples", type=int, default=int(os.environ.get("SWITCHBOARD_SCHEMATHESIS_EXAMPLES", 8)))
    # No time budget by default: the run is bounded by the examples per
    # operation, so the same seed finds the same mismatches run after run.
    ap.add_argument("--max-time", type=int, default=int(os.environ.get("SWITCHBOARD_SCHEMATHESIS_SECONDS", 0)))
    ap.add_argument("--seed", type=int, default=13)
    # Where cargo put it: CARGO_TARGET_DIR when set, as for every cargo command.
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    ap.add_argument("--binary", default=os.path.join(os.path.abspath(target), "debug", "switchboard"))
    ap.add_argument("--schemathesis", default=shutil.which("schemathesis") or "schemathesis")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    # One server per role, both runs at once: neither role's requests
    # change what the other's meet (each starts from the same demo data),
    # and the two runs share the machine's cores instead of taking turns.
    workdir = tempfile.mkdtemp(prefix="switchboard-schemathesis.")
    found, server_errors = set(), set()
    servers, runs = [], []
    try:
        for role in ROLES:
            roledir = os.path.join(workdir, role)
            os.mkdir(roledir)
            proc, base, email, password = start_server(args.binary, roledir)
            servers.append(proc)
            tokens = make_tokens(base, email, password)
            # Schemathesis runs in a scratch directory: a relative path to it
            # (target/schemathesis-venv/...) must not depend on that.
            exe = args.schemathesis
            if os.sep in exe:
                exe = os.path.abspath(exe)
            runs.append((role,) + start_schemathesis(exe, base, role, tokens[role], roledir, args))
        for role, run, log, report in runs:
            run.wait()
            show_tail(role, log)
            got = failures(role, report)
            found |= got
            server_errors |= {f for f in got if f.endswith(" not_a_server_error")}
    finally:
        for _role, run, _log, _report in runs:
            if run.poll() is None:
                run.kill()
        for proc in servers:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
    known = set()
    if os.path.exists(BASELINE):
        with open(BASELINE) as f:
            known = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    if args.update_baseline:
        with open(BASELINE, "w") as f:
            f.write("# Schemathesis mismatches known today: role METHOD PATH check.\n"
                    "# tests/schemathesis/run.py fails on any other; remove lines as they are fixed\n"
                    "# (the run prints the ones that no longer occur).\n")
            # Merged: a mismatch one run's data finds and another's misses
            # stays known; --prune-baseline drops what this run did not find.
            keep = found - server_errors if args.prune_baseline else (found - server_errors) | known
            for line in sorted(keep):
                f.write(line + "\n")
        print(f"baseline written: {len(keep)} lines")
    new = sorted(found - known)
    gone = sorted(known - found)
    print("\n==> Schemathesis summary")
    for role in ROLES:
        n = len([f for f in found if f.startswith(role + " ")])
        print(f"  {role}: {n} mismatches (operation + check)")
    if gone:
        print(f"  {len(gone)} baseline lines no longer occur (remove them from {BASELINE}):")
        for g in gone:
            print("    - " + g)
    if server_errors:
        print("  server errors (never accepted):")
        for e in sorted(server_errors):
            print("    ! " + e)
    if new and not args.update_baseline:
        print("  new mismatches (not in the baseline):")
        for n in new:
            print("    + " + n)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print("kept", workdir)
    if server_errors or (new and not args.update_baseline):
        sys.exit(1)


if __name__ == "__main__":
    main()
