#!/usr/bin/env python3
"""agent_bench.py - helpers of the agent benchmarks (tools/bench/agent_*.sh), stdlib only.

  agent_bench.py serve                     in a "server" namespace: TCP 7001 and 5432
                                           (answer and close), UDP 7003 (echo)
  agent_bench.py client LIFE RATE SERVERS PEERS
                                           in a churn container: for LIFE seconds, about
                                           RATE flows/s: TCP connects and UDP exchanges to
                                           the servers (comma list) and to the live peers
                                           (addresses, one a line, in file PEERS); 1 in 20 a
                                           TCP SYN to 5432 (denied by the policy: NFLOG);
                                           serves TCP 8080 / UDP 8081 to its peers meanwhile
  agent_bench.py churn PREFIX HOSTNS BRIDGE SECONDS PEERS CLIENT_ARGS...
                                           containers joining and leaving BRIDGE: one joins
                                           every 2 s and lives 20-60 s, addresses half from
                                           a pool of 24 (reused), half never used before;
                                           each runs `client`; bounded by SECONDS
  agent_bench.py notify SOCKET OUT         a systemd notify socket: the last STATUS= in OUT
  agent_bench.py stats HISTDIR             the newest counters record of a history, as JSON
  agent_bench.py sample PID WORK START MAX_RSS_MB
                                           one line of agent_soak.sh's table (RSS, CPU since
                                           the last sample, fds, threads, history, STATUS=,
                                           churn); state in WORK/sample.last, rows appended to
                                           WORK/samples; exit 3 when RSS passed MAX_RSS_MB
  agent_bench.py tuples OUT SERVER SECONDS in a client namespace: TCP connects and UDP
                                           exchanges with known source ports to SERVER, one
                                           completed 5-tuple a line in OUT (proto src sport
                                           dst dport, then the time it completed), until SECONDS pass or the file STOP
                                           next to OUT exists
  agent_bench.py lost TUPLES HISTDIR       tuples of TUPLES missing from the history
"""
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time


def serve_tcp(port, reply=b"ok\n"):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(512)
    while True:
        c, _ = s.accept()
        try:
            c.settimeout(0.5)
            c.recv(64)
            c.sendall(reply)
        except OSError:
            pass
        c.close()


def serve_udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(data, peer)


def background(fn, *args):
    t = threading.Thread(target=fn, args=args, daemon=True)
    t.start()
    return t


def cmd_serve(_args):
    for p in (7001, 5432):
        background(serve_tcp, p)
    background(serve_udp, 7003)
    print("ready", flush=True)
    while True:
        time.sleep(3600)


def tcp_once(addr, port, timeout=0.5):
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.connect((addr, port))
        s.sendall(b"hello\n")
        s.recv(64)
        return True
    except OSError:
        return False
    finally:
        s.close()


def udp_once(addr, port, timeout=0.3):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(b"ping", (addr, port))
        s.recvfrom(64)
        return True
    except OSError:
        return False
    finally:
        s.close()


def syn_only(addr, port):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect_ex((addr, port))
        time.sleep(0.01)
    finally:
        s.close()


def cmd_client(args):
    life, rate, servers, peers_file = float(args[0]), float(args[1]), args[2].split(","), args[3]
    background(serve_tcp, 8080)
    background(serve_udp, 8081)
    end = time.monotonic() + life
    peers, peers_at = [], 0.0
    n = 0
    while time.monotonic() < end:  # bounded: LIFE seconds
        now = time.monotonic()
        if now - peers_at > 5:
            try:
                with open(peers_file) as f:
                    peers = [x.strip() for x in f if x.strip()]
            except OSError:
                peers = []
            peers_at = now
        n += 1
        r = random.random()
        if n % 20 == 0:
            syn_only(random.choice(servers), 5432)
        elif r < 0.3 and peers:
            p = random.choice(peers)
            tcp_once(p, 8080) if r < 0.2 else udp_once(p, 8081)
        elif r < 0.75:
            tcp_once(random.choice(servers), 7001)
        else:
            udp_once(random.choice(servers), 7003)
        time.sleep(max(0.0, 1.0 / rate - 0.002))


def sh(*cmd):
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode


