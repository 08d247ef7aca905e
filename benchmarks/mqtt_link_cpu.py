"""CPU per message of the device's MQTT links, in process, through a real Mosquitto.

The device's two connections (``edge.comms.mqtt.MqttLink``) cost CPU on paho's
network threads and, for publishing, on the thread that publishes. This
measures them without the rest of the device: a sender process publishes
signals at ``--rate`` to a private broker; in this process

* the **main link** (``manual_ack``, QoS 1 in, like the device's) hands each
  signal to a worker thread, which publishes one QoS 1 answer (retained, like a
  screen's list; a subscriber in the sender reads it, so the broker PUBACKs it
  after routing) and then acknowledges the signal, as the agent does after
  commit;
* the **positions link** (QoS 0 in, no answer) counts its signals.

Reported per message: CPU time of each link's paho thread and of the worker
(``time.pthread_getcpuclockid``), and the link's syscall economy
(``lean_counts``). ``--client paho`` runs the same links on paho's stock
``Client`` (the A/B reference).

``--intake``: the device's hand-off instead: both links queue into the
device's :class:`edge.admission.Intake` (a location topic on the positions
link, an inventory topic on the main one, real payload shapes), one worker
takes from it as the agent's does (wake-ups held for the message), spends
``--work-us`` of CPU on it (positions, then main: the device's per-kind worker
cost), answers each position with a QoS 1 publish and acks each main message.
Per message it adds each thread's wake-ups (schedstat: times put on a CPU;
/proc: voluntary and involuntary context switches). The last line is one JSON
object.

    python -m benchmarks.mqtt_link_cpu [--rate 1000] [--seconds 8] [--client lean|paho]
        [--intake [--work-us 200,20]]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

import edge.comms.mqtt as link_mod
from deploy.local_broker import MosquittoBroker
from edge.admission import Intake
from edge.comms.topics import TopicTree
from firmware_config.schema import BrokerConfig

SENDER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[5])
from edge.comms.mqtt import new_client, start
host, port, rate, count = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
pos_topic, main_topic = (sys.argv[6], sys.argv[7]) if len(sys.argv) > 7 else (None, None)
c = new_client("bench-sender")
got = [0]
c.on_message = lambda *a: got.__setitem__(0, got[0] + 1)
start(c, host, port, keepalive=30, blocking=True)
c.subscribe("bench/out/#", qos=0)
time.sleep(0.5)
payload = b'{"shopper":"s1","zone":"z1","action":"enter","ts":1.0}' + b" " * 60
t0 = time.perf_counter()
for i in range(count):
    due = t0 + i / rate
    while time.perf_counter() < due:
        time.sleep(max(0.0, min(0.001, due - time.perf_counter())))
    if pos_topic is not None:  # --intake: the device's topics and payload shapes
        if i % 2:
            body = {"v": 1, "signal_id": f"l{i}", "ts": time.time(), "shopper": {"track_id": f"t{i % 300}"},
                    "zone": f"z{i % 12}", "action": "enter"}
            c.publish(pos_topic, json.dumps(body).encode(), qos=0)
        else:
            body = {"v": 1, "signal_id": f"i{i}", "ts": time.time(), "item_id": f"{i % 900:07d}",
                    "quantity": i % 20, "shelf": None}
            c.publish(main_topic, json.dumps(body).encode(), qos=1)
    elif i % 2:
        c.publish(f"bench/pos/{i % 50}", payload, qos=0)
    else:
        c.publish(f"bench/in/{i % 50}", payload, qos=1)
time.sleep(1.5)
print(got[0], flush=True)
c.disconnect(); c.loop_stop()
"""


def thread_cpu(thread: threading.Thread | None) -> float:
    if thread is None or thread.ident is None:
        return 0.0
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
    except OSError:
        return 0.0


def user_sys(thread: threading.Thread | None) -> tuple[float, float]:
    """(user, system) CPU seconds of a thread, from /proc (clock ticks)."""
    if thread is None or thread.native_id is None:
        return 0.0, 0.0
    try:
        fields = Path(f"/proc/self/task/{thread.native_id}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def runs(thread: threading.Thread | None) -> tuple[int, int, int]:
    """Times the thread was put on a CPU (schedstat's third field: its wake-ups and
    its returns after preemption), and its voluntary and involuntary context
    switches (/proc status: it slept, or it was preempted)."""
    if thread is None or thread.native_id is None:
        return 0, 0, 0
    task = Path(f"/proc/self/task/{thread.native_id}")
    try:
        ran = int((task / "schedstat").read_text().split()[2])
        status = dict(line.split(":", 1) for line in (task / "status").read_text().splitlines() if ":" in line)
        return ran, int(status["voluntary_ctxt_switches"]), int(status["nonvoluntary_ctxt_switches"])
    except (OSError, IndexError, ValueError, KeyError):
        return 0, 0, 0


def spin(us: float) -> None:
    """Spend ``us`` of this thread's CPU in Python (the handling, without its work)."""
    end = time.thread_time() + us / 1e6
    while time.thread_time() < end:
        pass


def run(rate: float, seconds: float, client: str, intake: bool = False,
        work_us: tuple[float, float] = (200.0, 20.0)) -> dict:
    if client == "paho":
        link_mod.LeanClient = mqtt.Client  # type: ignore[misc]  (the stock client: A/B reference)
    work = Path(tempfile.mkdtemp(prefix="mqtt-link-cpu-"))
    broker = MosquittoBroker(workdir=work / "broker", persistence=False).start()
    try:
        cfg = BrokerConfig(host=broker.host, port=broker.port, keepalive_s=30)
        jobs: queue.SimpleQueue = queue.SimpleQueue()
        counts = {"main": 0, "pos": 0}
        answer = b'{"display":"d1","items":[' + b'{"id":"1234567","name":"a product","score":0.5},' * 10 + b"{}]}"
        tree = TopicTree("bench", "dev")
        lanes = Intake(tree) if intake else None

        def on_main(topic, payload, props, ack) -> None:
            counts["main"] += 1
            if lanes is not None:
                lanes.put((topic, payload, props, ack))
            else:
                jobs.put((topic, ack))

        def on_pos(topic, payload, props) -> None:
            counts["pos"] += 1
            if lanes is not None:
                lanes.put((topic, payload, props))

        main_sub, pos_sub = (tree.inventory, tree.location) if intake else ("bench/in/#", "bench/pos/#")
        main = link_mod.MqttLink(cfg, "bench-main", subscriptions=[(main_sub, 1)], will=None,
                                 on_message=on_main, manual_ack=True)
        pos = link_mod.MqttLink(cfg, "bench-pos", subscriptions=[(pos_sub, 0)], will=None,
                                on_message=on_pos, session_expiry_s=None, stale_after_s=0.5)

        def worker() -> None:
            while True:
                job = jobs.get()
                if job is None:
                    return
                topic, ack = job
                main.publish("bench/out/" + topic.rsplit("/", 1)[1], answer, qos=1, retain=True)
                ack()

        def intake_worker() -> None:
            # The agent's worker loop (edge.agent.Agent._worker), its handling a spin.
            n = 0
            while True:
                msg = lanes.get()  # type: ignore[union-attr]
                if msg is None:
                    return
                main.hold_wakes()
                try:
                    if len(msg) > 3:
                        spin(work_us[1])
                        msg[3]()
                    else:
                        spin(work_us[0])
                        n += 1
                        main.publish(f"bench/out/{n % 50}", answer, qos=1, retain=True)
                finally:
                    main.release_wakes()

        wt = threading.Thread(target=intake_worker if intake else worker, name="bench-worker", daemon=True)
        wt.start()
        main.start()
        pos.start()
        if not (main.subscribed.wait(10) and pos.subscribed.wait(10)):
            raise RuntimeError("links did not subscribe")
        count = int(rate * seconds)
        sender = subprocess.Popen(
            [sys.executable, "-c", SENDER, broker.host, str(broker.port), str(rate), str(count),
             str(Path(__file__).resolve().parents[1]), *((tree.location, tree.inventory) if intake else ())],
            stdout=subprocess.PIPE, text=True)
        time.sleep(0.3)
        threads = {"main": main.client._thread, "pos": pos.client._thread, "worker": wt}  # noqa: SLF001
        cpu0 = {k: thread_cpu(t) for k, t in threads.items()}
        us0 = {k: user_sys(t) for k, t in threads.items()}
        proc0 = time.process_time()
        n0 = dict(counts)
        runs0 = {k: runs(t) for k, t in threads.items()}
        c0 = {k: dict(getattr(link.client, "lean_counts", {})) for k, link in (("main", main), ("pos", pos))}
        out, _ = sender.communicate(timeout=seconds * 4 + 30)
        cpu1 = {k: thread_cpu(t) for k, t in threads.items()}
        us1 = {k: user_sys(t) for k, t in threads.items()}
        proc1 = time.process_time()
        n_main, n_pos = counts["main"] - n0["main"], counts["pos"] - n0["pos"]
        c1 = {k: dict(getattr(link.client, "lean_counts", {})) for k, link in (("main", main), ("pos", pos))}
        runs1 = {k: runs(t) for k, t in threads.items()}
        jobs.put(None)
        if lanes is not None:
            lanes.put(None)
        main.stop()
        pos.stop()
        per = lambda s, n: round(1e6 * s / max(n, 1), 1)  # noqa: E731
        return {
            "client": client, "rate": rate, "main_msgs": n_main, "pos_msgs": n_pos,
            "answers_seen_by_sender": int(out.strip() or 0),
            "cpu_us_per_msg": {
                "paho_main": per(cpu1["main"] - cpu0["main"], n_main),
                "worker_publish_ack": per(cpu1["worker"] - cpu0["worker"], n_main),
                "paho_positions": per(cpu1["pos"] - cpu0["pos"], n_pos),
            },
            "user_sys_us_per_msg": {
                k: [per(us1[k][0] - us0[k][0], n), per(us1[k][1] - us0[k][1], n)]
                for k, n in (("main", n_main), ("worker", n_main), ("pos", n_pos))},
            "process_cpu_us_per_msg": per(proc1 - proc0, n_main + n_pos),
            # Per message: [times on a CPU, voluntary switches (slept), involuntary (preempted)].
            "wakeups_per_msg": {k: [round((runs1[k][i] - runs0[k][i]) / max(n_main + n_pos, 1), 3) for i in range(3)]
                                for k in threads},
            "work_us": list(work_us) if intake else None,
            "lean_counts": {k: {m: c1[k][m] - c0[k].get(m, 0) for m in c1[k]} for k in c1},
            "load_avg_1m": os.getloadavg()[0],
        }
    finally:
        broker.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=1000.0, help="signals/s (half QoS 1 main, half QoS 0 positions)")
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--client", choices=("lean", "paho"), default="lean")
    ap.add_argument("--intake", action="store_true",
                    help="both links queue into the device's Intake; one worker answers (module doc)")
    ap.add_argument("--work-us", default="200,20",
                    help="with --intake: worker CPU per position, per main message (us)")
    args = ap.parse_args(argv)
    work = tuple(float(x) for x in args.work_us.split(","))
    print(json.dumps(run(args.rate, args.seconds, args.client, args.intake, (work[0], work[1]))))


if __name__ == "__main__":
    main()