def ip_batch(ns, lines):
    """ip -n NS -batch -: several commands for one process (spawning is what costs)."""
    return subprocess.run(["ip", "-n", ns, "-batch", "-"], input="".join(l + "\n" for l in lines),
                          text=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode


def add_container(hostns, bridge, ns, port, addr):
    if sh("ip", "netns", "add", ns):
        return False
    return (ip_batch(hostns, ["link add %s type veth peer name eth0 netns %s" % (port, ns),
                              "link set %s master %s up" % (port, bridge)]) == 0 and
            ip_batch(ns, ["link set lo up", "link set eth0 addrgenmode none",
                          "addr add %s/16 dev eth0" % addr, "link set eth0 up"]) == 0)


def del_container(ns, proc):
    """The client is the namespace's only process (ip netns exec execs it)."""
    if proc and proc.poll() is None:
        proc.kill()
    if proc:
        proc.wait()
    sh("ip", "netns", "del", ns)


def cmd_churn(args):
    prefix, hostns, bridge, seconds, peers_file = args[0], args[1], args[2], float(args[3]), args[4]
    client = args[5:]
    tag = prefix[-5:]
    every = float(os.environ.get("SOAK_JOIN_EVERY", "2"))
    life_lo, life_hi = map(float, os.environ.get("SOAK_LIFE", "20-60").split("-"))
    rnd = random.Random(1)
    pool = ["10.79.1.%d" % i for i in range(1, 25)]
    fresh = ("10.79.%d.%d" % (2 + i // 250, 1 + i % 250) for i in range(100000))
    live = {}  # ns -> (expiry, addr, proc)
    n, joined, reused, fresh_n = 0, 0, 0, 0
    used = set()
    end = time.monotonic() + seconds
    next_join = time.monotonic()
    while time.monotonic() < end:  # bounded: SECONDS
        now = time.monotonic()
        for ns in [k for k, v in live.items() if v[0] <= now]:
            del_container(ns, live.pop(ns)[2])
        if now >= next_join:
            next_join = now + every
            n += 1
            taken = {v[1] for v in live.values()}
            free = [a for a in pool if a not in taken]
            if n % 2 and free:
                addr = rnd.choice(free)
            else:
                addr = next(fresh)
            if addr in used:
                reused += 1
            else:
                fresh_n += 1
            used.add(addr)
            ns, port = "%s%d" % (prefix, n), "sk%sc%d" % (tag, n)
            if add_container(hostns, bridge, ns, port, addr):
                life = rnd.uniform(life_lo, life_hi)
                proc = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable,
                                         os.path.abspath(__file__), "client", str(life - 1)] +
                                        client + [peers_file],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                live[ns] = (now + life, addr, proc)
                joined += 1
            else:
                del_container(ns, None)
            with open(peers_file + ".tmp", "w") as f:
                f.write("".join(v[1] + "\n" for v in live.values()))
            os.replace(peers_file + ".tmp", peers_file)
            print("churn: %d joined (%d addresses reused, %d new), %d live" %
                  (joined, reused, fresh_n, len(live)), flush=True)
        time.sleep(0.2)
    for ns in list(live):
        del_container(ns, live.pop(ns)[2])
    print("churn: done, %d joined (%d addresses reused, %d new)" % (joined, reused, fresh_n),
          flush=True)


def cmd_notify(args):
    path, out = args
    try:
        os.unlink(path)
    except OSError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o777)
    while True:
        msg = s.recv(8192).decode("utf-8", "replace")
        for line in msg.split("\n"):
            if line.startswith("STATUS="):
                with open(out + ".tmp", "w") as f:
                    f.write(line[7:] + "\n")
                os.replace(out + ".tmp", out)
            elif line.startswith(("READY=", "RELOADING=", "STOPPING=")):
                with open(out + ".events", "a") as f:
                    f.write("%.3f %s\n" % (time.time(), line))


def history_files(d):
    try:
        names = [n for n in os.listdir(d) if ".jsonl" in n]
    except OSError:
        return []
    paths = [os.path.join(d, n) for n in names]
    return sorted(paths, key=lambda p: (os.stat(p).st_mtime if os.path.exists(p) else 0, p))


def history_lines(paths):
    for p in paths:
        try:
            out = subprocess.run(["zstdcat", "-f", p], capture_output=True, text=True).stdout
        except OSError:
            continue
        for line in out.splitlines():
            yield line


def cmd_stats(args):
    d = args[0]
    paths = history_files(d)
    last = None
    for tail in (paths[-2:], paths[-4:], paths):
        for line in history_lines(tail):
            if '"counters"' in line:
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                if r.get("type") == "counters":
                    last = r
        if last:
            break
    print(json.dumps({"files": len(paths), "counters": last}))


def proc_cpu_ticks(pid):
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def proc_status(pid, key):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def smaps_kb(pid):
    """(resident kB, of which the packet sockets' mmapped rings), from one pass over smaps.

    One pass for both: a ring closed between a read of VmRSS and a read of
    smaps (a container leaving) would count 32 MiB of ring as heap."""
    total, ring, in_ring = 0, 0, False
    with open("/proc/%s/smaps" % pid) as f:
        for line in f:
            first = line.split(None, 1)[0]
            if "-" in first and not first.endswith(":"):
                in_ring = "socket:[" in line
            elif first == "Rss:":
                kb = int(line.split()[1])
                total += kb
                ring += kb if in_ring else 0
    return total, ring


def cmd_sample(args):
    pid, work, start, max_rss = args[0], args[1], float(args[2]), int(args[3])
    t, ticks = time.time(), proc_cpu_ticks(pid)
    rss, ring = smaps_kb(pid)
    fds = len(os.listdir("/proc/%s/fd" % pid))
    thr = proc_status(pid, "Threads")
    last = os.path.join(work, "sample.last")
    try:
        lt, lticks = map(float, open(last).read().split())
    except (OSError, ValueError):
        lt, lticks = start, 0
    with open(last, "w") as f:
        f.write("%f %d\n" % (t, ticks))
    cpu = 100.0 * (ticks - lticks) / os.sysconf("SC_CLK_TCK") / max(t - lt, 1e-3)
    paths = history_files(os.path.join(work, "history"))
    counters = None
    for tail in (paths[-2:], paths[-4:], paths[-12:]):
        for line in history_lines(tail):
            if '"counters"' in line:
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                if r.get("type") == "counters":
                    counters = r
        if counters:
            break
    recs = (counters or {}).get("history", {}).get("records", "-")
    try:
        status = open(os.path.join(work, "status")).read()
    except OSError:
        status = ""
    def num(before):
        import re
        m = re.search(r"(\d+) " + before, status)
        return m.group(1) if m else "-"
    try:
        churn = open(os.path.join(work, "churn.log")).read().splitlines()[-1][7:]
    except (OSError, IndexError):
        churn = ""
    print("%7s %8.1f %8.1f %6.1f %4d %4d %10s %5d %6s %7s %9s %s" %
          ("%ds" % (t - start), rss / 1024.0, (rss - ring) / 1024.0, cpu, fds, thr, recs, len(paths),
           num("interfaces"), num("flows live"), num("workloads"), churn), flush=True)
    with open(os.path.join(work, "samples"), "a") as f:
        f.write("%d %d %.2f %d %d\n" % (t - start, rss, cpu, fds, ring))
    sys.exit(3 if proc_status(pid, "VmRSS") > max_rss * 1024 else 0)


def cmd_tuples(args):
    out, server, seconds = args[0], args[1], float(args[2])
    stop = os.path.join(os.path.dirname(out), "STOP")
    end = time.monotonic() + seconds
    sport = 20000
    with open(out, "w") as f:
        while time.monotonic() < end and not os.path.exists(stop):  # bounded
            sport += 1
            if sport > 60000:
                break
            udp = sport % 4 == 0
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.settimeout(1.0)
            try:
                s.bind(("0.0.0.0", sport))
                if udp:
                    s.connect((server, 7003))  # the source address is then known
                    s.send(b"ping")
                    s.recv(64)
                else:
                    s.connect((server, 7001))
                    s.sendall(b"hello\n")
                    s.recv(64)
                src = s.getsockname()[0]
                f.write("%s %s %d %s %d %.6f\n" % ("udp" if udp else "tcp", src, sport, server,
                                                  7003 if udp else 7001, time.time()))
                f.flush()
            except OSError:
                pass
            finally:
                s.close()
            time.sleep(0.005)


def cmd_lost(args):
    want = set()
    with open(args[0]) as f:
        for line in f:
            p = line.split()
            if len(p) >= 5:
                want.add((p[0], p[1], int(p[2]), p[3], int(p[4])))
    got = set()
    records = 0
    for line in history_lines(history_files(args[1])):
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r.get("type") != "flow":
            continue
        records += 1
        k = (r.get("proto"), r.get("src"), r.get("sport"), r.get("dst"), r.get("dport"))
        got.add(k)
        got.add((k[0], k[3], k[4], k[1], k[2]))  # either direction
    lost = sorted(want - got)
    for k in lost:
        print("lost: %s %s:%d -> %s:%d" % k)
    print(json.dumps({"tuples": len(want), "flow_records": records, "lost": len(lost)}))


if __name__ == "__main__":
    cmds = {"serve": cmd_serve, "client": cmd_client, "churn": cmd_churn, "notify": cmd_notify,
            "stats": cmd_stats, "sample": cmd_sample, "tuples": cmd_tuples, "lost": cmd_lost}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    try:
        cmds[sys.argv[1]](sys.argv[2:])
    except KeyboardInterrupt:
        pass
